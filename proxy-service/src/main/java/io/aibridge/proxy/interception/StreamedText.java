package io.aibridge.proxy.interception;

/**
 * Text a stream delivers in pieces over many events (a thinking block, a tool call's arguments),
 * kept up to a limit: past it, pieces are counted, not kept, so that one endless block cannot take
 * the proxy's memory. What is cut is recorded as an over-long prompt is: the kept start, flagged
 * {@code truncated} with its {@code original_length} ({@link Recording#tool}, {@link Recording#thought}).
 * A text may also draw on a {@link TextBudget} shared by the stream's texts: it is then cut as well
 * where the budget runs out ({@link #overBudget()}); its owner gives the {@link #keptLength()} back
 * once the text is recorded.
 */
public final class StreamedText {

    private final StringBuilder kept = new StringBuilder();
    private final int maxChars;
    private final TextBudget budget;
    private long length;
    private boolean cut;
    private boolean overBudget;

    /** @param maxChars the most characters kept */
    public StreamedText(int maxChars) {
        this(maxChars, null);
    }

    /**
     * @param maxChars the most characters kept
     * @param budget   what the stream's texts may hold together; null for none
     */
    public StreamedText(int maxChars, TextBudget budget) {
        this.maxChars = maxChars;
        this.budget = budget;
    }

    public void append(String piece) {
        length += piece.length();
        if (cut) {
            return;
        }
        int room = maxChars - kept.length();
        boolean budgetShort = budget != null && budget.room() < Math.min(room, piece.length());
        if (budgetShort) {
            room = (int) Math.max(0, budget.room());
        }
        if (piece.length() <= room) {
            keep(piece, piece.length());
            return;
        }
        int end = room > 0 && Character.isHighSurrogate(piece.charAt(room - 1)) ? room - 1 : room; // never half a character
        keep(piece, Math.max(0, end));
        cut = true;
        overBudget = budgetShort;
    }

    private void keep(String piece, int end) {
        if (budget != null) {
            budget.take(end);
        }
        kept.append(piece, 0, end);
    }

    /** The text kept: all of it, or its start when {@link #truncated()}. */
    public String text() {
        return kept.toString();
    }

    /** The length of all the text appended, kept or not. */
    public long length() {
        return length;
    }

    public boolean truncated() {
        return cut;
    }

    /** Cut because the stream's {@link TextBudget} ran out, not at this text's own limit. */
    public boolean overBudget() {
        return overBudget;
    }

    /** The characters kept now (what this text holds of its budget). */
    public int keptLength() {
        return kept.length();
    }
}

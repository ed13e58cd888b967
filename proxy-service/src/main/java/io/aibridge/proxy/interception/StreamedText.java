package io.aibridge.proxy.interception;

/**
 * Text a stream delivers in pieces over many events (a thinking block, a tool call's arguments),
 * kept up to a limit: past it, pieces are counted, not kept, so that one endless block cannot take
 * the proxy's memory. What is cut is recorded as an over-long prompt is: the kept start, flagged
 * {@code truncated} with its {@code original_length} ({@link Recording#tool}, {@link Recording#thought}).
 */
public final class StreamedText {

    private final StringBuilder kept = new StringBuilder();
    private final int maxChars;
    private long length;
    private boolean cut;

    /** @param maxChars the most characters kept */
    public StreamedText(int maxChars) {
        this.maxChars = maxChars;
    }

    public void append(String piece) {
        length += piece.length();
        if (cut) {
            return;
        }
        int room = maxChars - kept.length();
        if (piece.length() <= room) {
            kept.append(piece);
            return;
        }
        int end = room > 0 && Character.isHighSurrogate(piece.charAt(room - 1)) ? room - 1 : room; // never half a character
        kept.append(piece, 0, Math.max(0, end));
        cut = true;
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
}

package io.aibridge.proxy.interception;

/**
 * The characters of recorded text one stream's observer may hold at once, over all the texts it is
 * assembling (a Chat stream's open tool calls: their ids, names and arguments). {@link StreamedText}
 * bounds one text; this bounds their sum, which an upstream that numbers choices and calls itself
 * could otherwise drive to choices × calls × the text limit. Text past it is not kept: a cut input
 * is recorded as its kept start, flagged {@code truncated}, and the interception logs that not
 * everything is recorded ({@link Recording#notRecorded}). What a text held goes back to the budget
 * once it is recorded ({@link #release}).
 */
public final class TextBudget {

    private final long limit;
    private long held;

    /** @param limit the most characters held at once */
    public TextBudget(long limit) {
        this.limit = Math.max(0, limit);
    }

    /** The least a stream's budget is, whatever the text limit: room for many ordinary calls when that limit is set low. */
    public static final long MIN_STREAM_CHARS = 1L << 20;

    /**
     * The budget of a stream whose texts are each kept up to {@code maxTextChars}: twice that (8 Mi
     * characters at the default limit), so that one text of the largest size an event keeps and the
     * others of the same answer fit; at least {@link #MIN_STREAM_CHARS}, so that a low text limit
     * does not also cut an answer's many small texts.
     */
    public static long streamChars(int maxTextChars) {
        return Math.max(2L * maxTextChars, MIN_STREAM_CHARS);
    }

    /** The characters that may still be held. */
    public long room() {
        return limit - held;
    }

    /** Takes {@code chars} if they fit, else nothing. */
    public boolean take(long chars) {
        if (chars > room()) {
            return false;
        }
        held += chars;
        return true;
    }

    public void release(long chars) {
        held = Math.max(0, held - chars);
    }

    /** The characters held now. */
    public long held() {
        return held;
    }

    public long limit() {
        return limit;
    }
}

package io.aibridge.cli.interceptions;

import io.aibridge.cli.text.Format;

import java.io.PrintWriter;

/**
 * A progress bar on stderr, redrawn in place at most ten times a second:
 * {@code  52% [==========>          ] 1,234/2,345  410/s  ETA 3s}. Disabled, it draws nothing.
 */
final class Progress {

    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter err;
    private final boolean enabled;
    private final int columns;
    private final long startNanos = System.nanoTime();
    private final long initial;
    private long done;
    private long total = -1;
    private long lastDraw;
    private boolean drawn;

    /** @param initial rows already in the file (a resumed export) */
    Progress(PrintWriter err, boolean enabled, int columns, long initial) {
        this.err = err;
        this.enabled = enabled;
        this.columns = columns;
        this.initial = initial;
        this.done = initial;
    }

    void total(long total) {
        this.total = total;
        draw(true);
    }

    void advance() {
        done++;
        draw(false);
    }

    long done() {
        return done;
    }

    /** Prints a line above the bar (a retry notice, for example). */
    void message(String text) {
        if (enabled && drawn) {
            err.print("\r" + " ".repeat(columns - 1) + "\r");
        }
        err.println(text);
        draw(true);
    }

    /** The final state, and the end of the line. */
    void finish() {
        if (enabled) {
            draw(true);
            err.println();
            err.flush();
        }
    }

    private void draw(boolean force) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (!force && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        drawn = true;
        err.print("\r" + line(now));
        err.flush();
    }

    String line(long now) {
        double seconds = Math.max(1e-3, (now - startNanos) / 1e9);
        long rate = Math.round((done - initial) / seconds);
        String counts = total >= 0 ? Format.number(done) + "/" + Format.number(total) : Format.number(done);
        String tail = " " + counts + "  " + Format.number(rate) + "/s";
        if (total > 0 && rate > 0 && done < total) {
            tail += "  ETA " + Format.duration(Math.round((total - done) / (double) rate));
        }
        if (total <= 0) {
            return pad(tail.trim());
        }
        long percent = Math.min(100, done * 100 / total);
        String head = String.format("%3d%% ", percent);
        int width = Math.max(10, Math.min(40, columns - head.length() - tail.length() - 3));
        int filled = (int) Math.min(width, done * width / total);
        String bar = "=".repeat(filled) + (filled < width ? ">" + " ".repeat(width - filled - 1) : "");
        return pad(head + "[" + bar + "]" + tail);
    }

    private String pad(String text) {
        int room = columns - 1;
        return text.length() >= room ? text.substring(0, room) : text + " ".repeat(room - text.length());
    }
}

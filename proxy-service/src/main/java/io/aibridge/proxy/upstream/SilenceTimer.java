package io.aibridge.proxy.upstream;

import io.vertx.core.Vertx;

/**
 * Bounds a provider's silence while the body of its answer is read ({@code AIBRIDGE_UPSTREAM_TIMEOUT}).
 * Vert.x's request idle timeout stops when the response head arrives, so a provider that sends a
 * head and then stalls its body would otherwise hold the caller, its connection and its capacity
 * slot for good. Each chunk read resets it ({@link #heard}); while the reader is paused for a
 * client that is behind it does not run (that wait is the client's, not the provider's). Runs on
 * the event loop it was started on.
 */
public final class SilenceTimer {

    private final Vertx vertx;
    private final long limitMillis;
    private final Runnable onSilence;
    private long lastHeardNanos;
    private long timer = -1;
    private boolean stopped;

    private SilenceTimer(Vertx vertx, long limitMillis, Runnable onSilence) {
        this.vertx = vertx;
        this.limitMillis = limitMillis;
        this.onSilence = onSilence;
    }

    /** Starts counting now; {@code onSilence} runs once, after {@code limitMillis} without {@link #heard}. */
    public static SilenceTimer start(Vertx vertx, long limitMillis, Runnable onSilence) {
        SilenceTimer silence = new SilenceTimer(vertx, limitMillis, onSilence);
        silence.resume();
        return silence;
    }

    /** The provider sent something. */
    public void heard() {
        lastHeardNanos = System.nanoTime();
    }

    /** When the provider last sent something (or the count last started over), by {@link System#nanoTime}. */
    public long lastHeardNanos() {
        return lastHeardNanos;
    }

    /** The reader stopped taking the provider's bytes (its client is behind): the silence is not counted. */
    public void pause() {
        cancel();
    }

    /** The reader takes bytes again: the count starts over. */
    public void resume() {
        if (stopped) {
            return;
        }
        cancel();
        heard();
        arm(limitMillis);
    }

    /** The answer ended (or was cut): the timer is done with. */
    public void stop() {
        stopped = true;
        cancel();
    }

    private void arm(long delayMillis) {
        timer = vertx.setTimer(Math.max(1, delayMillis), id -> {
            timer = -1;
            if (stopped) {
                return;
            }
            long silentMillis = (System.nanoTime() - lastHeardNanos) / 1_000_000;
            if (silentMillis >= limitMillis) {
                stopped = true;
                onSilence.run();
            } else {
                arm(limitMillis - silentMillis);
            }
        });
    }

    private void cancel() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

}

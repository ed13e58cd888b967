package io.aibridge.retention.purge;

import io.aibridge.retention.config.RetentionConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a purge in the background: after each statement that removes or recomputes rows, the run
 * pauses in proportion to how long the statement took, so that it works at most
 * {@code AIBRIDGE_RETENTION_DUTY_CYCLE} percent of the time (PostgreSQL's own vacuum does the same
 * with its cost delay). A purge statement keeps one database core busy; on a small server that is
 * the core the recorder's batches need, and dropping a table makes every other session rebuild
 * the cached catalog entries it touched. Spread out, the recorder's writes in between run as fast
 * as without a purge, and the purge only takes longer.
 */
@ApplicationScoped
public class PurgePace {

    /** The longest single pause, whatever a statement took (one that waited long for a lock, say). */
    static final Duration LONGEST_PAUSE = Duration.ofSeconds(1);

    private final int dutyCycle;

    @Inject
    public PurgePace(RetentionConfig config) {
        this(config.dutyCycle());
    }

    PurgePace(int dutyCycle) {
        if (dutyCycle < 1 || dutyCycle > 100) {
            throw new IllegalArgumentException("duty cycle " + dutyCycle + " is not a percentage from 1 to 100");
        }
        this.dutyCycle = dutyCycle;
    }

    /** The pause after a statement that took {@code workedNanos}. */
    Duration pauseAfter(long workedNanos) {
        if (dutyCycle >= 100 || workedNanos <= 0) {
            return Duration.ZERO;
        }
        long nanos = Math.min(LONGEST_PAUSE.toNanos(), workedNanos / dutyCycle * (100 - dutyCycle));
        return Duration.ofNanos(nanos);
    }

    /**
     * Pauses after a statement that started at {@code startedNanos} ({@link System#nanoTime()}),
     * adding the pause to the run's report. Interruptible: a shutdown ends the pause and the run.
     */
    void pause(long startedNanos, PurgeReport.Builder work) throws InterruptedException {
        Duration pause = pauseAfter(System.nanoTime() - startedNanos);
        if (!pause.isZero()) {
            TimeUnit.NANOSECONDS.sleep(pause.toNanos());
            work.paused(pause);
        }
    }
}

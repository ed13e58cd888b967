package io.aibridge.proxy.interception;

import org.jboss.logging.Logger;

import java.util.function.LongSupplier;

/**
 * The reference's {@code slow client detected} warning: a client that took more than half a
 * second to take in what was written to it (the relay paused the provider meanwhile, so a slow
 * reader slows its own answer, not anyone else's). Warned once per interception, with that wait.
 */
public final class SlowClient {

    private static final Logger LOG = Logger.getLogger(SlowClient.class);
    static final long SLOW_NANOS = 500_000_000L;

    private final Recording recording;
    private final LongSupplier clock;
    private long pausedAtNanos = -1;
    private boolean warned;

    public SlowClient(Recording recording) {
        this(recording, System::nanoTime);
    }

    SlowClient(Recording recording, LongSupplier clock) {
        this.recording = recording;
        this.clock = clock;
    }

    /** The client's write queue is full: the provider is paused from now. */
    public void paused() {
        pausedAtNanos = clock.getAsLong();
    }

    /** The client took in what was queued; true when that took too long and this is the interception's first warning. */
    public boolean drained() {
        if (pausedAtNanos < 0) {
            return false;
        }
        long waited = clock.getAsLong() - pausedAtNanos;
        pausedAtNanos = -1;
        if (waited <= SLOW_NANOS || warned) {
            return false;
        }
        warned = true;
        LOG.warnf("slow client detected: interception %s (%s %s) waited %d ms for the client to read its answer",
                recording.id(), recording.context().providerName(), recording.context().route(), waited / 1_000_000);
        return true;
    }
}

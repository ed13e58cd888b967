package io.aibridge.system.stack;

import java.util.concurrent.atomic.AtomicLong;

/** The numbers of the whole run, for the summary line. */
public final class Totals {

    private final AtomicLong requestsSent = new AtomicLong();
    private final AtomicLong interceptionsFound = new AtomicLong();
    private final AtomicLong refusedByAStoppedProxy = new AtomicLong();
    private double spooled;
    private double replayed;
    private double dropped;

    /** Requests the proxy answered with an interception id (each must become one interception). */
    public void sent(long n) {
        requestsSent.addAndGet(n);
    }

    /** Interceptions found through the query API, each matched to one request sent. */
    public void found(long n) {
        interceptionsFound.addAndGet(n);
    }

    /** Requests that never reached a running proxy (connection refused while it restarted). */
    public void refused(long n) {
        refusedByAStoppedProxy.addAndGet(n);
    }

    synchronized void proxyStopped(double spooled, double replayed, double dropped) {
        this.spooled += spooled;
        this.replayed += replayed;
        this.dropped += dropped;
    }

    synchronized void proxyRunning(double spooled, double replayed, double dropped) {
        proxyStopped(spooled, replayed, dropped);
    }

    public synchronized double dropped() {
        return dropped;
    }

    synchronized String summary(double seconds) {
        return String.format("SYSTEM TESTS SUMMARY: requests sent %d, interceptions found %d, events spooled %.0f, replayed %.0f,"
                        + " dropped %.0f (requests refused while the proxy was down: %d); %.0f s from the start of the stack",
                requestsSent.get(), interceptionsFound.get(), spooled, replayed, dropped, refusedByAStoppedProxy.get(), seconds);
    }
}

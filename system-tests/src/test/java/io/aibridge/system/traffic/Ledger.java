package io.aibridge.system.traffic;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/** Every request the proxy answered (with an interception id), and what could not reach it. */
public final class Ledger {

    private final ConcurrentLinkedQueue<Expected> expected = new ConcurrentLinkedQueue<>();
    private final AtomicLong refused = new AtomicLong();
    private final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();

    public void add(Expected e) {
        expected.add(e);
    }

    public void addAll(List<Expected> es) {
        expected.addAll(es);
    }

    /** A request that never reached a running proxy (connection refused during a restart): no interception. */
    public void refused() {
        refused.incrementAndGet();
    }

    /** A client-side failure nobody planned: the test fails on it. */
    public void unexpected(String what) {
        unexpected.add(what);
    }

    public List<Expected> expected() {
        return new ArrayList<>(expected);
    }

    public int size() {
        return expected.size();
    }

    public long refusedCount() {
        return refused.get();
    }

    public List<String> unexpectedFailures() {
        return new ArrayList<>(unexpected);
    }
}

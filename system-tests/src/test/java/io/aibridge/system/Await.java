package io.aibridge.system;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting for a condition with a deadline: how every test here waits (never a fixed sleep as proof). */
final class Await {

    private Await() {
    }

    /** Polls {@code condition} every 200 ms until it holds; fails with {@code what} and the last detail after {@code timeout}. */
    static void until(String what, Duration timeout, BooleanSupplier condition, Supplier<String> detail) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean ok;
            try {
                ok = condition.getAsBoolean();
            } catch (RuntimeException e) {
                ok = false; // a service that is coming back may refuse a connection meanwhile
            }
            if (ok) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what + " (" + detail.get() + ")");
            }
            Users.sleep(200);
        }
    }

    static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(what, timeout, condition, () -> "no detail");
    }

    /** A metric of a running service, or NaN while it cannot be read. */
    static double metric(io.aibridge.system.stack.Service service, String name) {
        try {
            return service.metric(name);
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }
}

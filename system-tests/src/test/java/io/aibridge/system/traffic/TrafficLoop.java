package io.aibridge.system.traffic;

import com.anthropic.errors.AnthropicIoException;
import com.anthropic.errors.AnthropicServiceException;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIServiceException;
import io.aibridge.system.stack.SystemStack;

import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Steady traffic from one user while a fault happens: a few threads cycling through every request
 * kind, with a pause between requests. Every request the proxy answered goes into the ledger;
 * requests that found no proxy listening (it was being restarted) are counted apart, since they
 * never became interceptions; anything else is an unexpected failure.
 */
public final class TrafficLoop implements AutoCloseable {

    private final Clients clients;
    private final Ledger ledger = new Ledger();
    private final List<Thread> threads = new ArrayList<>();
    private final Duration pause;
    private final AtomicInteger sequence = new AtomicInteger();
    private volatile boolean running = true;
    private volatile boolean proxyRestarting;

    public TrafficLoop(SystemStack stack, String token, int threads, Duration pause) {
        this.clients = new Clients(stack, token);
        this.pause = pause;
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(this::loop, "traffic-" + i);
            t.setDaemon(true);
            this.threads.add(t);
        }
        this.threads.forEach(Thread::start);
    }

    private void loop() {
        Clients.Kind[] kinds = Clients.Kind.values();
        while (running) {
            Clients.Kind kind = kinds[sequence.getAndIncrement() % kinds.length];
            try {
                ledger.addAll(clients.run(kind));
            } catch (RuntimeException e) {
                if (neverReachedTheProxy(e) || (proxyRestarting && ioFailure(e))) {
                    ledger.refused();
                } else {
                    ledger.unexpected(kind + ": " + e);
                }
            }
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Connection refused (the proxy process is stopped), or the 503 of a proxy that is shutting down. */
    static boolean neverReachedTheProxy(Throwable e) {
        if (e instanceof OpenAIServiceException s && s.statusCode() == 503 && s.headers().values(Clients.INTERCEPTION_HEADER).isEmpty()) {
            return true;
        }
        if (e instanceof AnthropicServiceException s && s.statusCode() == 503 && s.headers().values(Clients.INTERCEPTION_HEADER).isEmpty()) {
            return true;
        }
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof ConnectException) {
                return true;
            }
        }
        return false;
    }

    /**
     * While the proxy process is being stopped and started, a request that fails at the connection
     * level (the stopping proxy closed its idle keep-alive connection as the client reused it) is
     * counted as never answered. That is checked, not assumed: had the proxy started an
     * interception for it, the exact count would find that interception as one nobody sent.
     */
    public void proxyRestarting(boolean restarting) {
        this.proxyRestarting = restarting;
    }

    public Ledger ledger() {
        return ledger;
    }

    /** Waits until {@code n} more requests were answered than now. */
    public void awaitMore(int n, Duration timeout) {
        int target = ledger.size() + n;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (ledger.size() < target) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("traffic did not make " + n + " more requests within " + timeout + " (unexpected failures: "
                        + ledger.unexpectedFailures() + ")");
            }
            sleep(50);
        }
    }

    /** Stops the threads after their current request. */
    @Override
    public void close() {
        running = false;
        for (Thread t : threads) {
            try {
                t.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        clients.close();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static boolean ioFailure(Throwable e) {
        return e instanceof OpenAIIoException || e instanceof AnthropicIoException;
    }
}

package io.aibridge.bench.load;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop HTTP load generator: requests leave on a fixed schedule (request {@code i} is due at
 * {@code start + i / rate}) whatever happened to the ones before, each on a pooled keep-alive
 * connection of a Vert.x client (non-blocking, so thousands can be in flight from two threads).
 * Latency and time to first byte are recorded in HdrHistograms from the request's <em>intended</em>
 * start, the method of wrk2 and Gil Tene's "coordinated omission" talk: if the system under test
 * (or this generator) stalls for 50 ms, every request that should have left during the stall is
 * charged for its wait, instead of the stall hiding as a single slow sample.
 *
 * <p>Every response is checked: status 200 and the same number of bytes as the first good answer
 * of the run (the proxy relays bodies unchanged, so a short or long body is an error).
 */
public final class LoadGenerator implements AutoCloseable {

    /** Highest latency the histograms track: 2 minutes, in µs, at 3 significant digits. */
    private static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(2);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final Vertx vertx;
    private final HttpClient client;

    /** @param maxConnections per target host: above the highest concurrency a run needs, so the pool never queues */
    public LoadGenerator(int maxConnections) {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(1, Runtime.getRuntime().availableProcessors()))
                .setBlockedThreadCheckInterval(10_000));
        client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
                        .setConnectTimeout(5_000).setIdleTimeout((int) REQUEST_TIMEOUT.toSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS),
                new PoolOptions().setHttp1MaxSize(maxConnections).setMaxWaitQueueSize(-1));
    }

    /**
     * Sends {@code rate} requests per second for {@code warmup + measured}; only requests whose
     * intended start falls in the measured window are counted. Returns once every request of the
     * run has completed (or timed out).
     */
    public LoadResult run(LoadTarget target, double rate, Duration warmup, Duration measured) throws InterruptedException {
        return runInterleaved(List.of(target), rate, warmup, measured).get(0);
    }

    /**
     * Sends {@code rate} requests per second to <em>each</em> target, all in the same window: the
     * targets take turns on one schedule of {@code n × rate} evenly spaced slots (slot {@code k} goes
     * to target {@code k mod n}), so whatever the machine does meanwhile lands on every target alike.
     * Each target gets its own result, counted as {@link #run} counts one; request {@code i} of a
     * target (its session id, whether it is abandoned) is its {@code i}-th slot.
     */
    public List<LoadResult> runInterleaved(List<LoadTarget> targets, double rate, Duration warmup, Duration measured)
            throws InterruptedException {
        int n = targets.size();
        long period = (long) (1e9 / rate);
        long warmCount = warmup.toNanos() / period;
        long perTarget = warmCount + measured.toNanos() / period;
        List<Run> runs = targets.stream().map(Run::new).toList();
        long[] maxLag = new long[n];
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        long windowStartNanos = start + warmCount * period;
        Instant runStart = Instant.now().plusNanos(start - System.nanoTime());
        for (long slot = 0; slot < perTarget * n; slot++) {
            long intended = start + slot * period / n;
            long now = awaitNanoTime(intended);
            int t = (int) (slot % n);
            long index = slot / n;
            maxLag[t] = Math.max(maxLag[t], now - intended);
            runs.get(t).send(index, intended, index >= warmCount);
        }
        long deadline = System.nanoTime() + REQUEST_TIMEOUT.toNanos() + TimeUnit.SECONDS.toNanos(5);
        while (runs.stream().anyMatch(run -> run.outstanding.get() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        List<LoadResult> results = new ArrayList<>(n);
        for (int t = 0; t < n; t++) {
            Run run = runs.get(t);
            long stuck = run.outstanding.get();
            if (stuck > 0) {
                run.errors.computeIfAbsent("no answer", k -> new LongAdder()).add(stuck);
            }
            long lastEnd = Math.max(run.lastEnd.get(), windowStartNanos + 1);
            double seconds = Math.max(measured.toNanos(), lastEnd - windowStartNanos) / 1e9;
            Map<String, Long> errors = new TreeMap<>();
            run.errors.forEach((k, v) -> errors.put(k, v.sum()));
            results.add(new LoadResult(run.target.name(), rate, perTarget - warmCount, run.ok.sum(), errors, run.hungUp.sum(), run.latency,
                    run.ttfb, run.ok.sum() / seconds, maxLag[t] / 1e6, perTarget, runStart, runStart.plusNanos(lastEnd - start)));
        }
        return results;
    }

    /** The state of one run, shared by the scheduler thread and the event loops. */
    private final class Run {
        final LoadTarget target;
        final Buffer body;
        final Histogram latency = new ConcurrentHistogram(1, HIGHEST_MICROS, 3);
        final Histogram ttfb = new ConcurrentHistogram(1, HIGHEST_MICROS, 3);
        final AtomicLong outstanding = new AtomicLong();
        final AtomicLong expectedBytes = new AtomicLong(-1);
        final AtomicLong lastEnd = new AtomicLong();
        final LongAdder ok = new LongAdder();
        final LongAdder hungUp = new LongAdder();
        final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

        Run(LoadTarget target) {
            this.target = target;
            this.body = Buffer.buffer(target.body());
        }

        void send(long index, long intended, boolean record) {
            MultiMap headers = MultiMap.caseInsensitiveMultiMap();
            target.headers().forEach(headers::add);
            if (target.sessionHeader() != null) {
                headers.add(target.sessionHeader(), target.sessionPrefix() + (index % target.sessions()));
            }
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(target.url())
                    .setHeaders(headers).setIdleTimeout(REQUEST_TIMEOUT.toMillis());
            outstanding.incrementAndGet();
            AtomicBoolean done = new AtomicBoolean();
            boolean hangUp = target.hangUpEvery() > 0 && index % target.hangUpEvery() == 0;
            client.request(options).compose(request -> request.send(body)).onComplete(sent -> {
                if (sent.failed()) {
                    finish(done, record, intended, 0, failure(sent.cause()));
                    return;
                }
                HttpClientResponse response = sent.result();
                int status = response.statusCode();
                long[] firstByte = {0};
                long[] bytes = {0};
                response.handler(chunk -> {
                    if (firstByte[0] == 0) {
                        firstByte[0] = System.nanoTime();
                        if (hangUp && status == 200) {
                            abandon(done, record, response);
                            return;
                        }
                    }
                    bytes[0] += chunk.length();
                });
                response.exceptionHandler(error -> finish(done, record, intended, 0, failure(error)));
                response.endHandler(end -> {
                    String error = null;
                    if (status != 200) {
                        error = "http " + status;
                    } else if (!expectedBytes.compareAndSet(-1, bytes[0]) && expectedBytes.get() != bytes[0]) {
                        error = "body length";
                    }
                    finish(done, record, intended, firstByte[0], error);
                });
            });
        }

        /** The client walks away mid-answer: the connection is closed under the response (and not reused). */
        private void abandon(AtomicBoolean done, boolean record, HttpClientResponse response) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            lastEnd.accumulateAndGet(System.nanoTime(), Math::max);
            if (record) {
                hungUp.increment();
            }
            outstanding.decrementAndGet();
            response.request().connection().close();
        }

        private void finish(AtomicBoolean done, boolean record, long intended, long firstByte, String error) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            long end = System.nanoTime();
            lastEnd.accumulateAndGet(end, Math::max);
            if (record) {
                if (error == null) {
                    ok.increment();
                    latency.recordValue(Math.min(HIGHEST_MICROS, Math.max(1, (end - intended) / 1000)));
                    ttfb.recordValue(Math.min(HIGHEST_MICROS, Math.max(1, ((firstByte == 0 ? end : firstByte) - intended) / 1000)));
                } else {
                    errors.computeIfAbsent(error, k -> new LongAdder()).increment();
                }
            }
            outstanding.decrementAndGet();
        }

        private String failure(Throwable error) {
            String name = error.getClass().getSimpleName();
            return name.contains("Timeout") ? "timeout" : name.replace("Exception", "").toLowerCase(java.util.Locale.ROOT);
        }
    }

    @Override
    public void close() {
        client.close();
        vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    /**
     * Parks until {@link System#nanoTime()} reaches {@code due}: the open-loop schedule of every paced
     * sender here. Returns the time it woke, so that the caller can see how late it was.
     */
    public static long awaitNanoTime(long due) {
        long now = System.nanoTime();
        while (now < due) {
            LockSupport.parkNanos(due - now);
            now = System.nanoTime();
        }
        return now;
    }
}

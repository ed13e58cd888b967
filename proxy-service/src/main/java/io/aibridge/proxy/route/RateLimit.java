package io.aibridge.proxy.route;

import io.aibridge.proxy.config.ProxyConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The per-caller request rate of this replica ({@code AIBRIDGE_RATE_LIMIT}, the reference's setting:
 * requests per second per API key, checked once the caller is authenticated; a caller without a
 * valid key counts against its client IP; 0 = off). Each caller has a token bucket that holds one
 * second's worth of requests and refills at the rate, so a caller may burst up to the rate and then
 * keeps to it, with no burst of twice the rate where two fixed windows meet. Callers are told apart
 * by their key's id (the BYOK governance token's key when present): no token is kept.
 */
@Startup // its metrics exist, and a bad setting stops the service, before the first request
@ApplicationScoped
public class RateLimit {

    /** Seconds a refused caller is asked to wait: at any rate of one or more, a request's worth refills within it. */
    public static final int RETRY_AFTER_SECONDS = 1;
    private static final long SECOND = 1_000_000_000L;

    private final int rate;
    private final LongSupplier clock;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final Counter refused;
    private final MeterRegistry registry;
    private final List<Meter> meters;
    private final Vertx vertx;
    private final long sweeper;

    /** One caller's requests left, refilled lazily from the time of its last request. */
    private static final class Bucket {
        private double tokens;
        private long refilledAt;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAt = now;
        }
    }

    @Inject
    public RateLimit(ProxyConfig config, MeterRegistry registry, Vertx vertx) {
        this(config.rateLimit(), System::nanoTime, registry, vertx);
    }

    RateLimit(int rate, LongSupplier clock, MeterRegistry registry, Vertx vertx) {
        if (rate < 0) {
            throw new IllegalArgumentException("AIBRIDGE_RATE_LIMIT must be 0 (no limit) or a number of requests per second, not " + rate);
        }
        this.rate = rate;
        this.clock = clock;
        this.registry = registry;
        this.vertx = vertx;
        Gauge limitGauge = Gauge.builder("aibridge.rate.limit", () -> this.rate)
                .description("Requests per second per caller (AIBRIDGE_RATE_LIMIT; 0 = no limit)").register(registry);
        this.refused = Counter.builder("aibridge.rate.limited")
                .description("Requests refused with 429 because their caller was over AIBRIDGE_RATE_LIMIT").register(registry);
        this.meters = List.of(limitGauge, refused);
        // a bucket idle for a second is full again, the same as no bucket: forget it
        this.sweeper = rate > 0 && vertx != null ? vertx.setPeriodic(10_000, id -> sweep()) : -1;
    }

    /** Whether an authenticated caller's request may go on; false (and counted) when its API key is over the rate. */
    public boolean admitKey(String apiKeyId) {
        return rate == 0 || admit(apiKeyId);
    }

    /**
     * Whether a refused caller's request may be answered with its refusal (401, 403, ...); false (and
     * counted) when its address is over the rate. Every token that is not a bridge key counts against
     * the address, so a new made-up token per request does not make a new caller.
     */
    public boolean admitAddress(HttpServerRequest request) {
        return rate == 0 || admit("ip " + (request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress()));
    }

    boolean admit(String caller) {
        long now = clock.getAsLong();
        Bucket bucket = buckets.computeIfAbsent(caller, k -> new Bucket(rate, now));
        synchronized (bucket) {
            bucket.tokens = Math.min(rate, bucket.tokens + (double) (now - bucket.refilledAt) * rate / SECOND);
            bucket.refilledAt = now;
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return true;
            }
        }
        refused.increment();
        return false;
    }

    /** Requests per second per caller; 0 = no limit. */
    public int rate() {
        return rate;
    }

    /** Callers with a bucket now (idle ones are forgotten every 10 s). */
    int callers() {
        return buckets.size();
    }

    void sweep() {
        long now = clock.getAsLong();
        buckets.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                return now - e.getValue().refilledAt >= SECOND;
            }
        });
    }

    @PreDestroy
    void unregister() {
        if (sweeper >= 0) {
            vertx.cancelTimer(sweeper);
        }
        meters.forEach(registry::remove);
    }
}

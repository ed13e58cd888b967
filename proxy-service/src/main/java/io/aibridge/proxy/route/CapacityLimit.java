package io.aibridge.proxy.route;

import io.aibridge.proxy.config.ProxyConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bound on requests in flight on this replica's provider routes ({@code AIBRIDGE_MAX_CONCURRENCY},
 * the reference's setting; 0 = no bound). A request over it is refused before its body is read or
 * its caller authenticated, so a replica that cannot keep up answers quickly instead of making
 * every stream slower: the providers' SDKs retry a 503 after its {@code Retry-After}, on this
 * replica or another. Passthrough requests count too; a request leaves the count when its response
 * ends or its connection closes, whichever comes first.
 */
@Startup // its metrics exist, and a bad setting stops the service, before the first request
@ApplicationScoped
public class CapacityLimit {

    /** The reference's message for a request over the limit. */
    public static final String MESSAGE = "AI Bridge is currently at capacity. Please try again later.";
    /** Seconds a refused caller is asked to wait: a slot frees as soon as any request in flight ends. */
    public static final int RETRY_AFTER_SECONDS = 1;

    private final int limit;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Counter refused;
    private final MeterRegistry registry;
    private final List<Meter> meters;

    public CapacityLimit(ProxyConfig config, MeterRegistry registry) {
        this.registry = registry;
        this.limit = config.maxConcurrency();
        if (limit < 0) {
            throw new IllegalArgumentException("AIBRIDGE_MAX_CONCURRENCY must be 0 (no limit) or a number of requests, not " + limit);
        }
        Gauge inFlightGauge = Gauge.builder("aibridge.capacity.inflight", inFlight, AtomicInteger::get).strongReference(true)
                .description("Requests in flight on the provider routes, bridged and passthrough").register(registry);
        Gauge limitGauge = Gauge.builder("aibridge.capacity.limit", () -> limit)
                .description("Requests this replica serves at once (AIBRIDGE_MAX_CONCURRENCY; 0 = no limit)").register(registry);
        this.refused = Counter.builder("aibridge.capacity.refused")
                .description("Requests refused with 503 because the replica was at AIBRIDGE_MAX_CONCURRENCY").register(registry);
        this.meters = List.of(inFlightGauge, limitGauge, refused);
    }

    /**
     * Takes the gauges away with this instance: a registry that outlives the application (a restart
     * in dev mode or between test classes) would otherwise keep reporting the old instance's count.
     */
    @PreDestroy
    void unregister() {
        meters.forEach(registry::remove);
    }

    /**
     * Counts the request in, to be counted out when its response ends or its connection closes;
     * false (and nothing counted in) when the replica is already at its limit.
     */
    public boolean admit(RoutingContext ctx) {
        int now = inFlight.incrementAndGet();
        if (limit > 0 && now > limit) {
            inFlight.decrementAndGet();
            refused.increment();
            return false;
        }
        ctx.addEndHandler(ended -> inFlight.decrementAndGet());
        return true;
    }

    /** Requests in flight now. */
    public int inFlight() {
        return inFlight.get();
    }
}

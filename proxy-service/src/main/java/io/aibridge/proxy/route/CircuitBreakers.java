package io.aibridge.proxy.route;

import io.aibridge.events.EndStatus;
import io.aibridge.proxy.config.ProxyConfig;
import io.aibridge.proxy.metrics.ProxyMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.Startup;
import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * The reference's circuit breakers ({@code AIBRIDGE_CIRCUIT_BREAKER_*}; off by default): one per
 * provider, endpoint and model, so a model the provider is rate-limiting or shedding stops being
 * sent requests for a while instead of every agent retrying into it, and the other models keep
 * working.
 *
 * <ul>
 *   <li><b>Closed</b>: requests go through. A request whose answer to the client has status 429,
 *       503 or 504 (and 529 from Anthropic) is a failure; any other status is a success and resets
 *       the count. {@code failure-threshold} failures in a row open the breaker. The count starts
 *       over every {@code interval} (0: never).</li>
 *   <li><b>Open</b> for {@code timeout}: every request is refused with 503 and recorded as a failed
 *       interception; then half-open.</li>
 *   <li><b>Half-open</b>: {@code max-requests} requests are let through to probe the provider, more
 *       are refused. One failure opens the breaker again; {@code max-requests} successes in a row
 *       close it.</li>
 * </ul>
 *
 * An answer counts in the state it was admitted in: results of requests admitted before the
 * breaker last changed state (or started a new interval) are ignored. A request the client
 * cancelled before a failure status was written says nothing about the provider and counts as
 * neither, but gives its half-open place back. Breakers that are closed, clean and unused for
 * {@link #IDLE_EVICTION} are forgotten, so models that are no longer asked for cost nothing.
 *
 * <p>The model comes from the caller, so a breaker is keyed by the model's {@code model} metric label
 * ({@link ProxyMetrics#modelLabel}): the first {@code AIBRIDGE_METRICS_MAX_LABEL_VALUES} models the
 * proxy sees keep a breaker each, and every model first seen after them shares the one breaker
 * {@code other} of its provider and endpoint. A caller cycling through made-up models thus adds at
 * most that many breakers and gauge series, and cannot open the breaker of a model with its own:
 * only answers for the models that share {@code other} count in it (and a made-up model's answer, a
 * 400 or 404, is no failure).
 */
@Startup // a bad setting stops the service before the first request
@ApplicationScoped
public class CircuitBreakers {

    /** The reference's message for a refused request. */
    public static final String MESSAGE = "circuit breaker is open";
    /** How long a closed breaker with no failures is kept after its last request. */
    static final Duration IDLE_EVICTION = Duration.ofMinutes(10);

    /** The settings: {@code AIBRIDGE_CIRCUIT_BREAKER_*}. */
    public record Settings(boolean enabled, int failureThreshold, Duration interval, Duration timeout, int maxRequests) {

        public Settings {
            if (failureThreshold < 1) {
                throw new IllegalArgumentException("AIBRIDGE_CIRCUIT_BREAKER_FAILURE_THRESHOLD must be 1 or more, not " + failureThreshold);
            }
            if (interval.isNegative()) {
                throw new IllegalArgumentException("AIBRIDGE_CIRCUIT_BREAKER_INTERVAL must be 0 (never reset) or a duration, not " + interval);
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("AIBRIDGE_CIRCUIT_BREAKER_TIMEOUT must be a positive duration, not " + timeout);
            }
            if (maxRequests < 1) {
                throw new IllegalArgumentException("AIBRIDGE_CIRCUIT_BREAKER_MAX_REQUESTS must be 1 or more, not " + maxRequests);
            }
        }

        static Settings of(ProxyConfig.CircuitBreaker config) {
            return new Settings(config.enabled(), config.failureThreshold(), config.interval(), config.timeout(), config.maxRequests());
        }
    }

    /** A breaker's state, with the value of its {@code aibridge_circuit_breaker_state} gauge. */
    public enum State {
        CLOSED(0), HALF_OPEN(0.5), OPEN(1);

        private final double gaugeValue;

        State(double gaugeValue) {
            this.gaugeValue = gaugeValue;
        }
    }

    /** What a request learns from {@link #admit}: go on (and report the end), or refused. */
    public static final class Permit {

        private static final Permit UNGUARDED = new Permit(null, 0, 0);

        private final Breaker breaker;
        private final long generation;
        private final int retryAfterSeconds;
        private boolean done;

        private Permit(Breaker breaker, long generation, int retryAfterSeconds) {
            this.breaker = breaker;
            this.generation = generation;
            this.retryAfterSeconds = retryAfterSeconds;
        }

        /** True when the breaker refused the request: answer 503 with {@link #retryAfterSeconds()}. */
        public boolean refused() {
            return retryAfterSeconds > 0;
        }

        /** For a refused request: when it is worth trying again (the breaker half-opens by then). */
        public int retryAfterSeconds() {
            return retryAfterSeconds;
        }

        /** The request ended with this status written to the client (null: none was); only the first call counts. */
        public void done(EndStatus status, Integer httpStatus) {
            if (breaker == null || refused() || done) {
                return;
            }
            done = true;
            breaker.after(generation, outcome(breaker.key.provider, status, httpStatus));
        }
    }

    enum Outcome { SUCCESS, FAILURE, NEITHER }

    /** The reference's rule: only these statuses written to the client are the provider's failures. */
    static boolean failureStatus(ProviderType provider, int status) {
        return status == 429 || status == 503 || status == 504 || (provider == ProviderType.ANTHROPIC && status == 529);
    }

    static Outcome outcome(ProviderType provider, EndStatus status, Integer httpStatus) {
        if (httpStatus != null && failureStatus(provider, httpStatus)) {
            return Outcome.FAILURE;
        }
        return status == EndStatus.CANCELLED ? Outcome.NEITHER : Outcome.SUCCESS;
    }

    private record Key(ProviderType provider, String providerName, String endpoint, String model) {
    }

    private final Settings settings;
    private final LongSupplier clock;
    private final MeterRegistry registry;
    /** A requested model → the model a breaker is kept for: {@link ProxyMetrics#modelLabel}. */
    private final UnaryOperator<String> modelLabel;
    private final Map<Key, Breaker> breakers = new ConcurrentHashMap<>();
    private final Vertx vertx;
    private final long sweeper;

    @Inject
    public CircuitBreakers(ProxyConfig config, MeterRegistry registry, ProxyMetrics metrics, Vertx vertx) {
        this(Settings.of(config.circuitBreaker()), System::nanoTime, registry, metrics::modelLabel, vertx);
    }

    CircuitBreakers(Settings settings, LongSupplier clock, MeterRegistry registry, UnaryOperator<String> modelLabel, Vertx vertx) {
        this.settings = settings;
        this.clock = clock;
        this.registry = registry;
        this.modelLabel = modelLabel;
        this.vertx = vertx;
        this.sweeper = settings.enabled() && vertx != null ? vertx.setPeriodic(60_000, id -> sweep()) : -1;
    }

    public boolean enabled() {
        return settings.enabled();
    }

    /**
     * Asks the breaker of this provider, endpoint and model (or of {@code other}, see above) whether a
     * request may go upstream. An admitted request must report its end to {@link Permit#done} exactly once.
     *
     * @param endpoint the route without the provider prefix, e.g. {@code /v1/messages}
     */
    public Permit admit(ProviderType provider, String providerName, String endpoint, String model) {
        if (!settings.enabled()) {
            return Permit.UNGUARDED;
        }
        Key key = new Key(provider, providerName, endpoint, modelLabel.apply(model));
        while (true) {
            Permit permit = breakers.computeIfAbsent(key, Breaker::new).before();
            if (permit != null) {
                return permit;
            }
            // that breaker was just forgotten by the sweep: take the new one
        }
    }

    /** The state of a breaker now; closed for one that does not exist (yet, or any more). */
    public State state(ProviderType provider, String providerName, String endpoint, String model) {
        Breaker breaker = breakers.get(new Key(provider, providerName, endpoint, modelLabel.apply(model)));
        return breaker == null ? State.CLOSED : breaker.state();
    }

    /** Breakers kept now. */
    int size() {
        return breakers.size();
    }

    /** Forgets the breakers that are closed, clean, have nothing in flight and were not used for {@link #IDLE_EVICTION}. */
    void sweep() {
        long now = clock.getAsLong();
        breakers.values().removeIf(breaker -> breaker.retireIfIdle(now));
    }

    @PreDestroy
    void close() {
        if (sweeper >= 0) {
            vertx.cancelTimer(sweeper);
        }
        breakers.values().forEach(Breaker::unregister);
        breakers.clear();
    }

    /** One breaker. Its state changes under its own lock; requests of both event loops share it. */
    private final class Breaker {

        private final Key key;
        private final Counter trips;
        private final Counter rejects;
        private final Gauge stateGauge;
        private State state = State.CLOSED;
        /** Bumped at every change of state and every new interval; results of older generations are ignored. */
        private long generation;
        /** When the closed state's interval ends or the open state's timeout does (nanos); only meaningful with {@link #expires}. */
        private long expiry;
        private boolean expires;
        private int requests;
        private int consecutiveFailures;
        private int consecutiveSuccesses;
        private int inFlight;
        private long lastUsed;
        private boolean retired;

        Breaker(Key key) {
            this.key = key;
            Tags tags = Tags.of("provider", key.providerName(), "endpoint", key.endpoint(), "model", key.model());
            this.trips = Counter.builder("aibridge.circuit_breaker.trips").tags(tags)
                    .description("Circuit breaker transitions to open").register(registry);
            this.rejects = Counter.builder("aibridge.circuit_breaker.rejects").tags(tags)
                    .description("Requests refused while a circuit breaker was open or over its half-open allowance").register(registry);
            this.stateGauge = Gauge.builder("aibridge.circuit_breaker.state", this, b -> b.state().gaugeValue).tags(tags)
                    .strongReference(true).description("Circuit breaker state: 0 closed, 0.5 half-open, 1 open").register(registry);
            long now = clock.getAsLong();
            this.lastUsed = now;
            startGeneration(now);
        }

        synchronized State state() {
            refresh(clock.getAsLong());
            return state;
        }

        /** Admits or refuses a request; null when this breaker was retired and must not be used. */
        synchronized Permit before() {
            if (retired) {
                return null;
            }
            long now = clock.getAsLong();
            refresh(now);
            lastUsed = now;
            if (state == State.OPEN) {
                rejects.increment();
                return new Permit(this, generation, secondsUntil(expiry, now));
            }
            if (state == State.HALF_OPEN && requests >= settings.maxRequests()) {
                // the probes decide soon: one answer closes or reopens the breaker
                rejects.increment();
                return new Permit(this, generation, 1);
            }
            requests++;
            inFlight++;
            return new Permit(this, generation, 0);
        }

        synchronized void after(long admittedIn, Outcome outcome) {
            inFlight--;
            long now = clock.getAsLong();
            refresh(now);
            if (admittedIn != generation) {
                return; // admitted under an earlier state or interval: says nothing about this one
            }
            switch (outcome) {
                case SUCCESS -> {
                    consecutiveFailures = 0;
                    consecutiveSuccesses++;
                    if (state == State.HALF_OPEN && consecutiveSuccesses >= settings.maxRequests()) {
                        enter(State.CLOSED, now);
                    }
                }
                case FAILURE -> {
                    consecutiveSuccesses = 0;
                    consecutiveFailures++;
                    if (state == State.HALF_OPEN || consecutiveFailures >= settings.failureThreshold()) {
                        enter(State.OPEN, now);
                    }
                }
                case NEITHER -> requests--;
            }
        }

        /** Moves on in time: a closed breaker's interval ends, an open one's timeout does. */
        private void refresh(long now) {
            if (!expires || now - expiry < 0) {
                return;
            }
            if (state == State.CLOSED) {
                startGeneration(now);
            } else if (state == State.OPEN) {
                enter(State.HALF_OPEN, now);
            }
        }

        private void enter(State next, long now) {
            if (next == State.OPEN) {
                trips.increment();
            }
            state = next;
            startGeneration(now);
        }

        private void startGeneration(long now) {
            generation++;
            requests = 0;
            consecutiveFailures = 0;
            consecutiveSuccesses = 0;
            Duration period = switch (state) {
                case CLOSED -> settings.interval();
                case OPEN -> settings.timeout();
                case HALF_OPEN -> Duration.ZERO;
            };
            expires = !period.isZero();
            expiry = now + period.toNanos();
        }

        synchronized boolean retireIfIdle(long now) {
            refresh(now);
            if (state != State.CLOSED || consecutiveFailures > 0 || inFlight > 0 || now - lastUsed < IDLE_EVICTION.toNanos()) {
                return false;
            }
            retired = true;
            unregister();
            return true;
        }

        void unregister() {
            List<Meter> meters = List.of(trips, rejects, stateGauge);
            meters.forEach(registry::remove);
        }
    }

    private static int secondsUntil(long deadline, long now) {
        long nanos = Math.max(0, deadline - now);
        return (int) Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }
}

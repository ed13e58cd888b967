package io.aibridge.proxy.metrics;

import io.aibridge.proxy.bedrock.AwsCredentials;
import io.aibridge.proxy.bedrock.AwsCredentialsProvider;
import io.aibridge.proxy.config.ProxyConfig;
import io.aibridge.proxy.upstream.ProviderKeys;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The proxy's Prometheus metrics (prefix {@code aibridge_}). Labels follow the reference
 * ({@code provider} = provider instance name, {@code route} = path after the provider prefix) but
 * never carry a user, session or key: per-user views come from the events.
 *
 * <p>The {@code model} and tool {@code name} labels come from the caller (its request's model, the
 * tools it defines), so each keeps at most {@code proxy.metrics.max-label-values} distinct values
 * (default {@value #DEFAULT_MAX_LABEL_VALUES}); a value first seen after that is reported as
 * {@value #OTHER}, so that a client cycling through made-up names cannot grow the scrape without end.
 */
@ApplicationScoped
public class ProxyMetrics {

    private static final Duration[] DURATION_BUCKETS = {Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(5),
            Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120)};
    private static final Duration[] TTFB_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(25), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(30)};

    /** Distinct values a caller-chosen label keeps by default before new ones become {@value #OTHER}. */
    public static final int DEFAULT_MAX_LABEL_VALUES = 200;
    /** The label value that stands for every value past the limit. */
    public static final String OTHER = "other";

    private final MeterRegistry registry;
    private final BoundedLabel models;
    private final BoundedLabel toolNames;
    // Meters by their label values. Looking a meter up in the registry builds and sorts its tags
    // and, for timers, their buckets: 7 % of the event loops' CPU at 500 requests/s, for some ten
    // meters per interception. A map keyed by the values costs one hash of a short list.
    private final Map<List<String>, AtomicLong> inflight = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> interceptions = new ConcurrentHashMap<>();
    private final Map<List<String>, Timer> durations = new ConcurrentHashMap<>();
    private final Map<List<String>, Timer> ttfbs = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> passthroughs = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> prompts = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> tokens = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> toolSelections = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> injectedToolInvocations = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> upstreamErrors = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> upstreamRetries = new ConcurrentHashMap<>();
    /** The gauges bound to this instance's values, removed with it (see {@link #unregister}). */
    private final List<Meter> gauges = new CopyOnWriteArrayList<>();

    @Inject
    public ProxyMetrics(MeterRegistry registry, ProxyConfig config) {
        this(registry, config.metrics().maxLabelValues());
    }

    /** With the default limit of distinct label values (for tests). */
    public ProxyMetrics(MeterRegistry registry) {
        this(registry, DEFAULT_MAX_LABEL_VALUES);
    }

    /** With a limit of {@code maxLabelValues} distinct values for each caller-chosen label. */
    public ProxyMetrics(MeterRegistry registry, int maxLabelValues) {
        this.registry = registry;
        this.models = new BoundedLabel(maxLabelValues);
        this.toolNames = new BoundedLabel(maxLabelValues);
    }

    /**
     * The values one label has taken, up to a limit; past it, new values are {@link #OTHER}, as is a
     * value longer than any real model or tool name. A value once taken stays (its meters do too), so
     * a model keeps one series for the process's life.
     */
    static final class BoundedLabel {
        private static final int MAX_CHARS = 256;
        private final int max;
        private final Set<String> taken = ConcurrentHashMap.newKeySet();

        BoundedLabel(int max) {
            this.max = Math.max(0, max);
        }

        String value(String value) {
            if (value == null || value.length() > MAX_CHARS) {
                return OTHER;
            }
            if (taken.contains(value)) {
                return value;
            }
            // two threads may both pass the size check at the limit: a value or two over it, never without end
            if (taken.size() < max) {
                taken.add(value);
                return value;
            }
            return OTHER;
        }
    }

    /**
     * The {@code model} label value of a requested model: the model itself while it is one of the
     * first {@code proxy.metrics.max-label-values} seen, else {@value #OTHER}. For meters kept
     * outside this class (the circuit breakers'), so that they agree with these.
     */
    public String modelLabel(String requestedModel) {
        return models.value(requestedModel);
    }

    /**
     * Takes this instance's gauges away with it: a registry that outlives the application (a restart
     * in dev mode or between test classes) would otherwise keep reporting the old instance's counts,
     * and hand the old gauge back to the new instance's registration. Counters and timers need no
     * such care: the new instance counts on in the ones it is handed back.
     */
    @PreDestroy
    void unregister() {
        gauges.forEach(registry::remove);
        gauges.clear();
        inflight.clear();
    }

    /**
     * An instance's AWS credentials for Bedrock, for alerts before requests start failing:
     * {@code aibridge_bedrock_credentials_valid} (1 while there are valid ones, else 0: its requests
     * get 503) and {@code aibridge_bedrock_credentials_expiry_seconds} (until the current ones expire;
     * NaN for keys that do not, renewal starts five minutes before).
     */
    public void bedrockCredentials(String provider, AwsCredentialsProvider credentials) {
        gauges.add(Gauge.builder("aibridge.bedrock.credentials.valid", credentials, c -> c.current() == null ? 0 : 1)
                .description("Whether the provider instance has valid AWS credentials for Bedrock (1) or not (0)")
                .tags("provider", provider).strongReference(true).register(registry));
        gauges.add(Gauge.builder("aibridge.bedrock.credentials.expiry", credentials, c -> {
                    AwsCredentials current = c.current();
                    return current == null ? 0 : current.expiration() == null ? Double.NaN
                            : Math.max(0, Duration.between(Instant.now(), current.expiration()).toMillis() / 1000.0);
                })
                .description("Seconds until the provider instance's AWS credentials for Bedrock expire (NaN: they do not)")
                .baseUnit("seconds").tags("provider", provider).strongReference(true).register(registry));
    }

    /**
     * An instance's provider keys ({@code upstream.ProviderKeys}): {@code aibridge_provider_keys}
     * by {@code state} ({@code available}; cooling down as a whole after a 429 as
     * {@code rate_limited}, after a 401 as {@code refused}), so an alert fires when an instance is
     * down to its last key; {@code aibridge_provider_key_forbidden_models}, the models the keys are
     * set aside for after a 403 (a key stays available for the others); and
     * {@code aibridge_provider_key_failovers_total} by {@code reason}, each request sent again
     * with the next key.
     */
    public void providerKeys(String provider, ProviderKeys keys) {
        String described = "The provider instance's keys a request may start with now, or cooling down (state)";
        gauges.add(Gauge.builder("aibridge.provider.keys", keys, ProviderKeys::available)
                .description(described)
                .tags("provider", provider, "state", "available").strongReference(true).register(registry));
        gauges.add(Gauge.builder("aibridge.provider.keys", keys, k -> k.cooling(ProviderKeys.Reason.RATE_LIMITED))
                .description(described)
                .tags("provider", provider, "state", "rate_limited").strongReference(true).register(registry));
        gauges.add(Gauge.builder("aibridge.provider.keys", keys, k -> k.cooling(ProviderKeys.Reason.UNAUTHORIZED))
                .description(described)
                .tags("provider", provider, "state", "refused").strongReference(true).register(registry));
        gauges.add(Gauge.builder("aibridge.provider.key.forbidden.models", keys, ProviderKeys::forbiddenModels)
                .description("The models the provider instance's keys are set aside for after a 403, counted once per key")
                .tags("provider", provider).strongReference(true).register(registry));
        Map<ProviderKeys.Reason, Counter> failovers = new java.util.EnumMap<>(ProviderKeys.Reason.class);
        for (ProviderKeys.Reason reason : ProviderKeys.Reason.values()) {
            failovers.put(reason, Counter.builder("aibridge.provider.key.failovers")
                    .description("Requests sent again with the provider instance's next key after the provider turned one away")
                    .tags("provider", provider, "reason", reason.label()).register(registry));
        }
        keys.listener((p, reason) -> failovers.get(reason).increment());
    }

    /** One more interception in flight; returns what {@link #ended} needs to undo it. */
    public AtomicLong started(String provider, String requestedModel, String route) {
        String model = models.value(requestedModel);
        AtomicLong gauge = inflight.computeIfAbsent(List.of(provider, model, route), k -> {
            AtomicLong value = new AtomicLong();
            gauges.add(Gauge.builder("aibridge.interceptions.inflight", value, AtomicLong::get).description("Interceptions in flight")
                    .tags("provider", provider, "model", model, "route", route).strongReference(true).register(registry));
            return value;
        });
        gauge.incrementAndGet();
        return gauge;
    }

    public void ended(AtomicLong inflightGauge, String provider, String requestedModel, String route, String method, String client,
                      String status, long durationNanos) {
        inflightGauge.decrementAndGet();
        String model = models.value(requestedModel);
        interceptions.computeIfAbsent(List.of(provider, model, status, route, method, client), k ->
                Counter.builder("aibridge.interceptions").description("Interceptions by outcome")
                        .tags("provider", provider, "model", model, "status", status, "route", route, "method", method, "client", client)
                        .register(registry)).increment();
        durations.computeIfAbsent(List.of(provider, model), k ->
                Timer.builder("aibridge.interceptions.duration").description("Interception duration")
                        .tags("provider", provider, "model", model).serviceLevelObjectives(DURATION_BUCKETS)
                        .register(registry)).record(durationNanos, TimeUnit.NANOSECONDS);
    }

    public void timeToFirstByte(String provider, String route, long nanos) {
        ttfbs.computeIfAbsent(List.of(provider, route), k ->
                Timer.builder("aibridge.interceptions.ttfb")
                        .description("Time from the start of an interception to its first byte relayed to the client")
                        .tags("provider", provider, "route", route).serviceLevelObjectives(TTFB_BUCKETS)
                        .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void passthrough(String provider, String route, String method) {
        passthroughs.computeIfAbsent(List.of(provider, route, method), k ->
                Counter.builder("aibridge.passthrough").description("Passthrough requests (forwarded, not recorded)")
                        .tags("provider", provider, "route", route, "method", method).register(registry)).increment();
    }

    public void prompt(String provider, String requestedModel, String client) {
        String model = models.value(requestedModel);
        prompts.computeIfAbsent(List.of(provider, model, client), k ->
                Counter.builder("aibridge.prompts").description("Recorded non-empty prompts")
                        .tags("provider", provider, "model", model, "client", client).register(registry)).increment();
    }

    public void tokens(String provider, String requestedModel, String client, String type, long count) {
        if (count > 0) {
            String model = models.value(requestedModel);
            tokens.computeIfAbsent(List.of(provider, model, type, client), k ->
                    Counter.builder("aibridge.tokens").description("Tokens by type")
                            .tags("provider", provider, "model", model, "type", type, "client", client).register(registry))
                    .increment(count);
        }
    }

    public void toolSelection(String provider, String requestedModel, String toolName) {
        String model = models.value(requestedModel);
        String name = toolNames.value(toolName);
        toolSelections.computeIfAbsent(List.of(provider, model, name), k ->
                Counter.builder("aibridge.non_injected_tool_selections").description("Tool calls the model made to the client's own tools")
                        .tags("provider", provider, "model", model, "name", name).register(registry)).increment();
    }

    /** One injected MCP tool invocation ({@code server} is the server's URL). */
    public void injectedToolInvocation(String provider, String requestedModel, String server, String toolName) {
        String model = models.value(requestedModel);
        String name = toolNames.value(toolName);
        injectedToolInvocations.computeIfAbsent(List.of(provider, model, server, name), k ->
                Counter.builder("aibridge.injected_tool_invocations").description("Injected MCP tool invocations run by the bridge")
                        .tags("provider", provider, "model", model, "server", server, "name", name).register(registry)).increment();
    }

    /** A bridged call made again after a transient failure ({@code status} 0: the provider could not be reached). */
    public void upstreamRetry(String provider, String route, int status) {
        String code = String.valueOf(status);
        upstreamRetries.computeIfAbsent(List.of(provider, route, code), k ->
                Counter.builder("aibridge.upstream.retries").description("Bridged provider calls made again after a transient failure "
                                + "(status 0: no answer)")
                        .tags("provider", provider, "route", route, "status", code).register(registry)).increment();
    }

    public void upstreamError(String provider, String route, int status) {
        String code = String.valueOf(status);
        upstreamErrors.computeIfAbsent(List.of(provider, route, code), k ->
                Counter.builder("aibridge.upstream.errors").description("Upstream answers with an error status, or no answer (status 0)")
                        .tags("provider", provider, "route", route, "status", code).register(registry)).increment();
    }
}

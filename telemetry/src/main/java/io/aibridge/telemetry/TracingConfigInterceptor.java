package io.aibridge.telemetry;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.Priorities;
import jakarta.annotation.Priority;

/**
 * Maps the public tracing switches onto Quarkus' OpenTelemetry settings, for every service:
 *
 * <ul>
 *   <li>{@code AIBRIDGE_TRACE_ENABLE} ({@code aibridge.trace.enable}, default {@code false}) decides
 *       {@code quarkus.otel.sdk.disabled}: the SDK is off unless tracing is enabled. A
 *       configuration expression cannot negate a boolean, hence this interceptor. The value is
 *       read by {@link BooleanSetting}'s rule; any other word throws, so the service does not start.</li>
 *   <li>{@code AIBRIDGE_TRACE_ENDPOINT}, else the standard {@code OTEL_EXPORTER_OTLP_ENDPOINT},
 *       becomes {@code quarkus.otel.exporter.otlp.endpoint}; the standard
 *       {@code OTEL_EXPORTER_OTLP_PROTOCOL} becomes {@code quarkus.otel.exporter.otlp.protocol} and
 *       {@code quarkus.otel.exporter.otlp.traces.protocol}. Quarkus itself reads only its own
 *       {@code quarkus.otel.*} names.</li>
 * </ul>
 *
 * A {@code quarkus.otel.*} value set explicitly (application.properties, {@code QUARKUS_OTEL_*}
 * variables, system properties, test resources) always wins; only Quarkus' built-in defaults are
 * replaced. Registered through {@code META-INF/services/io.smallrye.config.ConfigSourceInterceptor}.
 */
@Priority(TracingConfigInterceptor.PRIORITY)
public class TracingConfigInterceptor implements ConfigSourceInterceptor {

    /** Outside the profile ({@code %test.}) and expression interceptors, so both have resolved what it reads. */
    static final int PRIORITY = Priorities.LIBRARY + 400;

    public static final String SDK_DISABLED = "quarkus.otel.sdk.disabled";
    public static final String OTLP_ENDPOINT = "quarkus.otel.exporter.otlp.endpoint";
    public static final String OTLP_PROTOCOL = "quarkus.otel.exporter.otlp.protocol";
    public static final String OTLP_TRACES_PROTOCOL = "quarkus.otel.exporter.otlp.traces.protocol";

    /** {@code AIBRIDGE_TRACE_ENABLE}. */
    public static final String TRACE_ENABLE = "aibridge.trace.enable";
    /** {@code AIBRIDGE_TRACE_ENDPOINT}. */
    public static final String TRACE_ENDPOINT = "aibridge.trace.endpoint";
    /** {@code OTEL_EXPORTER_OTLP_ENDPOINT}, the OpenTelemetry SDKs' standard variable. */
    static final String STANDARD_ENDPOINT = "otel.exporter.otlp.endpoint";
    /** {@code OTEL_EXPORTER_OTLP_PROTOCOL}. */
    static final String STANDARD_PROTOCOL = "otel.exporter.otlp.protocol";

    /**
     * Values from sources at or below this ordinal are defaults (SmallRye's mapping defaults and
     * Quarkus' generated run-time defaults sit near {@link Integer#MIN_VALUE}); anything a person
     * or a test set comes from a source above it.
     */
    private static final int DEFAULTS_ORDINAL = 0;

    private static final long serialVersionUID = 1L;

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        return switch (name) {
            case SDK_DISABLED -> sdkDisabled(context, name);
            case OTLP_ENDPOINT -> fallback(context, name, TRACE_ENDPOINT, STANDARD_ENDPOINT);
            case OTLP_PROTOCOL, OTLP_TRACES_PROTOCOL -> fallback(context, name, STANDARD_PROTOCOL, null);
            default -> context.proceed(name);
        };
    }

    private static ConfigValue sdkDisabled(ConfigSourceInterceptorContext context, String name) {
        ConfigValue own = context.proceed(name);
        if (explicit(own)) {
            return own;
        }
        ConfigValue enable = context.proceed(TRACE_ENABLE);
        boolean set = enable != null && enable.getValue() != null && !enable.getValue().isBlank();
        // the same words as every other boolean setting (1, yes, on...); anything else stops the start
        boolean enabled = set && BooleanSetting.parse(TracingConfig.ENABLE_VARIABLE, enable.getValue());
        return ConfigValue.builder()
                .withName(name)
                .withValue(Boolean.toString(!enabled))
                .withRawValue(Boolean.toString(!enabled))
                .withConfigSourceName(set
                        ? "AIBRIDGE_TRACE_ENABLE (" + enable.getConfigSourceName() + ")"
                        : "AIBRIDGE_TRACE_ENABLE (unset: tracing off)")
                .withConfigSourceOrdinal(enable != null ? enable.getConfigSourceOrdinal() : DEFAULTS_ORDINAL)
                .build();
    }

    private static ConfigValue fallback(ConfigSourceInterceptorContext context, String name, String first, String second) {
        ConfigValue own = context.proceed(name);
        if (explicit(own)) {
            return own;
        }
        for (String alias : new String[] {first, second}) {
            if (alias == null) {
                continue;
            }
            ConfigValue value = context.proceed(alias);
            if (value != null && value.getValue() != null && !value.getValue().isBlank()) {
                return value.from().withName(name).build();
            }
        }
        return own;
    }

    private static boolean explicit(ConfigValue value) {
        return value != null && value.getValue() != null && value.getConfigSourceOrdinal() > DEFAULTS_ORDINAL;
    }
}

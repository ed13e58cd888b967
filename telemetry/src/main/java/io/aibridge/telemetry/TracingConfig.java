package io.aibridge.telemetry;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;

import java.util.Optional;

/**
 * The public tracing switches ({@code AIBRIDGE_TRACE_*}), the same in every service. Exporting is
 * Quarkus' OpenTelemetry SDK; {@link TracingConfigInterceptor} maps these onto its settings.
 */
@ConfigMapping(prefix = "aibridge.trace")
public interface TracingConfig {

    /** The public name of {@link #enable()}. */
    String ENABLE_VARIABLE = "AIBRIDGE_TRACE_ENABLE";

    /** {@code AIBRIDGE_TRACE_ENABLE}: export traces over OTLP. Off, the SDK is disabled and spans cost nothing. */
    @WithDefault("false")
    @WithConverter(Enable.class)
    boolean enable();

    /**
     * {@code AIBRIDGE_TRACE_ENDPOINT}: the collector's OTLP endpoint (gRPC {@code http://host:4317} by
     * default, or {@code http://host:4318} with {@code OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf}).
     * Unset: {@code OTEL_EXPORTER_OTLP_ENDPOINT}, else {@code http://localhost:4317}.
     */
    Optional<String> endpoint();

    /**
     * {@code AIBRIDGE_TRACE_LOGS}: attach every log record written while a span is current to that
     * span, as an event. Useful when debugging one request; high volume.
     */
    @WithDefault("false")
    @WithConverter(Logs.class)
    boolean logs();

    /** {@code AIBRIDGE_TRACE_ENABLE}: an on/off word ({@link BooleanSetting}). */
    final class Enable extends BooleanSetting {
        public Enable() {
            super(ENABLE_VARIABLE);
        }
    }

    /** {@code AIBRIDGE_TRACE_LOGS}: an on/off word ({@link BooleanSetting}). */
    final class Logs extends BooleanSetting {
        public Logs() {
            super("AIBRIDGE_TRACE_LOGS");
        }
    }
}

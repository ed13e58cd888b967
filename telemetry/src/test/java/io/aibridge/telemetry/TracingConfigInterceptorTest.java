package io.aibridge.telemetry;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The public switches decide Quarkus' OpenTelemetry settings, and an explicit Quarkus setting
 * always wins. The config is built like Quarkus builds it: environment (300), application
 * properties (250), and the mapping defaults Quarkus registers at the lowest ordinal.
 */
class TracingConfigInterceptorTest {

    private static SmallRyeConfig config(Map<String, String> env, Map<String, String> properties, String profile) {
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder()
                .addDefaultInterceptors()
                .withInterceptors(new TracingConfigInterceptor())
                .withSources(new EnvConfigSource(env, 300), new PropertiesConfigSource(properties, "application.properties", 250))
                // Quarkus' own defaults for its OpenTelemetry settings
                .withDefaultValue(TracingConfigInterceptor.SDK_DISABLED, "false")
                .withDefaultValue(TracingConfigInterceptor.OTLP_PROTOCOL, "grpc")
                .withDefaultValue(TracingConfigInterceptor.OTLP_TRACES_PROTOCOL, "grpc");
        if (profile != null) {
            builder.withProfile(profile);
        }
        return builder.build();
    }

    private static SmallRyeConfig env(Map<String, String> env) {
        return config(env, Map.of(), null);
    }

    private static boolean sdkDisabled(SmallRyeConfig config) {
        return config.getValue(TracingConfigInterceptor.SDK_DISABLED, Boolean.class);
    }

    @Test
    void tracingIsOffWhenNothingIsSet() {
        assertThat(sdkDisabled(env(Map.of()))).isTrue();
    }

    @Test
    void traceEnableTrueSwitchesTheSdkOn() {
        assertThat(sdkDisabled(env(Map.of("AIBRIDGE_TRACE_ENABLE", "true")))).isFalse();
        assertThat(sdkDisabled(env(Map.of("AIBRIDGE_TRACE_ENABLE", "TRUE")))).isFalse();
    }

    @Test
    void traceEnableTakesTheSameWordsAsEveryOtherBoolean() {
        // TracingConfig.enable() reads these as true: the SDK must agree
        assertThat(sdkDisabled(env(Map.of("AIBRIDGE_TRACE_ENABLE", "1")))).isFalse();
        assertThat(sdkDisabled(env(Map.of("AIBRIDGE_TRACE_ENABLE", "yes")))).isFalse();
        assertThat(sdkDisabled(env(Map.of("AIBRIDGE_TRACE_ENABLE", " On ")))).isFalse();
        assertThat(sdkDisabled(env(Map.of("AIBRIDGE_TRACE_ENABLE", "false")))).isTrue();
        assertThat(sdkDisabled(env(Map.of("AIBRIDGE_TRACE_ENABLE", "0")))).isTrue();
        assertThat(sdkDisabled(env(Map.of("AIBRIDGE_TRACE_ENABLE", "off")))).isTrue();
    }

    @Test
    void anythingElseIsRefusedNamingTheVariable() {
        SmallRyeConfig config = env(Map.of("AIBRIDGE_TRACE_ENABLE", "yes please"));
        assertThatExceptionOfType(IllegalArgumentException.class)
                .isThrownBy(() -> sdkDisabled(config))
                .withMessageContaining("AIBRIDGE_TRACE_ENABLE: \"yes please\" is not true or false. Accepted: true or false");
    }

    @Test
    void anExplicitQuarkusSettingWinsOverTheSwitch() {
        assertThat(sdkDisabled(env(Map.of("AIBRIDGE_TRACE_ENABLE", "true", "QUARKUS_OTEL_SDK_DISABLED", "true")))).isTrue();
        assertThat(sdkDisabled(config(Map.of(), Map.of(TracingConfigInterceptor.SDK_DISABLED, "false"), null))).isFalse();
    }

    @Test
    void theSwitchMayComeFromAProfiledProperty() {
        Map<String, String> properties = Map.of("%test.aibridge.trace.enable", "true");
        assertThat(sdkDisabled(config(Map.of(), properties, "test"))).isFalse();
        assertThat(sdkDisabled(config(Map.of(), properties, "prod"))).isTrue();
    }

    @Test
    void theSwitchMayBeAnExpression() {
        Map<String, String> properties = Map.of("aibridge.trace.enable", "${MY_TRACING:false}");
        assertThat(sdkDisabled(config(Map.of("MY_TRACING", "true"), properties, null))).isFalse();
    }

    @Test
    void traceEndpointBecomesTheOtlpEndpoint() {
        SmallRyeConfig config = env(Map.of("AIBRIDGE_TRACE_ENDPOINT", "http://collector:4317"));
        assertThat(config.getValue(TracingConfigInterceptor.OTLP_ENDPOINT, String.class)).isEqualTo("http://collector:4317");
    }

    @Test
    void theStandardOtelEndpointIsHonouredAndTheAliasWinsOverIt() {
        assertThat(env(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://standard:4317"))
                .getValue(TracingConfigInterceptor.OTLP_ENDPOINT, String.class)).isEqualTo("http://standard:4317");
        assertThat(env(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://standard:4317", "AIBRIDGE_TRACE_ENDPOINT", "http://ours:4317"))
                .getValue(TracingConfigInterceptor.OTLP_ENDPOINT, String.class)).isEqualTo("http://ours:4317");
    }

    @Test
    void anExplicitQuarkusEndpointWins() {
        SmallRyeConfig config = env(Map.of("AIBRIDGE_TRACE_ENDPOINT", "http://ours:4317",
                "QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT", "http://quarkus:4317"));
        assertThat(config.getValue(TracingConfigInterceptor.OTLP_ENDPOINT, String.class)).isEqualTo("http://quarkus:4317");
    }

    @Test
    void noEndpointAnywhereLeavesQuarkusDefault() {
        assertThat(env(Map.of()).getOptionalValue(TracingConfigInterceptor.OTLP_ENDPOINT, String.class)).isEmpty();
    }

    @Test
    void theStandardProtocolVariableSetsBothProtocols() {
        SmallRyeConfig config = env(Map.of("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"));
        assertThat(config.getValue(TracingConfigInterceptor.OTLP_PROTOCOL, String.class)).isEqualTo("http/protobuf");
        assertThat(config.getValue(TracingConfigInterceptor.OTLP_TRACES_PROTOCOL, String.class)).isEqualTo("http/protobuf");
        assertThat(env(Map.of()).getValue(TracingConfigInterceptor.OTLP_TRACES_PROTOCOL, String.class)).isEqualTo("grpc");
    }
}

package io.aibridge.telemetry;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.ConfigValidationException;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.WithDefault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * One rule for every boolean setting: the on/off words Quarkus has always taken, and a refusal
 * naming the value for anything else. The registered converter is found the way Quarkus finds it
 * (the service file) and wins over the built-in one, for config mappings and plain look-ups alike.
 */
class BooleanSettingTest {

    /** A mapping like the services' ones. */
    @ConfigMapping(prefix = "sample")
    interface SampleConfig {
        @WithDefault("false")
        boolean dryRun();
    }

    @ParameterizedTest
    @ValueSource(strings = {"true", "TRUE", "True", " true ", "yes", "Y", "on", "ON", "1"})
    void readsTheWordsForOn(String value) {
        assertThat(BooleanSetting.parse("AIBRIDGE_X", value)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"false", "FALSE", "no", "n", "off", "Off", "0"})
    void readsTheWordsForOff(String value) {
        assertThat(BooleanSetting.parse("AIBRIDGE_X", value)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ture", "flase", "dry", "enabled", "2", "-1", "truee", "oui"})
    void refusesAnythingElseNamingTheVariableAndTheValue(String value) {
        assertThatExceptionOfType(IllegalArgumentException.class)
                .isThrownBy(() -> BooleanSetting.parse("AIBRIDGE_RETENTION_DRY_RUN", value))
                .withMessage("AIBRIDGE_RETENTION_DRY_RUN: \"" + value + "\" is not true or false. Accepted: "
                        + BooleanSetting.ACCEPTED + ".");
    }

    @Test
    void refusesAnEmptyValueThroughANamedSetting() {
        assertThatExceptionOfType(IllegalArgumentException.class)
                .isThrownBy(() -> new TracingConfig.Logs().convert(" "))
                .withMessageStartingWith("AIBRIDGE_TRACE_LOGS: the value is empty.");
    }

    @Test
    void theRegisteredConverterWinsOverTheBuiltInOneForPlainLookUps() {
        SmallRyeConfig config = discovering(Map.of("SAMPLE_FLAG", "ture", "SAMPLE_ON", "yes"));

        assertThat(config.getValue("sample.on", Boolean.class)).isTrue();
        assertThatExceptionOfType(IllegalArgumentException.class)
                .isThrownBy(() -> config.getValue("sample.flag", boolean.class))
                .withMessageContaining("sample.flag")
                .withMessageContaining("\"ture\" is not true or false");
    }

    @Test
    void theRegisteredConverterAppliesToConfigMappings() {
        assertThat(mapping(Map.of()).dryRun()).isFalse();
        assertThat(mapping(Map.of("SAMPLE_DRY_RUN", "On")).dryRun()).isTrue();
        assertThatExceptionOfType(ConfigValidationException.class)
                .isThrownBy(() -> mapping(Map.of("SAMPLE_DRY_RUN", "ture")))
                .withMessageContaining("sample.dry-run")
                .withMessageContaining("\"ture\" is not true or false. Accepted: " + BooleanSetting.ACCEPTED);
    }

    private static SmallRyeConfig discovering(Map<String, String> env) {
        return new SmallRyeConfigBuilder().addDefaultInterceptors().addDiscoveredConverters()
                .withSources(new EnvConfigSource(env, 300)).build();
    }

    private static SampleConfig mapping(Map<String, String> env) {
        return new SmallRyeConfigBuilder().addDefaultInterceptors().addDiscoveredConverters()
                .withSources(new EnvConfigSource(env, 300)).withMapping(SampleConfig.class).build()
                .getConfigMapping(SampleConfig.class);
    }
}

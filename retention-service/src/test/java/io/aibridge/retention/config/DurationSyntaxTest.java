package io.aibridge.retention.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class DurationSyntaxTest {

    @ParameterizedTest
    @CsvSource({
            "60d, PT1440H",
            "2w, PT336H",
            "1440h, PT1440H",
            "90m, PT1H30M",
            "45s, PT45S",
            "200ms, PT0.2S",
            "1d12h, PT36H",
            "1w2d, PT216H",
            "1.5h, PT1H30M",
            "' 60d ', PT1440H"})
    void readsTheReferenceUnitsWithDaysAndWeeks(String text, Duration expected) {
        assertThat(DurationSyntax.parse(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({
            "P60D, PT1440H",
            "PT1440H, PT1440H",
            "P2W, PT336H",
            "P1DT12H, PT36H",
            "p60d, PT1440H",
            "PT10M, PT10M"})
    void readsIsoDurations(String text, Duration expected) {
        assertThat(DurationSyntax.parse(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "0d", "0s", "PT0S", "P0D"})
    void readsZero(String text) {
        assertThat(DurationSyntax.parse(text)).isZero();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "60|has no unit (did you mean 60d?)",
            "60x|is not a duration",
            "60D|is not a duration",
            "60 d|is not a duration",
            "d|is not a duration",
            "-1d|is negative",
            "PT-1H|is negative",
            "-P1D|is negative",
            "P1M|years or months",
            "P1Y|years or months",
            "P1X|is not an ISO-8601 duration",
            "1d-2h|is not a duration",
            "99999999999999999999d|is longer than",
            "forever|is not a duration"})
    void rejectsWhatItCannotRead(String text, String reason) {
        assertThatIllegalArgumentException().isThrownBy(() -> DurationSyntax.parse(text)).withMessageContaining(reason);
    }

    @Test
    void rejectsAnEmptyValue() {
        assertThatIllegalArgumentException().isThrownBy(() -> DurationSyntax.parse(" ")).withMessage("the value is empty");
    }

    @Test
    void formatsDurationsTheWayUsersWriteThem() {
        assertThat(DurationSyntax.format(Duration.ofDays(60))).isEqualTo("60d");
        assertThat(DurationSyntax.format(Duration.ofHours(36))).isEqualTo("1d12h");
        assertThat(DurationSyntax.format(Duration.ofMinutes(10))).isEqualTo("10m");
        assertThat(DurationSyntax.format(Duration.ofMillis(200))).isEqualTo("0.2s");
        assertThat(DurationSyntax.format(Duration.ZERO)).isEqualTo("0");
    }
}

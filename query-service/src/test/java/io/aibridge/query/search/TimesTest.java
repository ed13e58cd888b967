package io.aibridge.query.search;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class TimesTest {

    @Test
    void keepsTheFirstNineFractionDigitsOfALongerFractionWithoutRounding() {
        assertThat(Times.parse("2026-03-01T00:00:00.1234567899Z")).contains(Instant.parse("2026-03-01T00:00:00.123456789Z"));
        assertThat(Times.parse("2026-03-01T00:00:00.999999999999999999999+02:00"))
                .contains(Instant.parse("2026-02-28T22:00:00.999999999Z"));
        assertThat(Times.parse("2026-03-01T00:00:00.5Z")).contains(Instant.parse("2026-03-01T00:00:00.5Z"));
    }

    @Test
    void refusesAnEmptyFractionAndInputLongerThanAnyRealTime() {
        assertThat(Times.parse("2026-03-01T00:00:00.Z")).isEmpty();
        assertThat(Times.parse("2026-03-01T00:00:00." + "1".repeat(1_000_000) + "Z")).isEmpty();
    }
}

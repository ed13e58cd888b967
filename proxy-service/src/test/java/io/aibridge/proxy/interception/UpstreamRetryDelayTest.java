package io.aibridge.proxy.interception;

import org.junit.jupiter.api.Test;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The wait before a retry: the provider's own when it names one within 60 s, else the SDKs' backoff with jitter. */
class UpstreamRetryDelayTest {

    @Test
    void theProvidersWaitIsHonouredUpToAMinute() {
        assertThat(UpstreamExchange.delayMillis("250", "7", 0, 0.9)).as("retry-after-ms first").isEqualTo(250);
        assertThat(UpstreamExchange.delayMillis(null, "7", 0, 0.9)).isEqualTo(7_000);
        assertThat(UpstreamExchange.delayMillis(null, "1.5", 1, 0.9)).isEqualTo(1_500);
        String inTwentySeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(20));
        assertThat(UpstreamExchange.delayMillis(null, inTwentySeconds, 0, 0)).isCloseTo(20_000L, within(1_500L));
        assertThat(UpstreamExchange.delayMillis(null, "600", 0, 0)).as("longer than a minute: the backoff instead").isEqualTo(500);
        assertThat(UpstreamExchange.delayMillis("0", null, 0, 0)).isEqualTo(500);
        assertThat(UpstreamExchange.delayMillis(null, "soon", 1, 0)).isEqualTo(1_000);
    }

    @Test
    void theBackoffDoublesFromHalfASecondUpToEightLessAQuarterAtMost() {
        assertThat(UpstreamExchange.delayMillis(null, null, 0, 0)).isEqualTo(500);
        assertThat(UpstreamExchange.delayMillis(null, null, 1, 0)).isEqualTo(1_000);
        assertThat(UpstreamExchange.delayMillis(null, null, 3, 0)).isEqualTo(4_000);
        assertThat(UpstreamExchange.delayMillis(null, null, 4, 0)).isEqualTo(8_000);
        assertThat(UpstreamExchange.delayMillis(null, null, 9, 0)).isEqualTo(8_000);
        assertThat(UpstreamExchange.delayMillis(null, null, 0, 0.999)).isEqualTo(375);
        assertThat(UpstreamExchange.delayMillis(null, null, 9, 0.5)).isEqualTo(7_000);
    }
}

package io.aibridge.proxy.interception;

import org.junit.jupiter.api.Test;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The wait before a retry: the provider's own when it names one of at most 5 s (a longer one: no retry), else the SDKs' backoff with jitter. */
class UpstreamRetryDelayTest {

    @Test
    void theProvidersWaitIsHonouredUpToFiveSecondsAndALongerOneIsLeftToTheCaller() {
        assertThat(UpstreamExchange.delayMillis("250", "7", 0, 0.9)).as("retry-after-ms first").isEqualTo(250);
        assertThat(UpstreamExchange.delayMillis(null, "2", 0, 0.9)).isEqualTo(2_000);
        assertThat(UpstreamExchange.delayMillis(null, "1.5", 1, 0.9)).isEqualTo(1_500);
        assertThat(UpstreamExchange.delayMillis(null, "5", 1, 0.9)).isEqualTo(5_000);
        String inThreeSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(3));
        assertThat(UpstreamExchange.delayMillis(null, inThreeSeconds, 0, 0)).isCloseTo(3_000L, within(1_100L));
        assertThat(UpstreamExchange.delayMillis(null, "7", 0, 0)).as("the caller's SDK waits that").isEqualTo(-1);
        assertThat(UpstreamExchange.delayMillis("20000", null, 0, 0)).isEqualTo(-1);
        String inAMinute = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(60));
        assertThat(UpstreamExchange.delayMillis(null, inAMinute, 0, 0)).isEqualTo(-1);
        assertThat(UpstreamExchange.delayMillis("0", null, 0, 0)).as("no wait asked: the backoff").isEqualTo(500);
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

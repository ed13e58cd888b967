package io.aibridge.query.db;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The network timeout follows the statement timeout, which can be changed, so the two stay consistent. */
class NetworkTimeoutTest {

    @Test
    void aReadMayWaitTenSecondsLongerThanTheStatementTimeout() {
        assertThat(NetworkTimeout.millis(Duration.ofSeconds(30))).isEqualTo(40_000);
        assertThat(NetworkTimeout.millis(Duration.ofMillis(1))).isEqualTo(10_001);
    }

    @Test
    void noStatementLimitSetsNoNetworkTimeout() {
        assertThat(NetworkTimeout.millis(Duration.ZERO)).isZero();
    }

    @Test
    void theLongestStatementTimeoutStillFits() {
        assertThat(NetworkTimeout.millis(Duration.ofDays(24))).isEqualTo(24L * 86_400_000 + 10_000);
    }
}

package io.aibridge.telemetry;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The shared range converters: a whole number with an upper bound (ports), and the two shutdown durations. */
class RangeSettingTest {

    /** A port setting as the services declare theirs. */
    static final class Port extends WholeNumberSetting {
        Port() {
            super("AIBRIDGE_SAMPLE_PORT", LEAST_PORT, GREATEST_PORT);
        }
    }

    /** A setting with a least value only, whose message is unchanged. */
    static final class Count extends WholeNumberSetting {
        Count() {
            super("AIBRIDGE_SAMPLE_COUNT", 1);
        }
    }

    @Test
    void aPortIsEveryTcpPortFromOneTo65535() {
        assertThat(new Port().convert("1")).isEqualTo(1);
        assertThat(new Port().convert(" 65535 ")).isEqualTo(65535);
        for (String refused : new String[] {"0", "65536", "-1", "80.0", ""}) {
            assertThatIllegalArgumentException().isThrownBy(() -> new Port().convert(refused))
                    .withMessage("AIBRIDGE_SAMPLE_PORT: \"" + refused + "\" is not a whole number from 1 to 65535.");
        }
        assertThatIllegalArgumentException().isThrownBy(() -> new Count().convert("0"))
                .withMessage("AIBRIDGE_SAMPLE_COUNT: \"0\" is not a whole number of at least 1.");
    }

    @Test
    void theShutdownTimeoutIsZeroOrFromAMillisecondTo24Days() {
        assertThat(new ShutdownSetting.Timeout().convert("0")).isZero();
        assertThat(new ShutdownSetting.Timeout().convert("1ms")).isEqualTo(Duration.ofMillis(1));
        assertThat(new ShutdownSetting.Timeout().convert("24d")).isEqualTo(Duration.ofDays(24));
        assertThatIllegalArgumentException().isThrownBy(() -> new ShutdownSetting.Timeout().convert("-30s"))
                .withMessage("AIBRIDGE_SHUTDOWN_TIMEOUT: \"-30s\" is out of range. Accepted: 0 (do not wait for requests in flight), "
                        + "or a duration such as 200ms, 10s, 5m or PT0.2S (a plain number is seconds), from 1ms to 24d.");
    }

    @Test
    void theShutdownDelayIsFromZeroTo24Days() {
        assertThat(new ShutdownSetting.Delay().convert("0s")).isZero();
        assertThat(new ShutdownSetting.Delay().convert("24d")).isEqualTo(Duration.ofDays(24));
        assertThatIllegalArgumentException().isThrownBy(() -> new ShutdownSetting.Delay().convert("-5s"))
                .withMessage("AIBRIDGE_SHUTDOWN_DELAY: \"-5s\" is out of range. Accepted: a duration such as 200ms, 10s, 5m "
                        + "or PT0.2S (a plain number is seconds), from 0 to 24d.");
        assertThatIllegalArgumentException().isThrownBy(() -> new ShutdownSetting.Delay().convert("25d"))
                .withMessageStartingWith("AIBRIDGE_SHUTDOWN_DELAY: \"25d\" is out of range.");
    }
}

package io.aibridge.proxy.interception;

import io.aibridge.proxy.interception.UpstreamExchange.Mode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What the relay sets aside for a body's copy before any of it arrived: never more than 1 MiB, whatever the provider declares. */
class RelayCopyTest {

    @Test
    void aDeclaredLengthIsTakenOnlyUpTo1MiBOrTheErrorCopysLimit() {
        assertThat(Relay.copyCapacity(Mode.BLOCKING, 64L * 1024 * 1024)).isEqualTo(1024 * 1024);
        assertThat(Relay.copyCapacity(Mode.BLOCKING, Long.MAX_VALUE)).isEqualTo(1024 * 1024);
        assertThat(Relay.copyCapacity(Mode.ERROR, 64L * 1024 * 1024)).isEqualTo(64 * 1024);
        assertThat(Relay.copyCapacity(Mode.BLOCKING, 2_000)).isEqualTo(2_000);
        assertThat(Relay.copyCapacity(Mode.BLOCKING, 0)).isZero();
        assertThat(Relay.copyCapacity(Mode.BLOCKING, -1)).as("no Content-Length").isEqualTo(4096);
    }
}

package io.aibridge.proxy.interception;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The reference's slow-client warning: a drain over half a second, once per interception. */
class SlowClientTest {

    @Test
    void warnsOnceWhenTheClientTookMoreThanHalfASecondToRead() {
        AtomicLong now = new AtomicLong();
        SlowClient client = new SlowClient(new RecordingProbe("hello").recording, now::get);
        assertThat(client.drained()).as("no pause, nothing to say").isFalse();

        client.paused();
        now.addAndGet(499_000_000L);
        assertThat(client.drained()).as("499 ms").isFalse();

        client.paused();
        now.addAndGet(700_000_000L);
        assertThat(client.drained()).as("700 ms").isTrue();

        client.paused();
        now.addAndGet(2_000_000_000L);
        assertThat(client.drained()).as("warned already").isFalse();
    }
}

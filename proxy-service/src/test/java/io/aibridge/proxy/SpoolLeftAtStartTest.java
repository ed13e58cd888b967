package io.aibridge.proxy;

import io.aibridge.proxy.events.LeftSpoolTestResource;
import io.aibridge.testing.KafkaTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A proxy that starts on a spool a previous run left (Kafka down when it stopped) publishes it, and
 * its metrics count what it replayed, however early in its start the replay happens.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(LeftSpoolTestResource.class)
@WithTestResource(value = FakeProviderTestResource.class, initArgs = @ResourceArg(name = "proxy.spool.dir", value = LeftSpoolTestResource.DIR))
class SpoolLeftAtStartTest extends ProxyTestBase {

    @Test
    void whatThePreviousRunSpooledIsPublishedAndCountedAsReplayed() {
        await().atMost(Duration.ofSeconds(30)).until(() -> scrape().value("aibridge_spool_events", java.util.Map.of()) == 0);
        assertThat(scrape().value("aibridge_events_replayed_total", java.util.Map.of())).isEqualTo(LeftSpoolTestResource.EVENTS);
    }
}

package io.aibridge.proxy;

import io.aibridge.events.InterceptionEvent;
import io.aibridge.testing.PrometheusScrape;
import io.aibridge.testing.fake.RecordedRequest;
import io.quarkus.test.common.http.TestHTTPResource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;

import java.net.URL;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the proxy's Quarkus tests against the fake provider share: a client of the proxy under test,
 * a fake provider that has seen nothing yet at the start of each test, the Kafka broker's events,
 * and the proxy's metrics.
 */
abstract class ProxyTestBase {

    @TestHTTPResource("/")
    URL proxyUrl;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    ProxyClient proxy;

    @BeforeEach
    void connectToTheProxy() {
        proxy = new ProxyClient(proxyUrl.toString());
        FakeProviderTestResource.fake().clear();
    }

    @AfterAll
    static void stopTail() {
        EventTail.closeAll();
    }

    /** The events of the first interception of this model, once it ended. */
    List<InterceptionEvent> eventsOfModel(String model) {
        EventTail tail = EventTail.of(bootstrapServers);
        return tail.awaitEnded(tail.awaitStart(s -> model.equals(s.model()), Duration.ofSeconds(20)), Duration.ofSeconds(20));
    }

    /** The one request the fake provider received since the test started. */
    static RecordedRequest onlyUpstreamRequest() {
        List<RecordedRequest> requests = FakeProviderTestResource.fake().requests();
        assertThat(requests).hasSize(1);
        return requests.get(0);
    }

    PrometheusScrape scrape() {
        java.net.http.HttpResponse<String> metrics = proxy.get("/q/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        return PrometheusScrape.parse(metrics.body());
    }
}

package io.aibridge.proxy;

import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PrometheusScrape;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.Fixture;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code AIBRIDGE_METRICS_MAX_LABEL_VALUES=5}: a client cycling through made-up model names leaves at
 * most five of them as {@code model} label values in {@code /q/metrics}; the rest are counted as
 * {@code other}, and every request is still served and recorded under its own model.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = FakeProviderTestResource.class,
        initArgs = @ResourceArg(name = "AIBRIDGE_METRICS_MAX_LABEL_VALUES", value = "5"))
class MetricLabelLimitTest extends ProxyTestBase {

    @Test
    void randomModelNamesLeaveTheModelLabelWithinItsLimit() {
        String prefix = "made-up-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        PrometheusScrape before = scrape();
        for (int i = 0; i < 12; i++) {
            String body = Fixture.load(Api.OPENAI_CHAT, "text").request(false).put("model", prefix + i).toString();
            HttpResponse<String> r = proxy.post(ProxyClient.path(Api.OPENAI_CHAT), body,
                    "Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
            assertThat(r.statusCode()).isEqualTo(200);
        }
        assertThat(eventsOfModel(prefix + 11)).as("recorded under its own model").isNotEmpty();
        PrometheusScrape after = scrape();

        Set<String> models = after.samples().stream().filter(s -> s.name().startsWith("aibridge_"))
                .map(s -> s.labels().get("model")).filter(m -> m != null && m.startsWith(prefix)).collect(Collectors.toSet());
        assertThat(models).as("made-up model label values").hasSizeLessThanOrEqualTo(5);
        Map<String, String> other = Map.of("provider", "openai", "model", "other", "route", "/v1/chat/completions",
                "status", "completed");
        assertThat(after.delta(before, "aibridge_interceptions_total", other)).isEqualTo(12.0 - models.size());
    }
}

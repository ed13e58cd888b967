package io.aibridge.query.tracing;

import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PostgresTestResource;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Objects;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With {@code AIBRIDGE_TRACE_ENABLE=true} every API request is a server span named by its route
 * template, never by the ids in the path, and the caller's token is nowhere on it.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
@WithTestResource(TracingTestResource.class)
class RequestTracingTest {

    private static final String TOKEN = "test-bootstrap-token";

    @Inject
    InMemorySpanExporter spans;

    @Test
    void anApiRequestIsAServerSpanNamedByItsRouteWithoutTheToken() {
        String sessionId = "traced-session-" + System.nanoTime();
        given().header("Authorization", "Bearer " + TOKEN).get("/api/v2/aibridge/sessions/" + sessionId).then().statusCode(404);

        SpanData server = await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == SpanKind.SERVER && String.valueOf(s.getAttributes().get(AttributeKey.stringKey("url.path")))
                        .endsWith(sessionId))
                .findFirst().orElse(null), Objects::nonNull);
        assertThat(server.getName()).isEqualTo("GET /api/v2/aibridge/sessions/{id}");
        assertThat(server.getAttributes().get(AttributeKey.stringKey("http.route"))).isEqualTo("/api/v2/aibridge/sessions/{id}");
        assertThat(server.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(404L);
        server.getAttributes().forEach((key, value) -> assertThat(String.valueOf(value)).as(key.getKey()).doesNotContain(TOKEN));
    }

    @Test
    void probesAndMetricsAreNotTraced() {
        await().atMost(Duration.ofSeconds(30)).until(() -> given().get("/q/health/ready").statusCode() == 200);
        given().get("/q/metrics").then().statusCode(200);
        given().header("Authorization", "Bearer " + TOKEN).get("/api/v2/users/me").then().statusCode(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                .anyMatch(s -> "GET /api/v2/users/{user}".equals(s.getName()) || "GET /api/v2/users/me".equals(s.getName())));
        assertThat(spans.getFinishedSpanItems()).extracting(SpanData::getName).noneMatch(name -> name.contains("/q/"));
    }
}

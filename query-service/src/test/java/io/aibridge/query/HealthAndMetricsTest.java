package io.aibridge.query;

import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PostgresTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * The service starts against real infrastructure and serves its probes, Prometheus metrics without
 * user or session labels, and an OpenAPI document (with Swagger UI) that describes every endpoint
 * and parameter.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
class HealthAndMetricsTest {

    static final String ADMIN = "Bearer test-bootstrap-token";

    @Test
    void livenessAndReadinessAreUp() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        // ready once the identity topic has been read, a moment after start
        await().atMost(Duration.ofSeconds(30)).until(() -> given().get("/q/health/ready").statusCode() == 200);
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.find { it.name == 'identity' }.status", equalTo("UP"));
    }

    @Test
    void metricsAreServedInPrometheusFormatWithoutUserOrSessionLabels() {
        String sessionId = "metrics-session-4f2a9c";
        given().header("Authorization", ADMIN).get("/api/v2/aibridge/sessions/" + sessionId).then().statusCode(404);
        given().header("Authorization", ADMIN).get("/api/v2/users/me").then().statusCode(200);
        given().header("Authorization", ADMIN).get("/api/v2/nothing-here-7d3e").then().statusCode(404);

        String metrics = given().get("/q/metrics").then().statusCode(200).body(containsString("jvm_memory_used_bytes"))
                .extract().asString();
        assertThat(metrics).contains("uri=\"/api/v2/aibridge/sessions/{id}\"").contains("uri=\"/api/v2/users/{user}\"")
                .doesNotContain(sessionId).doesNotContain("nothing-here-7d3e").doesNotContain("00000000-0000-4000-8000-000000000001");
    }

    @Test
    void servesAnOpenApiDocumentThatDescribesEveryOperationAndParameter() {
        JsonPath doc = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract().jsonPath();
        Map<String, Map<String, Object>> paths = doc.getMap("paths");
        assertThat(paths).containsKeys("/api/v2/aibridge/sessions", "/api/v2/aibridge/sessions/{id}", "/api/v2/aibridge/interceptions",
                "/api/v2/aibridge/models", "/api/v2/aibridge/clients", "/api/v2/aibridge/usage", "/api/v2/users",
                "/api/v2/users/{user}", "/api/v2/users/{user}/keys", "/api/v2/users/{user}/keys/{key_id}");
        int operations = 0;
        for (var path : paths.entrySet()) {
            for (var operation : path.getValue().entrySet()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> op = (Map<String, Object>) operation.getValue();
                String where = operation.getKey() + " " + path.getKey();
                assertThat((String) op.get("summary")).as(where + " summary").isNotBlank();
                assertThat((String) op.get("description")).as(where + " description").isNotBlank();
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> parameters = (List<Map<String, Object>>) op.getOrDefault("parameters", List.of());
                for (Map<String, Object> parameter : parameters) {
                    assertThat((String) parameter.get("description")).as(where + " parameter " + parameter.get("name")).isNotBlank();
                }
                operations++;
            }
        }
        assertThat(operations).isEqualTo(14);
        assertThat(doc.getMap("components.securitySchemes")).containsKeys("bearer", "apiKey", "coderSessionToken");
        given().get("/q/swagger-ui/").then().statusCode(200).body(containsString("swagger"));
    }
}

package io.aibridge.query;

import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PostgresTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/**
 * query-service started before recorder-service has created the schema (a fresh install, where
 * they start together): reads answer 503 saying so, with a Retry-After, not a database failure.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(PostgresTestResource.class)
class SchemaNotThereYetTest {

    @Test
    void readsAnswer503SayingTheSchemaIsNotThereYet() {
        for (String path : new String[] {"/api/v2/aibridge/sessions", "/api/v2/aibridge/interceptions", "/api/v2/aibridge/usage"}) {
            given().header("Authorization", HealthAndMetricsTest.ADMIN).get(path).then().statusCode(503)
                    .header("Retry-After", "5")
                    .body("message", equalTo("The database schema is not there yet."))
                    .body("detail", equalTo("recorder-service creates and migrates it when it starts; try again in a moment."));
        }
    }
}

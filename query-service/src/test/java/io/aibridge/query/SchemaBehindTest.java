package io.aibridge.query;

import io.aibridge.events.Role;
import io.aibridge.identity.IdentityStore;
import io.aibridge.query.fixtures.Fixture;
import io.aibridge.query.fixtures.TestUsers.TestUser;
import io.aibridge.query.identity.IdentityLifecycle;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PostgresTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.hamcrest.Matchers.equalTo;

/**
 * query-service newer than the schema (during an upgrade it is ready before recorder-service has
 * migrated): a read of a column the pending migration adds answers the same 503 as a missing table,
 * with a Retry-After, not "The database is unavailable". The database stops at V47; a member's
 * models list reads aibridge_sessions.models_cut, which V48 adds.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate-to", value = "47"))
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SchemaBehindTest {

    @Inject
    IdentityStore store;
    @Inject
    IdentityLifecycle identity;

    Fixture fixture;
    TestUser member;

    @BeforeAll
    void users() {
        fixture = Fixture.start(store, identity);
        member = fixture.users.create("sb-member", Role.MEMBER);
    }

    @AfterAll
    void close() {
        fixture.close();
    }

    @Test
    void aColumnOfAPendingMigrationAnswers503SayingTheSchemaIsNotThereYet() {
        member.request().get("/api/v2/aibridge/models").then().statusCode(503)
                .header("Retry-After", "5")
                .body("message", equalTo("The database schema is not there yet."))
                .body("detail", equalTo("recorder-service creates and migrates it when it starts; try again in a moment."));
    }
}

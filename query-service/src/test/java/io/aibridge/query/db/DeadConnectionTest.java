package io.aibridge.query.db;

import io.aibridge.events.Role;
import io.aibridge.identity.IdentityStore;
import io.aibridge.query.fixtures.Fixture;
import io.aibridge.query.fixtures.RawHttp;
import io.aibridge.query.fixtures.TestUsers.TestUser;
import io.aibridge.query.identity.IdentityLifecycle;
import io.aibridge.testing.FrozenBackends;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PostgresTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A database connection that goes silent (its server process frozen with SIGSTOP: no answer, no
 * close, and no statement timeout either, which PostgreSQL itself would have to fire) fails the
 * request with 503 in the API's error format after the statement timeout (1 s here) and 10 s,
 * instead of holding it for ever; the next request gets a working connection.
 */
@QuarkusTest
@TestProfile(DeadConnectionTest.ShortStatementTimeout.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeadConnectionTest {

    /** A statement timeout of 1 s: the network timeout is 11 s. */
    public static class ShortStatementTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("query.database.statement-timeout", "1s");
        }
    }

    private static final String SESSIONS = "/api/v2/aibridge/sessions";

    @Inject
    IdentityStore store;
    @Inject
    IdentityLifecycle identity;

    Fixture fixture;
    TestUser owner;

    @BeforeAll
    void record() {
        fixture = Fixture.start(store, identity);
        owner = fixture.users.create("dead-connection-owner", Role.OWNER);
        fixture.data.interception(owner.id()).at("2026-05-01T10:00:00Z").model("m").clientSessionId("cs-dead").prompt("hello").save();
        fixture.data.refreshSessions();
    }

    @AfterAll
    void close() {
        fixture.close();
    }

    @Test
    void aRequestOnASilentConnectionAnswers503WithinTheTimeoutAndTheNextOneWorks() throws Exception {
        // the pool now holds an idle connection, which the next request takes again
        assertThat(RawHttp.send("GET", SESSIONS, "Bearer " + owner.token(), null).status()).isEqualTo(200);

        RawHttp.Reply reply;
        try (FrozenBackends frozen = FrozenBackends.ofTheServicesDatabase()) {
            // RawHttp gives up after 30 s: without a network timeout the request never ends
            reply = RawHttp.send("GET", SESSIONS, "Bearer " + owner.token(), null);
        }
        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.text()).contains("{\"message\":\"The database is unavailable.\",\"detail\":\"Try again later.\"}");

        assertThat(RawHttp.send("GET", SESSIONS, "Bearer " + owner.token(), null).status()).isEqualTo(200);
    }
}

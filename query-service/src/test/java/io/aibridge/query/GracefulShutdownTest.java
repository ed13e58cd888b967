package io.aibridge.query;

import io.aibridge.events.Role;
import io.aibridge.identity.IdentityStore;
import io.aibridge.query.fixtures.Fixture;
import io.aibridge.query.fixtures.RawHttp;
import io.aibridge.query.fixtures.TestUsers.TestUser;
import io.aibridge.query.identity.IdentityLifecycle;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PostgresTestResource;
import io.quarkus.runtime.Application;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A request in flight when the service is asked to stop is answered, not cut: a sessions read that
 * waits on a table another connection has locked is still waiting when shutdown starts, and gets
 * its 200 once the lock goes. Its own boot, which it stops.
 */
@QuarkusTest
@TestProfile(GracefulShutdownTest.OwnBoot.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
class GracefulShutdownTest {

    /** Nothing changed, but a boot of its own: this test stops the application. */
    public static class OwnBoot implements QuarkusTestProfile {
    }

    @Inject
    IdentityStore store;
    @Inject
    IdentityLifecycle identity;

    @Test
    void aReadInFlightWhenShutdownStartsIsAnswered() throws Exception {
        Fixture fixture = Fixture.start(store, identity);
        TestUser owner = fixture.users.create("shutdown-owner", Role.OWNER);
        fixture.data.interception(owner.id()).at("2026-05-01T10:00:00Z").model("m").clientSessionId("cs-shutdown").prompt("hi").save();
        fixture.data.refreshSessions();
        fixture.close();

        try (Connection lock = connect(); Connection watch = connect()) {
            lock.setAutoCommit(false);
            try (Statement statement = lock.createStatement()) {
                statement.execute("LOCK TABLE aibridge_sessions IN ACCESS EXCLUSIVE MODE");
            }
            CompletableFuture<RawHttp.Reply> read = CompletableFuture.supplyAsync(
                    () -> RawHttp.send("GET", "/api/v2/aibridge/sessions", "Bearer " + owner.token(), null));
            await().atMost(Duration.ofSeconds(30)).until(() -> waitingOnALock(watch));

            Thread stopping = new Thread(() -> Application.currentApplication().stop(), "test-shutdown");
            stopping.start();
            // shutdown has begun: readiness is DOWN while requests in flight finish (without a
            // shutdown timeout the server is gone, and has cut the read in flight)
            await().atMost(Duration.ofSeconds(30)).until(() -> !ready());
            lock.rollback();

            RawHttp.Reply reply = read.get(60, TimeUnit.SECONDS);
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.text()).contains("\"id\":\"cs-shutdown\"");
            stopping.join(60_000);
        }
    }

    private static boolean waitingOnALock(Connection own) throws Exception {
        try (Statement statement = own.createStatement();
             ResultSet rows = statement.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                     + " AND datname = current_database()")) {
            rows.next();
            return rows.getInt(1) > 0;
        }
    }

    /** True while the service reports ready. */
    private static boolean ready() {
        try {
            return RawHttp.send("GET", "/q/health/ready", null, null).status() == 200;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static Connection connect() throws java.sql.SQLException {
        var config = ConfigProvider.getConfig();
        return DriverManager.getConnection(config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getValue("quarkus.datasource.username", String.class), config.getValue("quarkus.datasource.password", String.class));
    }
}

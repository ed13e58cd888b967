package io.aibridge.recorder;

import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.Topics;
import io.aibridge.testing.Database;
import io.aibridge.testing.InjectDatabase;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PostgresTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

/** PostgreSQL stopped and restarted while events stream in: the consumer pauses, retries, and loses nothing. */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(PostgresTestResource.class)
class DatabaseOutageTest {

    private static final int INTERCEPTIONS = 120;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    DataSource dataSource;

    @InjectDatabase
    Database database;

    private RecorderKafka kafka;
    private Rows rows;

    @BeforeEach
    void connect() {
        kafka = new RecorderKafka(bootstrapServers);
        rows = new Rows(dataSource);
    }

    @AfterEach
    void disconnect() {
        database.restart();
        kafka.close();
    }

    @Test
    void postgresStoppedAndRestartedMidStreamLosesNothing() throws Exception {
        UUID alice = UUID.randomUUID();
        Instant start = TestEvents.now();
        List<TestEvents.Interception> interceptions = new ArrayList<>();
        for (int i = 0; i < INTERCEPTIONS; i++) {
            interceptions.add(new TestEvents.Interception(alice, start.plusMillis(i)).clientSession("outage-" + alice));
        }
        CompletableFuture<Void> stream = CompletableFuture.runAsync(() -> {
            for (TestEvents.Interception interception : interceptions) {
                kafka.events().publish(new InterceptionEvent[]{interception.started(), interception.prompt("step", 1),
                        interception.tokens(10, 1, 0, 0, 2), interception.ended(3)});
                sleep(25);
            }
        });

        await().atMost(Duration.ofSeconds(30)).until(() -> visible(alice) > 0);
        database.stop();
        double retriesBefore = retries();
        await().atMost(Duration.ofSeconds(30)).until(() -> retries() > retriesBefore);
        given().get("/q/health/ready").then().statusCode(503);
        given().get("/q/health/live").then().statusCode(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get("/q/metrics").then()
                .body(containsString("aibridge_recorder_consumer_paused{topic=\"aibridge.interceptions.v1\"} 1.0")));
        given().get("/q/health/ready").then().body(containsString("paused"));
        sleep(2000);
        database.restart();

        stream.get();
        await().atMost(Duration.ofSeconds(60)).until(() -> visible(alice) == INTERCEPTIONS);
        kafka.awaitConsumed("aibridge-recorder", Topics.INTERCEPTIONS);
        for (String table : List.of("aibridge_user_prompts", "aibridge_token_usages")) {
            assertThat(rows.query("SELECT count(*) AS n FROM " + table + " WHERE interception_id = ANY (?)",
                    (Object) interceptions.stream().map(i -> i.id).toArray(UUID[]::new)))
                    .singleElement().satisfies(r -> assertThat(r).containsEntry("n", String.valueOf(INTERCEPTIONS)));
        }
        assertThat(rows.sessions(List.of(alice))).singleElement().satisfies(s -> assertThat(s)
                .containsEntry("interceptions", String.valueOf(INTERCEPTIONS))
                .containsEntry("input_tokens", String.valueOf(10 * INTERCEPTIONS)));
        assertThat(kafka.events().records(Topics.INTERCEPTIONS_DEAD_LETTER)).noneMatch(r -> interceptions.stream()
                .anyMatch(i -> i.id.toString().equals(r.key())));
        given().get("/q/health/ready").then().statusCode(200);
    }

    private int visible(UUID initiator) {
        return Integer.parseInt(rows.query("SELECT count(*) AS n FROM aibridge_interceptions WHERE initiator_id = ? "
                + "AND ended_at IS NOT NULL", initiator).get(0).get("n"));
    }

    private double retries() {
        String metrics = given().get("/q/metrics").then().extract().asString();
        return metrics.lines().filter(l -> l.startsWith("aibridge_recorder_database_retries_total{topic=\"aibridge.interceptions.v1\"}"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

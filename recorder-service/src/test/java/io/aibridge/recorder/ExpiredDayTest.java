package io.aibridge.recorder;

import io.aibridge.events.CloudEventHeaders;
import io.aibridge.events.Topics;
import io.aibridge.recorder.consumer.DeadLetters;
import io.aibridge.testing.KafkaEvents;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PostgresTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Retention detaches an expired day's partitions first and drops them later. A late event of such
 * a day neither blocks the consumer nor brings the day back: it is dead-lettered.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(PostgresTestResource.class)
class ExpiredDayTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    DataSource dataSource;

    private RecorderKafka kafka;
    private Rows rows;

    @BeforeEach
    void connect() {
        kafka = new RecorderKafka(bootstrapServers);
        rows = new Rows(dataSource);
    }

    @AfterEach
    void disconnect() {
        kafka.close();
    }

    @Test
    void aLateEventOfADetachedDayIsDeadLetteredAndTheEventsBehindItAreStored() {
        UUID alice = UUID.randomUUID();
        // a day of its own, long ago, so that no other test writes it
        LocalDate day = LocalDate.of(2001, 1, 1).plusDays(ThreadLocalRandom.current().nextInt(3000));
        String tokenUsages = "aibridge_token_usages_p" + day.format(DateTimeFormatter.BASIC_ISO_DATE);
        TestEvents.Interception old = new TestEvents.Interception(alice, day.atTime(12, 0).toInstant(ZoneOffset.UTC));
        kafka.events().publish(old.started(), old.tokens(1, 2, 0, 0, 10), old.ended(20));
        await().atMost(Duration.ofSeconds(30)).until(() -> rows.children("aibridge_token_usages", old.id).size() == 1);

        // retention's first step: the day is detached, and dropped only later
        rows.execute("ALTER TABLE aibridge_token_usages DETACH PARTITION " + tokenUsages);
        var late = old.tokens(3, 4, 0, 0, 30);
        TestEvents.Interception now = new TestEvents.Interception(alice, TestEvents.now());
        kafka.events().publish(late, now.started(), now.tokens(5, 6, 0, 0, 10), now.ended(20));

        await().atMost(Duration.ofSeconds(30)).until(() -> rows.children("aibridge_token_usages", now.id).size() == 1);
        List<ConsumerRecord<String, byte[]>> dead = await().atMost(Duration.ofSeconds(30)).until(
                () -> kafka.events().records(Topics.INTERCEPTIONS_DEAD_LETTER).stream()
                        .filter(r -> late.eventId().toString().equals(KafkaEvents.header(r, CloudEventHeaders.ID))).toList(),
                records -> !records.isEmpty());
        assertThat(KafkaEvents.header(dead.get(0), DeadLetters.REASON)).contains("the day " + day + " is being purged");
        // not stored, neither in the detached table nor in a new partition of that day
        assertThat(rows.query("SELECT inhrelid FROM pg_inherits WHERE inhrelid = to_regclass(?)", tokenUsages)).isEmpty();
        assertThat(rows.query("SELECT id FROM " + tokenUsages + " WHERE id = ?", late.eventId())).isEmpty();
        assertThat(rows.query("SELECT id FROM aibridge_token_usages WHERE id = ?", late.eventId())).isEmpty();
    }

    @Test
    void aDayThisRecorderNeverWroteIsNotRecreatedWhileItsPartitionIsDetached() {
        UUID alice = UUID.randomUUID();
        LocalDate day = LocalDate.of(2010, 1, 1).plusDays(ThreadLocalRandom.current().nextInt(3000));
        String tokenUsages = "aibridge_token_usages_p" + day.format(DateTimeFormatter.BASIC_ISO_DATE);
        rows.execute("SELECT aibridge_ensure_day_partitions(?, ?)", day, day);
        rows.execute("ALTER TABLE aibridge_token_usages DETACH PARTITION " + tokenUsages);

        TestEvents.Interception old = new TestEvents.Interception(alice, day.atTime(8, 0).toInstant(ZoneOffset.UTC));
        TestEvents.Interception now = new TestEvents.Interception(alice, TestEvents.now());
        kafka.events().publish(old.started(), old.ended(20), now.started(), now.ended(20));

        await().atMost(Duration.ofSeconds(30)).until(() -> rows.interception(now.id) != null
                && rows.interception(now.id).get("ended_at") != null);
        await().atMost(Duration.ofSeconds(30)).until(() -> kafka.events().records(Topics.INTERCEPTIONS_DEAD_LETTER).stream()
                .filter(r -> old.id.toString().equals(r.key())).count() == 2);
        assertThat(rows.interception(old.id)).isNull();
        assertThat(rows.query("SELECT inhrelid FROM pg_inherits WHERE inhrelid = to_regclass(?)", tokenUsages)).isEmpty();
    }

    @Test
    void aDayAtOrBeforeTheRetentionHorizonIsNotCreatedAgainButADayAfterItIs() {
        UUID alice = UUID.randomUUID();
        // before every other test's days: the horizon is one row for the whole database
        LocalDate horizon = LocalDate.of(1995, 1, 1).plusDays(ThreadLocalRandom.current().nextInt(1000));
        LocalDate purged = horizon.minusDays(3);
        LocalDate after = horizon.plusDays(1);
        rows.execute("INSERT INTO aibridge_retention_horizon (purged_through) VALUES (?)", horizon);
        try {
            // retention dropped these days (and the recorder has forgotten them): their tables do not exist
            TestEvents.Interception old = new TestEvents.Interception(alice, purged.atTime(8, 0).toInstant(ZoneOffset.UTC));
            TestEvents.Interception onHorizon = new TestEvents.Interception(alice, horizon.atTime(23, 0).toInstant(ZoneOffset.UTC));
            TestEvents.Interception young = new TestEvents.Interception(alice, after.atTime(0, 30).toInstant(ZoneOffset.UTC));
            kafka.events().publish(old.started(), old.ended(20), onHorizon.started(), onHorizon.ended(20),
                    young.started(), young.ended(20));

            await().atMost(Duration.ofSeconds(30)).until(() -> rows.interception(young.id) != null
                    && rows.interception(young.id).get("ended_at") != null);
            List<ConsumerRecord<String, byte[]>> dead = await().atMost(Duration.ofSeconds(30)).until(
                    () -> kafka.events().records(Topics.INTERCEPTIONS_DEAD_LETTER).stream()
                            .filter(r -> old.id.toString().equals(r.key()) || onHorizon.id.toString().equals(r.key())).toList(),
                    records -> records.size() >= 4);
            assertThat(dead).hasSize(4);
            assertThat(dead).allSatisfy(r -> assertThat(KafkaEvents.header(r, DeadLetters.REASON))
                    .contains("is being purged by retention").contains("already dropped"));
            assertThat(rows.interception(old.id)).isNull();
            assertThat(rows.interception(onHorizon.id)).isNull();
            for (LocalDate day : List.of(purged, horizon)) {
                assertThat(rows.query("SELECT to_regclass(?) AS t WHERE to_regclass(?) IS NOT NULL",
                        partition(day), partition(day))).as("partition of %s", day).isEmpty();
            }
            assertThat(rows.query("SELECT to_regclass(?) AS t WHERE to_regclass(?) IS NOT NULL",
                    partition(after), partition(after))).hasSize(1);
        } finally {
            rows.execute("DELETE FROM aibridge_retention_horizon");
        }
    }

    private static String partition(LocalDate day) {
        return "aibridge_interceptions_p" + day.format(DateTimeFormatter.BASIC_ISO_DATE);
    }
}

package io.aibridge.recorder;

import io.aibridge.events.ApiKeyCreated;
import io.aibridge.events.CloudEventHeaders;
import io.aibridge.events.EncodedEvent;
import io.aibridge.events.EventCodec;
import io.aibridge.events.Role;
import io.aibridge.events.Topics;
import io.aibridge.events.UserStatus;
import io.aibridge.events.UserUpserted;
import io.aibridge.recorder.consumer.DeadLetter;
import io.aibridge.recorder.consumer.DeadLetters;
import io.aibridge.testing.KafkaEvents;
import io.aibridge.testing.LogLines;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PostgresTestResource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Records that can never be stored go to the dead-letter topic with the reason; the records behind them are stored. */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(PostgresTestResource.class)
class DeadLetterTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    DataSource dataSource;

    @Inject
    MeterRegistry registry;

    private RecorderKafka kafka;
    private Rows rows;
    private final EventCodec codec = new EventCodec("/aibridge/tests");

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
    void poisonRecordsAreDeadLetteredWithTheReasonAndTheRecordsBehindThemAreStored() {
        UUID alice = UUID.randomUUID();
        TestEvents.Interception interception = new TestEvents.Interception(alice, TestEvents.now());
        String key = interception.id.toString();
        EncodedEvent prompt = codec.encode(interception.prompt("still recorded", 10));
        KafkaEvents events = kafka.events();

        events.publish(interception.started());
        events.publishRaw(Topics.INTERCEPTIONS, key, prompt.headers(), "{not json".getBytes(StandardCharsets.UTF_8));
        events.publishRaw(Topics.INTERCEPTIONS, key, with(prompt.headers(), CloudEventHeaders.TYPE, "io.aibridge.interception.teleported.v1"), prompt.body());
        events.publishRaw(Topics.INTERCEPTIONS, key, Map.of("content-type", "application/json"), prompt.body());
        String negativeTokens = new String(codec.encode(interception.tokens(1, 2, 3, 4, 20)).body(), StandardCharsets.UTF_8)
                .replace("\"input_tokens\":1", "\"input_tokens\":-1");
        EncodedEvent tokens = codec.encode(interception.tokens(1, 2, 3, 4, 20));
        events.publishRaw(Topics.INTERCEPTIONS, key, with(tokens.headers(), CloudEventHeaders.ID, idOf(negativeTokens)),
                negativeTokens.getBytes(StandardCharsets.UTF_8));
        EncodedEvent user = codec.encode(new UserUpserted(UUID.randomUUID(), alice, "alice", "", null, "", Role.MEMBER,
                UserStatus.ACTIVE, Instant.now(), Instant.now()));
        events.publishRaw(Topics.INTERCEPTIONS, key, user.headers(), user.body());
        String farFuture = new String(prompt.body(), StandardCharsets.UTF_8).replaceFirst("\"created_at\":\"[^\"]+\"",
                "\"created_at\":\"+10000-01-01T00:00:00Z\"");
        events.publishRaw(Topics.INTERCEPTIONS, key, prompt.headers(), farFuture.getBytes(StandardCharsets.UTF_8));
        events.publish(prompt);
        events.publish(interception.ended(50));

        await().atMost(Duration.ofSeconds(30)).until(() -> rows.sessions(List.of(alice)).size() == 1);
        assertThat(rows.children("aibridge_user_prompts", interception.id)).singleElement()
                .satisfies(p -> assertThat(p).containsEntry("prompt", "still recorded"));
        assertThat(rows.children("aibridge_token_usages", interception.id)).isEmpty();

        List<ConsumerRecord<String, byte[]>> dead = awaitDeadLetters(Topics.INTERCEPTIONS_DEAD_LETTER, key, 6);
        assertThat(dead).extracting(r -> KafkaEvents.header(r, DeadLetters.REASON)).satisfiesExactly(
                reason -> assertThat(reason).startsWith("io.aibridge.interception.prompt.recorded.v1: Unexpected character"),
                reason -> assertThat(reason).isEqualTo("unknown ce_type 'io.aibridge.interception.teleported.v1'"),
                reason -> assertThat(reason).isEqualTo("ce_specversion is missing, expected 1.0"),
                reason -> assertThat(reason).contains("input_tokens must not be negative"),
                reason -> assertThat(reason).isEqualTo("io.aibridge.identity.user.upserted.v1 does not belong on aibridge.interceptions.v1"),
                reason -> assertThat(reason).isEqualTo("created_at +10000-01-01T00:00:00Z is outside the years 0001-9999 that RFC 3339 allows"));
        ConsumerRecord<String, byte[]> notJson = dead.get(0);
        assertThat(new String(notJson.value(), StandardCharsets.UTF_8)).isEqualTo("{not json");
        assertThat(KafkaEvents.header(notJson, CloudEventHeaders.TYPE)).isEqualTo("io.aibridge.interception.prompt.recorded.v1");
        assertThat(KafkaEvents.header(notJson, DeadLetters.ORIGINAL_TOPIC)).isEqualTo(Topics.INTERCEPTIONS);
        assertThat(KafkaEvents.header(notJson, DeadLetters.ORIGINAL_PARTITION)).matches("[0-9]+");
        assertThat(dead).extracting(r -> Long.parseLong(KafkaEvents.header(r, DeadLetters.ORIGINAL_OFFSET))).isSorted()
                .doesNotHaveDuplicates();
    }

    @Test
    void aNewerVersionOfAKnownTypeIsSkippedAndCountedWhileItsTwinIsStoredAndUnknownTypesAreStillDeadLettered() {
        // During a migration producers publish both versions (EVENTS.md). As it was, every v2 twin was
        // dead-lettered as invalid_event: the dead-letter topic and its alerts at the full event rate.
        try (LogLines log = LogLines.of(io.aibridge.recorder.consumer.BatchConsumer.class)) {
            double skippedBefore = skipped(Topics.INTERCEPTIONS);
            UUID alice = UUID.randomUUID();
            TestEvents.Interception one = new TestEvents.Interception(alice, TestEvents.now());
            TestEvents.Interception two = new TestEvents.Interception(alice, TestEvents.now());
            String key = one.id.toString();
            KafkaEvents events = kafka.events();
            for (TestEvents.Interception interception : List.of(one, two)) {
                EncodedEvent started = codec.encode(interception.started());
                events.publish(started);
                events.publishRaw(Topics.INTERCEPTIONS, started.key(),
                        with(started.headers(), CloudEventHeaders.TYPE, "io.aibridge.interception.started.v2"), started.body());
            }
            EncodedEvent prompt = codec.encode(one.prompt("recorded in v1", 10));
            events.publishRaw(Topics.INTERCEPTIONS, key, with(prompt.headers(), CloudEventHeaders.TYPE, "io.aibridge.bogus.v1"), prompt.body());
            events.publishRaw(Topics.INTERCEPTIONS, key, with(prompt.headers(), CloudEventHeaders.TYPE, "com.example.prompt.recorded.v2"),
                    prompt.body());
            // a newer version of a type of the other topic is as misplaced as its known version
            events.publishRaw(Topics.INTERCEPTIONS, key,
                    with(prompt.headers(), CloudEventHeaders.TYPE, "io.aibridge.identity.user.upserted.v2"), prompt.body());
            events.publish(prompt);
            events.publish(one.ended(30), two.ended(40));

            await().atMost(Duration.ofSeconds(30)).until(() -> rows.sessions(List.of(alice)).size() == 2);
            kafka.awaitConsumed("aibridge-recorder", Topics.INTERCEPTIONS);
            assertThat(rows.interception(one.id)).containsEntry("http_status", "200");
            assertThat(rows.interception(two.id)).containsEntry("http_status", "200");
            assertThat(rows.children("aibridge_user_prompts", one.id)).singleElement()
                    .satisfies(p -> assertThat(p).containsEntry("prompt", "recorded in v1"));

            List<ConsumerRecord<String, byte[]>> dead = awaitDeadLetters(Topics.INTERCEPTIONS_DEAD_LETTER, key, 3);
            assertThat(dead).extracting(r -> KafkaEvents.header(r, DeadLetters.REASON)).containsExactly(
                    "unknown ce_type 'io.aibridge.bogus.v1'",
                    "unknown ce_type 'com.example.prompt.recorded.v2'",
                    "io.aibridge.identity.user.upserted.v2 does not belong on aibridge.interceptions.v1");
            List<String> keys = List.of(one.id.toString(), two.id.toString());
            assertThat(kafka.events().records(Topics.INTERCEPTIONS_DEAD_LETTER)).filteredOn(r -> keys.contains(r.key()))
                    .extracting(r -> KafkaEvents.header(r, CloudEventHeaders.TYPE))
                    .doesNotContain("io.aibridge.interception.started.v2");
            assertThat(skipped(Topics.INTERCEPTIONS) - skippedBefore).isEqualTo(2.0);
            assertThat(log.lines()).filteredOn(line -> line.contains("io.aibridge.interception.started.v2")).singleElement()
                    .satisfies(line -> assertThat(line).contains("newer version of io.aibridge.interception.started.v1"));
        }
    }

    private double skipped(String topic) {
        Counter counter = registry.find("aibridge.recorder.events.skipped").tags("topic", topic, "reason", "newer_version").counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void anEventThePostgresRefusesIsDeadLetteredAloneAndTheRestOfItsBatchIsStored() {
        UUID alice = UUID.randomUUID();
        TestEvents.Interception interception = new TestEvents.Interception(alice, TestEvents.now());
        String refused = "refuse me " + UUID.randomUUID();
        // Installed for the rest of the test database's life: the refusal is permanent, as in the
        // cases this stands for, so a replay of the topic refuses the prompt again.
        rows.execute("""
                CREATE OR REPLACE FUNCTION refuse_marked_prompt() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.prompt LIKE 'refuse me %' THEN
                        RAISE EXCEPTION 'prompt refused by a test trigger' USING ERRCODE = 'check_violation';
                    END IF;
                    RETURN NEW;
                END $$""");
        rows.execute("CREATE OR REPLACE TRIGGER refuse_marked_prompt BEFORE INSERT ON aibridge_user_prompts "
                + "FOR EACH ROW EXECUTE FUNCTION refuse_marked_prompt()");
        var bad = interception.prompt(refused, 10);
        kafka.events().publish(interception.started(), interception.tokens(5, 6, 0, 0, 15), bad, interception.ended(20));

        await().atMost(Duration.ofSeconds(30)).until(() -> rows.sessions(List.of(alice)).size() == 1);
        assertThat(rows.children("aibridge_token_usages", interception.id)).hasSize(1);
        assertThat(rows.children("aibridge_user_prompts", interception.id)).isEmpty();
        List<ConsumerRecord<String, byte[]>> dead = awaitDeadLetters(Topics.INTERCEPTIONS_DEAD_LETTER, interception.id.toString(), 1);
        assertThat(KafkaEvents.header(dead.get(0), CloudEventHeaders.ID)).isEqualTo(bad.eventId().toString());
        assertThat(KafkaEvents.header(dead.get(0), DeadLetters.REASON))
                .startsWith("database refused the event: SQLSTATE 23514").contains("prompt refused by a test trigger");
    }

    @Test
    void aPoisonIdentityRecordIsDeadLetteredToTheIdentityDeadLetterTopic() {
        String keyId = "key" + UUID.randomUUID().toString().substring(0, 8);
        kafka.events().publishRaw(Topics.IDENTITY, keyId, Map.of(CloudEventHeaders.SPEC_VERSION, "1.0",
                CloudEventHeaders.TYPE, "io.aibridge.identity.api_key.created.v1", CloudEventHeaders.ID, UUID.randomUUID().toString()),
                "[]".getBytes(StandardCharsets.UTF_8));
        List<ConsumerRecord<String, byte[]>> dead = awaitDeadLetters(Topics.IDENTITY_DEAD_LETTER, keyId, 1);
        assertThat(KafkaEvents.header(dead.get(0), DeadLetters.REASON)).contains("not a JSON object");
        assertThat(KafkaEvents.header(dead.get(0), DeadLetters.ORIGINAL_TOPIC)).isEqualTo(Topics.IDENTITY);
    }

    @Test
    void anOverLongModelAndToolCallIdAreStoredCutAndTheRecordsBehindThemAreStored() throws Exception {
        // 8 KB of random Base64 does not compress: as it was, no index entry could hold it, PostgreSQL
        // refused the batch with SQLSTATE 54000 on every attempt, and the consumer stayed paused.
        UUID alice = UUID.randomUUID();
        String model = randomBase64(8 * 1024);
        String callId = randomBase64(8 * 1024);
        TestEvents.Interception parent = new TestEvents.Interception(alice, TestEvents.now()).model(model);
        TestEvents.Interception child = new TestEvents.Interception(alice, parent.startedAt.plusSeconds(5)).answering(callId);
        TestEvents.Interception normal = new TestEvents.Interception(alice, TestEvents.now());
        kafka.events().publish(parent.started(), parent.toolCall(callId, 10), parent.ended(20));
        kafka.events().publish(child.started(), child.ended(30));
        kafka.events().publish(normal.started(), normal.prompt("after the long ones", 5), normal.ended(20));

        await().atMost(Duration.ofSeconds(30)).until(() -> rows.interception(normal.id) != null
                && "200".equals(rows.interception(normal.id).get("http_status")));
        assertThat(rows.children("aibridge_user_prompts", normal.id)).hasSize(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> rows.interception(child.id) != null
                && rows.interception(child.id).get("ended_at") != null);

        String cutModel = model.substring(0, 256);
        assertThat(rows.interception(parent.id)).containsEntry("model", cutModel).containsEntry("http_status", "200");
        String cutCallId = callId.substring(0, 256 - 65) + "~" + HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(callId.getBytes(StandardCharsets.UTF_8)));
        assertThat(rows.children("aibridge_tool_usages", parent.id)).singleElement()
                .satisfies(t -> assertThat(t).containsEntry("provider_tool_call_id", cutCallId));
        // the child's correlating id is cut the same way, so it is still linked to its parent
        assertThat(rows.interception(child.id)).containsEntry("correlating_tool_call_id", cutCallId)
                .containsEntry("thread_parent_id", parent.id.toString());
        assertThat(rows.query("SELECT array_to_string(models, ',') AS models FROM aibridge_sessions WHERE session_id = ?",
                parent.id.toString())).singleElement().satisfies(r -> assertThat(r.get("models").split(","))
                .containsExactlyInAnyOrder(cutModel, "claude-sonnet-4-5"));
    }

    @Test
    void aSessionOfManyLongModelsIsRecordedWholeAndNothingOfItIsDeadLettered() {
        // As it was, the session's summary collected every distinct model until it no longer fitted
        // its covering index (SQLSTATE 54000): the event that would add one more model was
        // dead-lettered, and so was every later event of the session, which escaped recording.
        UUID alice = UUID.randomUUID();
        String session = "long-models-" + UUID.randomUUID();
        List<String> models = new java.util.ArrayList<>(List.of("claude-sonnet-4-5", "gpt-5", "claude-opus-4"));
        for (int i = 0; i < 40; i++) {
            models.add(randomBase64(256)); // the longest model the proxy takes, incompressible
        }
        Instant start = TestEvents.now();
        List<TestEvents.Interception> interceptions = new java.util.ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            TestEvents.Interception interception = new TestEvents.Interception(alice, start.plusMillis(i))
                    .clientSession(session).model(models.get(i));
            interceptions.add(interception);
            kafka.events().publish(interception.started(), interception.prompt("prompt " + i, 5),
                    interception.tokens(10, 20, 0, 0, 6), interception.ended(10));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> sessionInterceptions(alice, session) == models.size());

        // later events of the session are stored too
        String laterModel = randomBase64(256);
        TestEvents.Interception later = new TestEvents.Interception(alice, start.plusSeconds(1)).clientSession(session)
                .model(laterModel);
        TestEvents.Interception last = new TestEvents.Interception(alice, start.plusSeconds(2)).clientSession(session);
        interceptions.add(later);
        interceptions.add(last);
        kafka.events().publish(later.started(), later.prompt("later", 5), later.tokens(10, 20, 0, 0, 6), later.ended(10));
        kafka.events().publish(last.started(), last.prompt("last", 5), last.tokens(10, 20, 0, 0, 6), last.ended(10));
        await().atMost(Duration.ofSeconds(60)).until(() -> sessionInterceptions(alice, session) == models.size() + 2);

        for (TestEvents.Interception interception : interceptions) {
            assertThat(rows.interception(interception.id)).containsEntry("http_status", "200");
            assertThat(rows.children("aibridge_user_prompts", interception.id)).hasSize(1);
            assertThat(rows.children("aibridge_token_usages", interception.id)).hasSize(1);
        }
        assertThat(rows.interception(later.id)).containsEntry("model", laterModel);
        assertThat(rows.query("""
                SELECT interceptions, input_tokens, last_prompt, cardinality(models) AS count, models_cut IS NOT NULL AS cut,
                       (SELECT sum(octet_length(m)) FROM unnest(models) AS m) AS bytes,
                       models @> ARRAY['claude-sonnet-4-5', 'gpt-5', 'claude-opus-4'] AS ordinary
                FROM aibridge_sessions WHERE session_id = ? AND initiator_id = ?""", session, alice))
                .singleElement().satisfies(s -> {
                    assertThat(s).containsEntry("interceptions", "45").containsEntry("input_tokens", "450")
                            .containsEntry("last_prompt", "last").containsEntry("cut", "true").containsEntry("ordinary", "true");
                    assertThat(Integer.parseInt(s.get("count"))).isLessThanOrEqualTo(32);
                    assertThat(Integer.parseInt(s.get("bytes"))).isLessThanOrEqualTo(1024);
                });
        List<String> keys = interceptions.stream().map(i -> i.id.toString()).toList();
        assertThat(kafka.events().records(Topics.INTERCEPTIONS_DEAD_LETTER)).noneMatch(r -> keys.contains(r.key()));
    }

    private long sessionInterceptions(UUID initiator, String session) {
        List<Map<String, String>> found = rows.query("SELECT count(*) AS n FROM aibridge_interceptions i "
                + "WHERE i.initiator_id = ? AND i.session_id = ? AND i.ended_at IS NOT NULL AND EXISTS "
                + "(SELECT 1 FROM aibridge_user_prompts p WHERE p.interception_id = i.id) AND EXISTS "
                + "(SELECT 1 FROM aibridge_token_usages t WHERE t.interception_id = i.id)", initiator, session);
        return Long.parseLong(found.get(0).get("n"));
    }

    @Test
    void aRecordNoIndexEntryCanHoldIsDeadLetteredAndTheRecordsBehindItAreStored() {
        // Key ids are not cut (a cut id would name another key): PostgreSQL's program limit (SQLSTATE
        // class 54) is the record's own fault, so it is isolated and dead-lettered, never retried for ever.
        UUID owner = UUID.randomUUID();
        String longKey = "k" + randomBase64(8 * 1024);
        String nextKey = "k" + UUID.randomUUID().toString().substring(0, 8);
        kafka.events().publish(
                new ApiKeyCreated(UUID.randomUUID(), longKey, owner, "long", "0".repeat(64), Instant.now(), null),
                new ApiKeyCreated(UUID.randomUUID(), nextKey, owner, "next", "0".repeat(64), Instant.now(), null));
        await().atMost(Duration.ofSeconds(30)).until(() -> !rows.query("SELECT id FROM aibridge_api_keys WHERE id = ?", nextKey).isEmpty());
        List<ConsumerRecord<String, byte[]>> dead = awaitDeadLetters(Topics.IDENTITY_DEAD_LETTER, longKey, 1);
        assertThat(KafkaEvents.header(dead.get(0), DeadLetters.REASON)).startsWith("database refused the event: SQLSTATE 54000");
        assertThat(rows.query("SELECT id FROM aibridge_api_keys WHERE id = ?", longKey)).isEmpty();
    }

    @Test
    void aDeadLetterOfMegabytesIsPublishedWholeAndTheRecordsBehindItAreStored() {
        // As it was, the dead-letter producer's 1 MB request limit refused it on every attempt, and the consumer stayed paused.
        UUID alice = UUID.randomUUID();
        TestEvents.Interception interception = new TestEvents.Interception(alice, TestEvents.now());
        String key = interception.id.toString();
        var after = interception.prompt("after the large one", 10);
        EncodedEvent prompt = codec.encode(after);
        byte[] large = randomBase64(2 * 1024 * 1024).getBytes(StandardCharsets.UTF_8);
        publishLarge(Topics.INTERCEPTIONS, key, with(prompt.headers(), CloudEventHeaders.TYPE, "io.aibridge.interception.teleported.v1"),
                large, "none");
        kafka.events().publish(interception.started(), after, interception.ended(20));

        await().atMost(Duration.ofSeconds(30)).until(() -> rows.sessions(List.of(alice)).size() == 1);
        assertThat(rows.children("aibridge_user_prompts", interception.id)).hasSize(1);
        List<ConsumerRecord<String, byte[]>> dead = awaitDeadLetters(Topics.INTERCEPTIONS_DEAD_LETTER, key, 1);
        assertThat(dead.get(0).value()).isEqualTo(large);
        assertThat(KafkaEvents.header(dead.get(0), DeadLetters.REASON)).isEqualTo("unknown ce_type 'io.aibridge.interception.teleported.v1'");
        assertThat(KafkaEvents.header(dead.get(0), DeadLetters.TRUNCATED)).isNull();
    }

    @Test
    void aDeadLetterTooLargeForItsTopicIsPublishedWithoutItsValue() throws Exception {
        // A source topic with Kafka's 1 MB limit can hold 3 MB that its producer compressed; the letter
        // (checked uncompressed) cannot be sent whole, and retrying it would block the consumer for ever.
        String source = "dlq-source-" + UUID.randomUUID();
        kafka.events().createTopic(source, 1, Map.of("max.message.bytes", Integer.toString(1024 * 1024)));
        byte[] large = ("{\"prompt\":\"" + "laptop ".repeat(3 * 1024 * 1024 / 7) + "\"}").getBytes(StandardCharsets.UTF_8);
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>(source, 0, 42L, "the-key", large);
        record.headers().add(CloudEventHeaders.TYPE, "io.aibridge.interception.teleported.v1".getBytes(StandardCharsets.UTF_8));
        try (DeadLetters letters = new DeadLetters(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), "dlq-test")) {
            letters.publish(source + ".dlq", List.of(new DeadLetter(record, "unknown ce_type", DeadLetter.INVALID_EVENT)));
        }
        List<ConsumerRecord<String, byte[]>> dead = awaitDeadLetters(source + ".dlq", "the-key", 1);
        assertThat(dead.get(0).value()).isNull();
        assertThat(KafkaEvents.header(dead.get(0), DeadLetters.TRUNCATED))
                .isEqualTo("value left out: record of 7 key and " + large.length + " value bytes is over the dead-letter topic's limit");
        assertThat(KafkaEvents.header(dead.get(0), DeadLetters.REASON)).isEqualTo("unknown ce_type");
        assertThat(KafkaEvents.header(dead.get(0), CloudEventHeaders.TYPE)).isEqualTo("io.aibridge.interception.teleported.v1");
        assertThat(KafkaEvents.header(dead.get(0), DeadLetters.ORIGINAL_OFFSET)).isEqualTo("42");
    }

    @Test
    void aDeadLetterTopicWithASmallerLimitThanItsSourceIsRaised() throws Exception {
        // created by an earlier version with the broker's defaults
        String source = "dlq-source-" + UUID.randomUUID();
        kafka.events().createTopic(source, 1, Map.of("max.message.bytes", Integer.toString(4 * 1024 * 1024)));
        kafka.events().createTopic(source + ".dlq", 1, Map.of("max.message.bytes", Integer.toString(1024 * 1024)));
        byte[] large = randomBase64(2 * 1024 * 1024).getBytes(StandardCharsets.UTF_8);
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>(source, 0, 7L, "the-key", large);
        try (DeadLetters letters = new DeadLetters(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), "dlq-test")) {
            letters.publish(source + ".dlq", List.of(new DeadLetter(record, "unknown ce_type", DeadLetter.INVALID_EVENT)));
        }
        List<ConsumerRecord<String, byte[]>> dead = awaitDeadLetters(source + ".dlq", "the-key", 1);
        assertThat(dead.get(0).value()).isEqualTo(large);
        assertThat(KafkaEvents.header(dead.get(0), DeadLetters.TRUNCATED)).isNull();
    }

    /** Publishes one record larger than a default producer sends. */
    private void publishLarge(String topic, String key, Map<String, String> headers, byte[] value, String compression) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, RecorderKafka.INTERCEPTIONS_MAX_MESSAGE_BYTES);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
            headers.forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
            producer.send(record).get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not publish " + value.length + " bytes to " + topic, e);
        }
    }

    private static String randomBase64(int characters) {
        byte[] bytes = new byte[characters * 3 / 4];
        new SecureRandom().nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    private List<ConsumerRecord<String, byte[]>> awaitDeadLetters(String topic, String key, int count) {
        return await().atMost(Duration.ofSeconds(30)).until(
                () -> kafka.events().records(topic).stream().filter(r -> key.equals(r.key())).toList(),
                records -> records.size() >= count);
    }

    private static Map<String, String> with(Map<String, String> headers, String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return copy;
    }

    private static String idOf(String json) {
        int at = json.indexOf("\"event_id\":\"") + "\"event_id\":\"".length();
        return json.substring(at, at + 36);
    }
}

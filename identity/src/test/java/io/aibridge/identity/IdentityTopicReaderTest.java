package io.aibridge.identity;

import io.aibridge.events.ApiKeyRevoked;
import io.aibridge.events.CloudEventHeaders;
import io.aibridge.events.EncodedEvent;
import io.aibridge.events.EventCodec;
import io.aibridge.events.Role;
import io.aibridge.events.Topics;
import io.aibridge.events.UserStatus;
import io.aibridge.events.UserUpserted;
import io.aibridge.testing.KafkaBroker;
import io.aibridge.testing.LogLines;
import io.aibridge.testing.KafkaEvents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Against a real broker: the store follows the compacted topic, revocations arrive in seconds, and Kafka going away changes nothing. */
class IdentityTopicReaderTest {

    @Test
    void followsTheTopicAndKeepsAuthenticatingWhenKafkaIsGone() throws Exception {
        Instant now = Instant.now();
        UUID bob = UUID.randomUUID();
        ApiKeys.GeneratedKey kept = ApiKeys.generate();
        ApiKeys.GeneratedKey revoked = ApiKeys.generate();
        IdentityStore store = new IdentityStore(null);

        try (LogLines log = LogLines.of(IdentityTopicReader.class); KafkaBroker broker = KafkaBroker.start();
             KafkaEvents kafka = new KafkaEvents(broker.bootstrapServers())) {
            assertThat(KafkaTopics.ensure(broker.bootstrapServers(), Topics.IDENTITY, 1, (short) 1,
                    Map.of("cleanup.policy", "compact"), Duration.ofSeconds(10))).isTrue();
            kafka.publish(new UserUpserted(EventCodec.newEventId(), bob, "bob", "Bob", null, "", Role.AUDITOR,
                            UserStatus.ACTIVE, now, now),
                    new io.aibridge.events.ApiKeyCreated(EventCodec.newEventId(), kept.keyId(), bob, "ci", kept.secretHash(), now, null),
                    new io.aibridge.events.ApiKeyCreated(EventCodec.newEventId(), revoked.keyId(), bob, "old", revoked.secretHash(), now, null));

            IdentityTopicReader reader = new IdentityTopicReader(broker.bootstrapServers(), store).start();
            try {
                assertThat(reader.awaitCaughtUp(Duration.ofSeconds(20))).isTrue();
                assertThat(store.authenticate(kept.token(), Instant.now()).authenticated()).isTrue();
                assertThat(store.authenticate(revoked.token(), Instant.now()).authenticated()).isTrue();

                ApiKeyRevoked revocation = new ApiKeyRevoked(EventCodec.newEventId(), revoked.keyId(), bob, Instant.now());
                var applied = store.whenApplied(revocation.eventId());
                long published = System.nanoTime();
                kafka.publish(revocation);
                await().atMost(Duration.ofSeconds(5)).until(() -> !store.authenticate(revoked.token(), Instant.now()).authenticated());
                assertThat(applied).isDone();
                assertThat(Duration.ofNanos(System.nanoTime() - published)).isLessThan(Duration.ofSeconds(5));
            } finally {
                // the broker stops first: the store must not care
                broker.close();
                assertThat(store.authenticate(kept.token(), Instant.now()).authenticated()).isTrue();
                reader.close();
            }
        }
    }

    @Test
    void aPartitionAddedAfterTheStartIsReadAndARevocationOnItReachesTheStoreAndTheCopyOnDisk(@TempDir Path dir) throws Exception {
        // As it was, the reader looked up the partitions once: a key revoked after an operator
        // raised the partition count (its revocation hashed to a new partition) kept working on
        // every replica until it restarted.
        UUID bob = UUID.randomUUID();
        ApiKeys.GeneratedKey key = ApiKeys.generate();
        IdentityStore store = new IdentityStore(null);
        IdentitySnapshot snapshot = new IdentitySnapshot(dir.resolve("identity.snapshot"), Duration.ofHours(1));
        try (KafkaBroker broker = KafkaBroker.start(); KafkaEvents kafka = new KafkaEvents(broker.bootstrapServers())) {
            bobWithAKey(broker, kafka, bob, key);
            IdentityTopicReader reader = new IdentityTopicReader(KafkaConnection.plain(broker.bootstrapServers()), store, snapshot,
                    Duration.ofSeconds(30)).start();
            try {
                assertThat(reader.awaitCaughtUp(Duration.ofSeconds(20))).isTrue();
                assertThat(store.authenticate(key.token(), Instant.now()).authenticated()).isTrue();

                kafka.addPartitions(Topics.IDENTITY, 3);
                kafka.publishTo(2, new ApiKeyRevoked(EventCodec.newEventId(), key.keyId(), bob, Instant.now()));
                await().atMost(IdentityTopicReader.PARTITION_CHECK.plusSeconds(10))
                        .until(() -> !store.authenticate(key.token(), Instant.now()).authenticated());
            } finally {
                reader.close();
            }
        }
        // compaction keeps a key's last record per partition, and so does the copy: its creation on
        // partition 0 and its revocation on partition 2, which a start from the copy applies in any order
        assertThat(typesOnDisk(snapshot, key.keyId())).containsExactlyInAnyOrder("io.aibridge.identity.api_key.created.v1", "io.aibridge.identity.api_key.revoked.v1");
    }

    @Test
    void aRevocationReachesTheCopyOnDiskWhileTheReaderRunsAndAnInterruptedCloseStillEndsTheWriter(@TempDir Path dir) throws Exception {
        // The copy must follow the topic while the service runs (a killed proxy loses at most the
        // debounce), and a close whose thread was interrupted must not leave the writer moving the
        // copy's valid_at on while nothing reads the topic any more.
        UUID bob = UUID.randomUUID();
        ApiKeys.GeneratedKey key = ApiKeys.generate();
        IdentityStore store = new IdentityStore(null);
        IdentitySnapshot snapshot = new IdentitySnapshot(dir.resolve("identity.snapshot"), Duration.ofHours(1));
        try (KafkaBroker broker = KafkaBroker.start(); KafkaEvents kafka = new KafkaEvents(broker.bootstrapServers())) {
            bobWithAKey(broker, kafka, bob, key);
            IdentityTopicReader reader = new IdentityTopicReader(KafkaConnection.plain(broker.bootstrapServers()), store, snapshot,
                    Duration.ofSeconds(30)).snapshotDebounce(Duration.ofSeconds(1)).start();
            assertThat(reader.awaitCaughtUp(Duration.ofSeconds(20))).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> snapshot.writes() == 1);

            kafka.publish(new ApiKeyRevoked(EventCodec.newEventId(), key.keyId(), bob, Instant.now()));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> typesOnDisk(snapshot, key.keyId()).contains("io.aibridge.identity.api_key.revoked.v1"));

            Thread.currentThread().interrupt();
            try {
                reader.close();
            } finally {
                assertThat(Thread.interrupted()).as("the close keeps the interrupt").isTrue();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.isAlive() && t.getName().equals("aibridge-identity-snapshot-writer")));
        }
    }

    @Test
    void anUnchangedCopyIsRewrittenEveryTwentyFourthOfItsMaximumAgeBetweenAMinuteAndAnHour() {
        // As it was, every minute whatever the age a copy may have: 150 MB a minute at 200,000 records
        assertThat(IdentityTopicReader.snapshotRefresh(Duration.ofHours(24))).isEqualTo(Duration.ofHours(1));
        assertThat(IdentityTopicReader.snapshotRefresh(Duration.ofHours(2))).isEqualTo(Duration.ofMinutes(5));
        assertThat(IdentityTopicReader.snapshotRefresh(Duration.ofMinutes(10))).isEqualTo(Duration.ofMinutes(1));
        assertThat(IdentityTopicReader.snapshotRefresh(Duration.ofDays(30))).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void aHundredChangesOverAsManyPollsRewriteTheCopyOnDiskOnceAndTheCloseWritesTheRest(@TempDir Path dir) throws Exception {
        // As it was, the reader rewrote the whole copy after every poll that brought a change: a
        // hundred changes one poll after another made about a hundred writes of the whole file.
        Instant now = Instant.now();
        UUID bob = UUID.randomUUID();
        IdentityStore store = new IdentityStore(null);
        IdentitySnapshot snapshot = new IdentitySnapshot(dir.resolve("identity.snapshot"), Duration.ofHours(1));
        try (KafkaBroker broker = KafkaBroker.start(); KafkaEvents kafka = new KafkaEvents(broker.bootstrapServers())) {
            assertThat(KafkaTopics.ensure(broker.bootstrapServers(), Topics.IDENTITY, 1, (short) 1,
                    Map.of("cleanup.policy", "compact"), Duration.ofSeconds(10))).isTrue();
            kafka.publish(new UserUpserted(EventCodec.newEventId(), bob, "bob", "Bob", null, "", Role.MEMBER, UserStatus.ACTIVE, now, now));
            IdentityTopicReader reader = new IdentityTopicReader(KafkaConnection.plain(broker.bootstrapServers()), store, snapshot,
                    Duration.ofSeconds(30)).start();
            try {
                assertThat(reader.awaitCaughtUp(Duration.ofSeconds(20))).isTrue();
                await().atMost(Duration.ofSeconds(10)).until(() -> snapshot.writes() == 1); // at once when caught up
                long started = System.nanoTime();
                for (int i = 0; i < 100; i++) {
                    ApiKeys.GeneratedKey key = ApiKeys.generate();
                    io.aibridge.events.ApiKeyCreated created = new io.aibridge.events.ApiKeyCreated(EventCodec.newEventId(),
                            key.keyId(), bob, "key " + i, key.secretHash(), Instant.now(), null);
                    var applied = store.whenApplied(created.eventId());
                    kafka.publish(created);
                    applied.get(10, TimeUnit.SECONDS); // applied before the next is published: each comes in a poll of its own
                }
                long periods = Duration.ofNanos(System.nanoTime() - started).toSeconds() / 30;
                // the first write, and at most one for every 30 s the changes took (on a slow machine) and one under way
                assertThat(snapshot.writes()).isLessThanOrEqualTo(2 + (int) periods);
            } finally {
                reader.close();
            }
            // the close wrote what the last write had not: the user and the hundred keys
            assertThat(snapshot.read(Instant.now()).orElseThrow().entries()).hasSize(101);
        }
    }

    @Test
    void aReaderThatFoundNoTopicStaysReadyWhileItReadsTheFirstRecordsAnotherReplicaPublishes() throws Exception {
        Instant now = Instant.now();
        UUID alice = UUID.randomUUID();
        IdentityStore store = new IdentityStore(null);
        try (KafkaBroker broker = KafkaBroker.start(); KafkaEvents kafka = new KafkaEvents(broker.bootstrapServers());
             IdentityTopicReader reader = new IdentityTopicReader(broker.bootstrapServers(), store).start()) {
            await().atMost(Duration.ofSeconds(20)).until(reader::topicMissing);
            assertThat(reader.caughtUp()).isFalse();

            assertThat(KafkaTopics.ensure(broker.bootstrapServers(), Topics.IDENTITY, 3, (short) 1,
                    Map.of("cleanup.policy", "compact"), Duration.ofSeconds(10))).isTrue();
            kafka.publish(new UserUpserted(EventCodec.newEventId(), alice, "alice", "Alice", null, "", Role.OWNER,
                    UserStatus.ACTIVE, now, now));

            // sampled as fast as the readiness check could be asked, until the reader has the new topic's records
            long samples = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!reader.caughtUp() && System.nanoTime() < deadline) {
                assertThat(reader.topicMissing() || reader.caughtUp())
                        .as("ready (topic missing or caught up) at sample %d", samples).isTrue();
                samples++;
            }
            assertThat(reader.caughtUp()).isTrue();
            assertThat(reader.topicMissing()).isFalse();
            assertThat(samples).isPositive();
        }
    }

    @Test
    void recordsOfANewerVersionOrAnUnknownTypeAreSkippedWithOneLogLinePerType() throws Exception {
        // During a migration producers publish both versions (EVENTS.md): as it was, every v2 twin
        // was logged as an invalid record, one WARN line per record.
        List<String> lines;
        Instant now = Instant.now();
        UUID alice = UUID.randomUUID();
        UUID bob = UUID.randomUUID();
        EventCodec codec = new EventCodec("/aibridge/tests");
        IdentityStore store = new IdentityStore(null);
        try (LogLines log = LogLines.of(IdentityTopicReader.class); KafkaBroker broker = KafkaBroker.start();
             KafkaEvents kafka = new KafkaEvents(broker.bootstrapServers())) {
            assertThat(KafkaTopics.ensure(broker.bootstrapServers(), Topics.IDENTITY, 1, (short) 1,
                    Map.of("cleanup.policy", "compact"), Duration.ofSeconds(10))).isTrue();
            for (UUID id : List.of(alice, bob)) {
                EncodedEvent user = codec.encode(new UserUpserted(EventCodec.newEventId(), id, "user-" + id, "", null, "",
                        Role.MEMBER, UserStatus.ACTIVE, now, now));
                kafka.publish(user);
                kafka.publishRaw(Topics.IDENTITY, user.key(), withType(user, "io.aibridge.identity.user.upserted.v2"), user.body());
                kafka.publishRaw(Topics.IDENTITY, user.key(), withType(user, "io.aibridge.bogus.v1"), user.body());
            }

            try (IdentityTopicReader reader = new IdentityTopicReader(broker.bootstrapServers(), store).start()) {
                assertThat(reader.awaitCaughtUp(Duration.ofSeconds(20))).isTrue();
                assertThat(store.user(alice)).isPresent();
                assertThat(store.user(bob)).isPresent();
            }
            lines = log.lines();
        }
        assertThat(lines).filteredOn(line -> line.contains("io.aibridge.identity.user.upserted.v2")).singleElement()
                .satisfies(line -> assertThat(line).contains("a newer version of io.aibridge.identity.user.upserted.v1"));
        assertThat(lines).filteredOn(line -> line.contains("io.aibridge.bogus.v1")).singleElement()
                .satisfies(line -> assertThat(line).contains("unknown ce_type 'io.aibridge.bogus.v1'"));
    }

    private static Map<String, String> withType(EncodedEvent event, String ceType) {
        Map<String, String> headers = new LinkedHashMap<>(event.headers());
        headers.put(CloudEventHeaders.TYPE, ceType);
        return headers;
    }

    /** The event types of the records of {@code key} in the copy on disk now. */
    private static List<String> typesOnDisk(IdentitySnapshot snapshot, String key) {
        return snapshot.read(Instant.now()).orElseThrow().entries().stream()
                .filter(e -> e.key().equals(key)).map(e -> e.headers().get(CloudEventHeaders.TYPE)).toList();
    }

    /** A compacted identity topic of one partition holding the user bob and one key of his. */
    private static void bobWithAKey(KafkaBroker broker, KafkaEvents kafka, UUID bob, ApiKeys.GeneratedKey key) {
        Instant now = Instant.now();
        assertThat(KafkaTopics.ensure(broker.bootstrapServers(), Topics.IDENTITY, 1, (short) 1,
                Map.of("cleanup.policy", "compact"), Duration.ofSeconds(10))).isTrue();
        kafka.publish(new UserUpserted(EventCodec.newEventId(), bob, "bob", "Bob", null, "", Role.MEMBER, UserStatus.ACTIVE, now, now),
                new io.aibridge.events.ApiKeyCreated(EventCodec.newEventId(), key.keyId(), bob, "ci", key.secretHash(), now, null));
    }
}

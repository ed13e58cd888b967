package io.aibridge.identity;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.events.ApiKeyCreated;
import io.aibridge.events.ApiKeyRevoked;
import io.aibridge.events.EventCodec;
import io.aibridge.events.Role;
import io.aibridge.events.Topics;
import io.aibridge.events.UserStatus;
import io.aibridge.events.UserUpserted;
import io.aibridge.testing.KafkaBroker;
import io.aibridge.testing.KafkaEvents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The copy of the identity topic on disk: written while the reader follows the topic, and used by
 * a reader that starts while Kafka does not answer, so that known keys keep working across a
 * restart during an outage, revocations included. A copy too old, or damaged, is not used.
 */
class IdentitySnapshotTest {

    @TempDir
    Path dir;

    @Test
    void aReaderStartedWhileKafkaIsDownServesTheKeysOfTheCopyTheLastOneLeft() throws Exception {
        UUID bob = UUID.randomUUID();
        ApiKeys.GeneratedKey kept = ApiKeys.generate();
        ApiKeys.GeneratedKey revoked = ApiKeys.generate();
        IdentitySnapshot snapshot = new IdentitySnapshot(dir.resolve("identity.snapshot"), Duration.ofHours(1));
        String address;
        try (KafkaBroker broker = KafkaBroker.start(); KafkaEvents kafka = new KafkaEvents(broker.bootstrapServers())) {
            address = broker.bootstrapServers();
            assertThat(KafkaTopics.ensure(address, Topics.IDENTITY, 1, (short) 1, Map.of("cleanup.policy", "compact"),
                    Duration.ofSeconds(10))).isTrue();
            Instant now = Instant.now();
            kafka.publish(new UserUpserted(EventCodec.newEventId(), bob, "bob", "Bob", null, "", Role.MEMBER, UserStatus.ACTIVE, now, now),
                    new ApiKeyCreated(EventCodec.newEventId(), kept.keyId(), bob, "laptop", kept.secretHash(), now, null),
                    new ApiKeyCreated(EventCodec.newEventId(), revoked.keyId(), bob, "old", revoked.secretHash(), now, null));
            IdentityStore store = new IdentityStore(null);
            try (IdentityTopicReader reader = new IdentityTopicReader(KafkaConnection.plain(address), store, snapshot,
                    Duration.ofSeconds(1)).start()) {
                assertThat(reader.awaitCaughtUp(Duration.ofSeconds(20))).isTrue();
                assertThat(reader.servingSnapshot()).isFalse();
                ApiKeyRevoked revocation = new ApiKeyRevoked(EventCodec.newEventId(), revoked.keyId(), bob, Instant.now());
                var applied = store.whenApplied(revocation.eventId());
                kafka.publish(revocation);
                applied.get(10, TimeUnit.SECONDS);
            } // written at once when caught up, and at the close if the revocation came after that write
            assertThat(Files.readString(snapshot.file()).split(revoked.keyId(), -1).length).as("created and revoked").isEqualTo(3);
        }

        // Kafka is gone (its port closed); a new reader with an empty store
        IdentityStore store = new IdentityStore(null);
        try (IdentityTopicReader reader = new IdentityTopicReader(KafkaConnection.plain(address), store, snapshot,
                Duration.ofSeconds(1)).start()) {
            assertThat(store.authenticate(kept.token(), Instant.now()).authenticated()).as("nothing before the wait").isFalse();
            await().atMost(Duration.ofSeconds(10)).until(reader::servingSnapshot);
            assertThat(store.authenticate(kept.token(), Instant.now()).authenticated()).isTrue();
            assertThat(store.authenticate(revoked.token(), Instant.now()).authenticated()).isFalse();
            assertThat(store.user(bob)).isPresent();
            assertThat(reader.caughtUp()).isFalse();
        }
    }

    @Test
    void aCopyOlderThanItsMaximumAgeOrDamagedIsNotUsed() throws Exception {
        IdentitySnapshot snapshot = new IdentitySnapshot(dir.resolve("identity.snapshot"), Duration.ofHours(1));
        EventCodec codec = new EventCodec("/aibridge/tests");
        UUID ann = UUID.randomUUID();
        Instant now = Instant.now();
        var encoded = codec.encode(new UserUpserted(EventCodec.newEventId(), ann, "ann", "Ann", null, "", Role.OWNER, UserStatus.ACTIVE, now, now));
        List<IdentitySnapshot.Entry> entries = List.of(new IdentitySnapshot.Entry(encoded.key(), 0, encoded.headers(), encoded.body()));

        snapshot.write(entries, now.minus(Duration.ofMinutes(59)));
        assertThat(snapshot.read(now)).get().satisfies(c -> assertThat(c.entries()).hasSize(1));
        snapshot.write(entries, now.minus(Duration.ofMinutes(61)));
        assertThat(snapshot.read(now)).isEmpty();

        IdentityStore store = new IdentityStore(null);
        try (IdentityTopicReader reader = new IdentityTopicReader(KafkaConnection.plain("127.0.0.1:" + closedPort()), store, snapshot,
                Duration.ofMillis(300)).start()) {
            Thread.sleep(1_500);
            assertThat(reader.servingSnapshot()).isFalse();
            assertThat(store.user(ann)).isEmpty();
        }

        Files.writeString(snapshot.file(), "{\"format\": 1, \"valid_at\": \"" + now + "\", \"records\": [{\"key\": \"x\", \"value\": \"%%%\"}]}");
        assertThat(snapshot.read(now)).isEmpty();
        Files.writeString(snapshot.file(), "{\"format\": 1, \"valid_at\": \"" + now + "\", \"rec");
        assertThat(snapshot.read(now)).isEmpty();
        Files.writeString(snapshot.file(), "{\"format\": 1, \"records\": []}");
        assertThat(snapshot.read(now)).as("no valid_at").isEmpty();
        Files.writeString(snapshot.file(), "{\"format\": 2, \"valid_at\": \"" + now + "\", \"records\": []}");
        assertThat(snapshot.read(now)).as("a format this reader does not know").isEmpty();
        assertThat(new IdentitySnapshot(dir.resolve("none"), Duration.ofHours(1)).read(now)).isEmpty();
    }

    @Test
    void twoHundredThousandEntriesAreWrittenRecordByRecordAndReadBackEqual() throws Exception {
        // 100,000 users and 100,000 keys. As it was, the writer built a tree of every record and a
        // byte array of the whole file before writing it: several times the file's size in memory.
        int count = 200_000;
        EventCodec codec = new EventCodec("/aibridge/query-service");
        Instant now = Instant.now();
        var user = codec.encode(new UserUpserted(EventCodec.newEventId(), UUID.randomUUID(), "someone", "Some One",
                "someone@example.com", "", Role.MEMBER, UserStatus.ACTIVE, now, now));
        List<IdentitySnapshot.Entry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            entries.add(new IdentitySnapshot.Entry("key-" + i, i, user.headers(), user.body())); // one body, shared: the test's own memory stays small
        }
        IdentitySnapshot snapshot = new IdentitySnapshot(dir.resolve("identity.snapshot"), Duration.ofHours(1));

        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        snapshot.write(entries, now);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        long size = Files.size(snapshot.file());

        assertThat(size).isGreaterThan(count * (long) user.body().length);
        // a few short-lived objects per record (iterating its headers); the earlier writer allocated four times the file
        assertThat(allocated).as("bytes allocated to write a file of %d bytes", size).isLessThan(size / 2);
        List<IdentitySnapshot.Entry> read = snapshot.read(now).orElseThrow().entries();
        assertThat(read).hasSize(count);
        for (int i = 0; i < count; i++) {
            IdentitySnapshot.Entry e = read.get(i);
            assertThat(e.key()).isEqualTo("key-" + i);
            assertThat(e.offset()).isEqualTo(i);
            assertThat(e.headers()).isEqualTo(user.headers());
            assertThat(e.value()).isEqualTo(user.body());
        }
    }

    @Test
    void aCopyInTheFormatTheEarlierWriterMadeStillLoadsAndIsWhatTheWriterMakesNow() throws Exception {
        EventCodec codec = new EventCodec("/aibridge/query-service");
        Instant validAt = Instant.now().minus(Duration.ofMinutes(5));
        UUID bob = UUID.randomUUID();
        ApiKeys.GeneratedKey key = ApiKeys.generate();
        List<IdentitySnapshot.Entry> entries = new ArrayList<>();
        for (var event : List.of(
                new UserUpserted(EventCodec.newEventId(), bob, "bob", "Bob \"ünïcode\" ✓", null, "", Role.AUDITOR, UserStatus.ACTIVE, validAt, validAt),
                new ApiKeyCreated(EventCodec.newEventId(), key.keyId(), bob, "laptop", key.secretHash(), validAt, null),
                new ApiKeyRevoked(EventCodec.newEventId(), key.keyId(), bob, validAt))) {
            var encoded = codec.encode(event);
            entries.add(new IdentitySnapshot.Entry(encoded.key(), 40 + entries.size(), encoded.headers(), encoded.body()));
        }
        // the file as the writer before streaming made it: a tree of the whole copy, then its bytes
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("format", 1);
        root.put("valid_at", validAt.toString());
        ArrayNode records = root.putArray("records");
        for (IdentitySnapshot.Entry e : entries) {
            ObjectNode r = records.addObject();
            r.put("key", e.key());
            r.put("offset", e.offset());
            ObjectNode headers = r.putObject("headers");
            e.headers().forEach(headers::put);
            r.put("value", Base64.getEncoder().encodeToString(e.value()));
        }
        byte[] earlier = mapper.writeValueAsBytes(root);
        IdentitySnapshot snapshot = new IdentitySnapshot(dir.resolve("identity.snapshot"), Duration.ofHours(1));
        Files.write(snapshot.file(), earlier);

        IdentitySnapshot.Contents contents = snapshot.read(Instant.now()).orElseThrow();
        assertThat(contents.validAt()).isEqualTo(validAt);
        assertThat(contents.entries()).hasSize(3);
        for (int i = 0; i < 3; i++) {
            IdentitySnapshot.Entry read = contents.entries().get(i);
            assertThat(read.key()).isEqualTo(entries.get(i).key());
            assertThat(read.offset()).isEqualTo(40 + i);
            assertThat(read.headers()).isEqualTo(entries.get(i).headers());
            assertThat(read.value()).isEqualTo(entries.get(i).value());
        }

        // and a proxy rolled back to the earlier version reads what this one writes
        snapshot.write(entries, validAt);
        assertThat(Files.readAllBytes(snapshot.file())).isEqualTo(earlier);
    }

    private static int closedPort() throws Exception {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

package io.aibridge.identity;

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

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

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
            try (IdentityTopicReader reader = new IdentityTopicReader(KafkaConnection.plain(address), new IdentityStore(null), snapshot,
                    Duration.ofSeconds(1)).start()) {
                assertThat(reader.awaitCaughtUp(Duration.ofSeconds(20))).isTrue();
                assertThat(reader.servingSnapshot()).isFalse();
                kafka.publish(new ApiKeyRevoked(EventCodec.newEventId(), revoked.keyId(), bob, Instant.now()));
                await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(snapshot.file())
                        && Files.readString(snapshot.file()).split(revoked.keyId(), -1).length == 3); // created and revoked
            }
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
        assertThat(new IdentitySnapshot(dir.resolve("none"), Duration.ofHours(1)).read(now)).isEmpty();
    }

    private static int closedPort() throws Exception {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

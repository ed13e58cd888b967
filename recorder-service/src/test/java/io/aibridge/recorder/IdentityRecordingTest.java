package io.aibridge.recorder;

import io.aibridge.events.ApiKeyCreated;
import io.aibridge.events.ApiKeyRevoked;
import io.aibridge.events.Role;
import io.aibridge.events.Topics;
import io.aibridge.events.UserStatus;
import io.aibridge.events.UserUpserted;
import io.aibridge.recorder.identity.IdentityWriter;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The identity topic maintains the users and API keys tables: latest user version, final revocations, hashes only. */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(PostgresTestResource.class)
class IdentityRecordingTest {

    private static final String HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private static final Instant CREATED = Instant.parse("2026-11-01T09:00:00Z");

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    DataSource dataSource;

    @Inject
    IdentityWriter identityWriter;

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
    void aUserIsStoredWithEveryFieldAndOnlyANewerVersionReplacesIt() {
        UUID id = UUID.randomUUID();
        kafka.events().publish(user(id, "alice", Role.MEMBER, UserStatus.ACTIVE, "2026-11-28T09:00:00Z"));
        await().atMost(Duration.ofSeconds(30)).until(() -> !users(id).isEmpty());
        assertThat(users(id)).singleElement().isEqualTo(Map.of("id", id.toString(), "username", "alice",
                "name", "Alice Example", "email", "alice@example.com", "avatar_url", "https://example.com/a.png",
                "role", "member", "status", "active", "created_at", "2026-11-01T09:00:00Z",
                "updated_at", "2026-11-28T09:00:00Z"));

        kafka.events().publish(
                user(id, "alice", Role.OWNER, UserStatus.ACTIVE, "2026-11-28T11:00:00Z"),
                user(id, "alice-old", Role.AUDITOR, UserStatus.SUSPENDED, "2026-11-28T10:00:00Z"));
        kafka.awaitConsumed("aibridge-recorder", Topics.IDENTITY);
        assertThat(users(id)).singleElement().satisfies(row -> assertThat(row).containsEntry("role", "owner")
                .containsEntry("status", "active").containsEntry("username", "alice")
                .containsEntry("updated_at", "2026-11-28T11:00:00Z"));

        kafka.events().publish(user(id, "alice-older", Role.MEMBER, UserStatus.SUSPENDED, "2026-11-28T10:30:00Z"));
        kafka.awaitConsumed("aibridge-recorder", Topics.IDENTITY);
        assertThat(users(id)).singleElement().satisfies(row -> assertThat(row).containsEntry("role", "owner"));
    }

    @Test
    void aKeyIsStoredAsItsHashAndItsRevocationIsFinal() {
        UUID owner = UUID.randomUUID();
        String keyId = keyId();
        kafka.events().publish(new ApiKeyCreated(UUID.randomUUID(), keyId, owner, "laptop", HASH, CREATED,
                Instant.parse("2027-11-28T09:01:00Z")));
        await().atMost(Duration.ofSeconds(30)).until(() -> !keys(keyId).isEmpty());
        assertThat(keys(keyId)).singleElement().isEqualTo(java.util.Collections.unmodifiableMap(new java.util.HashMap<>() {{
            put("id", keyId);
            put("user_id", owner.toString());
            put("name", "laptop");
            put("secret_hash", HASH);
            put("created_at", "2026-11-01T09:00:00Z");
            put("expires_at", "2027-11-28T09:01:00Z");
            put("revoked_at", null);
        }}));

        kafka.events().publish(new ApiKeyRevoked(UUID.randomUUID(), keyId, owner, Instant.parse("2026-11-28T12:00:00Z")));
        await().atMost(Duration.ofSeconds(30)).until(() -> keys(keyId).get(0).get("revoked_at") != null);
        assertThat(keys(keyId)).singleElement().satisfies(row -> assertThat(row)
                .containsEntry("revoked_at", "2026-11-28T12:00:00Z").containsEntry("secret_hash", HASH));
    }

    @Test
    void aRevocationSeenBeforeTheCreationStaysFinal() {
        UUID owner = UUID.randomUUID();
        String keyId = keyId();
        kafka.events().publish(new ApiKeyRevoked(UUID.randomUUID(), keyId, owner, Instant.parse("2026-11-28T12:00:00Z")));
        await().atMost(Duration.ofSeconds(30)).until(() -> !keys(keyId).isEmpty());
        kafka.events().publish(new ApiKeyCreated(UUID.randomUUID(), keyId, owner, "ci", HASH, CREATED, null));
        await().atMost(Duration.ofSeconds(30)).until(() -> keys(keyId).get(0).get("secret_hash") != null);
        assertThat(keys(keyId)).singleElement().satisfies(row -> assertThat(row)
                .containsEntry("revoked_at", "2026-11-28T12:00:00Z").containsEntry("name", "ci")
                .containsEntry("created_at", "2026-11-01T09:00:00Z"));
    }

    @Test
    void aKeyKnownOnlyByItsRevocationAfterCompactionHasNoHash() {
        UUID owner = UUID.randomUUID();
        String keyId = keyId();
        kafka.events().publish(new ApiKeyRevoked(UUID.randomUUID(), keyId, owner, Instant.parse("2026-11-28T12:00:00Z")));
        await().atMost(Duration.ofSeconds(30)).until(() -> !keys(keyId).isEmpty());
        assertThat(keys(keyId)).singleElement().satisfies(row -> assertThat(row)
                .containsEntry("user_id", owner.toString()).containsEntry("secret_hash", null)
                .containsEntry("revoked_at", "2026-11-28T12:00:00Z").containsEntry("name", ""));
    }

    @Test
    void aKeyEntryWithoutAHashReplacesTheHashOfABootstrapTokenAndStays() {
        UUID owner = UUID.randomUUID();
        String keyId = keyId();
        String noSecret = "0".repeat(64);
        kafka.events().publish(new ApiKeyCreated(UUID.randomUUID(), keyId, owner, "bootstrap token", HASH, CREATED, null));
        await().atMost(Duration.ofSeconds(30)).until(() -> !keys(keyId).isEmpty());

        kafka.events().publish(new ApiKeyCreated(UUID.randomUUID(), keyId, owner, "bootstrap token", noSecret, CREATED, null));
        await().atMost(Duration.ofSeconds(30)).until(() -> noSecret.equals(keys(keyId).get(0).get("secret_hash")));

        kafka.events().publish(new ApiKeyCreated(UUID.randomUUID(), keyId, owner, "bootstrap token", HASH, CREATED, null));
        kafka.awaitConsumed("aibridge-recorder", Topics.IDENTITY);
        assertThat(keys(keyId)).singleElement().satisfies(row -> assertThat(row).containsEntry("secret_hash", noSecret)
                .containsEntry("created_at", "2026-11-01T09:00:00Z").containsEntry("name", "bootstrap token"));
    }

    @Test
    void aZeroHashWinsOverAnotherHashOfTheSameKeyInOneBatch() throws Exception {
        // A fresh consumer of the compacted topic may get both creations of the bootstrap key in one poll.
        UUID owner = UUID.randomUUID();
        String keyId = keyId();
        String noSecret = "0".repeat(64);
        identityWriter.write(List.of(
                new ApiKeyCreated(UUID.randomUUID(), keyId, owner, "bootstrap token", HASH, CREATED, null),
                new ApiKeyCreated(UUID.randomUUID(), keyId, owner, "bootstrap token", noSecret, CREATED, null)));
        assertThat(keys(keyId)).singleElement().satisfies(row -> assertThat(row).containsEntry("secret_hash", noSecret));

        String other = keyId();
        identityWriter.write(List.of(
                new ApiKeyCreated(UUID.randomUUID(), other, owner, "bootstrap token", noSecret, CREATED, null),
                new ApiKeyCreated(UUID.randomUUID(), other, owner, "bootstrap token", HASH, CREATED, null)));
        assertThat(keys(other)).singleElement().satisfies(row -> assertThat(row).containsEntry("secret_hash", noSecret));
    }

    private List<Map<String, String>> users(UUID id) {
        return rows.query("SELECT * FROM aibridge_users WHERE id = ?", id);
    }

    private List<Map<String, String>> keys(String id) {
        return rows.query("SELECT * FROM aibridge_api_keys WHERE id = ?", id);
    }

    private static String keyId() {
        return "k" + UUID.randomUUID().toString().replace("-", "").substring(0, 9);
    }

    private static UserUpserted user(UUID id, String username, Role role, UserStatus status, String updatedAt) {
        return new UserUpserted(UUID.randomUUID(), id, username, "Alice Example", "alice@example.com",
                "https://example.com/a.png", role, status, CREATED, Instant.parse(updatedAt));
    }
}

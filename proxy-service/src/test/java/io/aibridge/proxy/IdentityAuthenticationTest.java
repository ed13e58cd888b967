package io.aibridge.proxy;

import io.aibridge.events.ApiKeyCreated;
import io.aibridge.events.ApiKeyRevoked;
import io.aibridge.events.EventCodec;
import io.aibridge.events.InterceptionStarted;
import io.aibridge.events.Role;
import io.aibridge.events.Topics;
import io.aibridge.events.UserStatus;
import io.aibridge.events.UserUpserted;
import io.aibridge.identity.ApiKeys;
import io.aibridge.identity.BootstrapAdmin;
import io.aibridge.testing.KafkaEvents;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.Fixture;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Keys come from the identity topic, held in memory: a key created there works, a revoked or
 * expired key or a suspended user is refused with 401 within seconds, and the interception is
 * attributed to the key's user.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeProviderTestResource.class)
class IdentityAuthenticationTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @TestHTTPResource("/")
    URL proxyUrl;

    private static KafkaEvents kafka;
    private ProxyClient proxy;

    @BeforeEach
    void setUp() {
        if (kafka == null) {
            kafka = new KafkaEvents(bootstrapServers);
            kafka.createTopic(Topics.IDENTITY, 1, Map.of("cleanup.policy", "compact"));
        }
        proxy = new ProxyClient(proxyUrl.toString());
    }

    @AfterAll
    static void close() {
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
        EventTail.closeAll();
    }

    private UserUpserted user(String username, UserStatus status, Instant updatedAt) {
        return new UserUpserted(EventCodec.newEventId(), UUID.nameUUIDFromBytes(username.getBytes()), username, username, null, null,
                Role.MEMBER, status, Instant.parse("2026-01-01T00:00:00Z"), updatedAt);
    }

    private HttpResponse<String> callWith(String token) {
        return proxy.post(ProxyClient.path(Api.OPENAI_CHAT), Fixture.load(Api.OPENAI_CHAT, "text").request(false).toString(),
                "Authorization", "Bearer " + token);
    }

    @Test
    void aKeyFromTheIdentityTopicWorksAndARevokedOneStopsWithinFiveSeconds() {
        UserUpserted alice = user("alice", UserStatus.ACTIVE, Instant.now());
        ApiKeys.GeneratedKey key = ApiKeys.generate();
        kafka.publish(alice, new ApiKeyCreated(EventCodec.newEventId(), key.keyId(), alice.userId(), "laptop", key.secretHash(),
                Instant.now(), null));

        HttpResponse<String> ok = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> callWith(key.token()), r -> r.statusCode() == 200);
        InterceptionStarted started = (InterceptionStarted) EventTail.of(bootstrapServers)
                .awaitEnded(ProxyClient.interceptionId(ok), Duration.ofSeconds(20)).get(0);
        assertThat(started.initiatorId()).isEqualTo(alice.userId());
        assertThat(started.initiatorUsername()).isEqualTo("alice");
        assertThat(started.apiKeyId()).isEqualTo(key.keyId());

        kafka.publish(new ApiKeyRevoked(EventCodec.newEventId(), key.keyId(), alice.userId(), Instant.now()));
        long revokedAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> callWith(key.token()).statusCode() == 401);
        assertThat(Duration.ofNanos(System.nanoTime() - revokedAt)).isLessThan(Duration.ofSeconds(5));
        HttpResponse<String> refused = callWith(key.token());
        assertThat(ProxyClient.json(refused.body()).path("error").path("message").asText()).contains("revoked");
    }

    @Test
    void aSuspendedUsersKeyIsRefused() {
        UserUpserted bob = user("bob", UserStatus.ACTIVE, Instant.now().minusSeconds(60));
        ApiKeys.GeneratedKey key = ApiKeys.generate();
        kafka.publish(bob, new ApiKeyCreated(EventCodec.newEventId(), key.keyId(), bob.userId(), "ci", key.secretHash(), Instant.now(), null));
        await().atMost(Duration.ofSeconds(10)).until(() -> callWith(key.token()).statusCode() == 200);

        kafka.publish(user("bob", UserStatus.SUSPENDED, Instant.now()));
        await().atMost(Duration.ofSeconds(5)).until(() -> callWith(key.token()).statusCode() == 401);
    }

    @Test
    void anExpiredKeyIsRefused() {
        UserUpserted carol = user("carol", UserStatus.ACTIVE, Instant.now());
        ApiKeys.GeneratedKey key = ApiKeys.generate();
        kafka.publish(carol, new ApiKeyCreated(EventCodec.newEventId(), key.keyId(), carol.userId(), "old", key.secretHash(),
                Instant.now().minusSeconds(3600), Instant.now().minusSeconds(60)));
        ApiKeys.GeneratedKey fresh = ApiKeys.generate();
        kafka.publish(new ApiKeyCreated(EventCodec.newEventId(), fresh.keyId(), carol.userId(), "new", fresh.secretHash(), Instant.now(), null));
        await().atMost(Duration.ofSeconds(10)).until(() -> callWith(fresh.token()).statusCode() == 200);

        HttpResponse<String> expired = callWith(key.token());
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(ProxyClient.json(expired.body()).path("error").path("message").asText()).contains("expired");
    }

    @Test
    void theBootstrapTokenWorksOnEveryHeader() {
        String token = FakeProviderTestResource.BOOTSTRAP_TOKEN;
        String body = Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(false).toString();
        String path = ProxyClient.path(Api.ANTHROPIC_MESSAGES);
        assertThat(proxy.post(path, body, "Authorization", "Bearer " + token).statusCode()).isEqualTo(200);
        assertThat(proxy.post(path, body, "authorization", "bearer " + token).statusCode()).isEqualTo(200);
        assertThat(proxy.post(path, body, "X-Api-Key", token).statusCode()).isEqualTo(200);
        assertThat(proxy.post(path, body, "Coder-Session-Token", token).statusCode()).isEqualTo(200);
    }

    @Test
    void anEarlierBootstrapTokenIsRefusedAlthoughTheTopicHoldsItsKeyEntryWithItsHash() {
        // what query-service published while the install ran with an earlier AIBRIDGE_BOOTSTRAP_TOKEN
        String earlier = "earlier-bootstrap-token";
        kafka.publish(new ApiKeyCreated(EventCodec.newEventId(), BootstrapAdmin.KEY_ID, BootstrapAdmin.USER_ID, "bootstrap token",
                ApiKeys.sha256Hex(earlier), Instant.now().minusSeconds(3600), null));
        UserUpserted dan = user("dan", UserStatus.ACTIVE, Instant.now());
        ApiKeys.GeneratedKey marker = ApiKeys.generate();
        kafka.publish(dan, new ApiKeyCreated(EventCodec.newEventId(), marker.keyId(), dan.userId(), "marker", marker.secretHash(),
                Instant.now(), null));
        // one partition: once the later key works, the proxy has applied the bootstrap key entry too
        await().atMost(Duration.ofSeconds(10)).until(() -> callWith(marker.token()).statusCode() == 200);

        HttpResponse<String> refused = callWith("aib_bootstrap_" + earlier);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(ProxyClient.json(refused.body()).path("error").path("message").asText()).contains("invalid API key");
        assertThat(callWith(earlier).statusCode()).isEqualTo(401);
        assertThat(callWith("aib_bootstrap_" + FakeProviderTestResource.BOOTSTRAP_TOKEN).statusCode()).isEqualTo(200);
        assertThat(callWith(FakeProviderTestResource.BOOTSTRAP_TOKEN).statusCode()).isEqualTo(200);
    }
}

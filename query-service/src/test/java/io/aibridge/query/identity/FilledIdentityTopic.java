package io.aibridge.query.identity;

import io.aibridge.events.ApiKeyCreated;
import io.aibridge.events.EventCodec;
import io.aibridge.events.Role;
import io.aibridge.events.Topics;
import io.aibridge.events.UserStatus;
import io.aibridge.events.UserUpserted;
import io.aibridge.identity.ApiKeys;
import io.aibridge.identity.BootstrapAdmin;
import io.aibridge.testing.KafkaBroker;
import io.aibridge.testing.KafkaEvents;
import io.aibridge.testing.TcpGate;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A Kafka broker whose identity topic already holds what an earlier run of query-service left there,
 * reached through a {@link TcpGate} that stays closed until the test opens it: the service starts as
 * after a restart, with a full topic it has not read yet. The topic holds {@value #USERS} users with a
 * key each (among them {@value #ALICE}), the bootstrap admin, and the bootstrap key entry as earlier
 * versions published it while the service ran with {@link #EARLIER_BOOTSTRAP_TOKEN}: with the
 * SHA-256 of that token. The gate is injected into the test's {@code TcpGate} field.
 */
public class FilledIdentityTopic implements QuarkusTestResourceLifecycleManager {

    static final int USERS = 300;
    static final String ALICE = "ct-alice";
    static final String ALICE_KEY_ID = "ctalice00001";
    static final String ALICE_TOKEN = "aib_" + ALICE_KEY_ID + "_alice-secret-for-the-catch-up-test";
    static final String EARLIER_BOOTSTRAP_TOKEN = "earlier-bootstrap-token";

    private KafkaBroker broker;
    private TcpGate gate;

    @Override
    public Map<String, String> start() {
        broker = KafkaBroker.start();
        Instant now = Instant.now();
        try (KafkaEvents kafka = new KafkaEvents(broker.bootstrapServers())) {
            kafka.createTopic(Topics.IDENTITY, 1, Map.of("cleanup.policy", "compact"));
            kafka.publish(BootstrapAdmin.user(now.minusSeconds(7200)),
                    new ApiKeyCreated(EventCodec.newEventId(), BootstrapAdmin.KEY_ID, BootstrapAdmin.USER_ID, "bootstrap token",
                            ApiKeys.sha256Hex(EARLIER_BOOTSTRAP_TOKEN), now.minusSeconds(7200), null));
            for (int i = 0; i < USERS; i++) {
                String username = i == 0 ? ALICE : "ct-user-" + i;
                UUID id = UUID.nameUUIDFromBytes(username.getBytes());
                String keyId = i == 0 ? ALICE_KEY_ID : ApiKeys.generate().keyId();
                String hash = i == 0 ? ApiKeys.sha256Hex(ApiKeys.parse(ALICE_TOKEN).orElseThrow().secret()) : ApiKeys.generate().secretHash();
                kafka.publish(new UserUpserted(EventCodec.newEventId(), id, username, username, null, "", Role.MEMBER,
                                UserStatus.ACTIVE, now, now),
                        new ApiKeyCreated(EventCodec.newEventId(), keyId, id, "laptop", hash, now, null));
            }
        }
        gate = TcpGate.closedInFrontOf(broker.bootstrapServers());
        return Map.of("kafka.bootstrap.servers", gate.address());
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(gate, new TestInjector.MatchesType(TcpGate.class));
    }

    @Override
    public void stop() {
        if (gate != null) {
            gate.close();
        }
        if (broker != null) {
            broker.close();
        }
    }
}

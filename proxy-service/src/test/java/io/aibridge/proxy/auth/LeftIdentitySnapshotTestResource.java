package io.aibridge.proxy.auth;

import io.aibridge.events.ApiKeyCreated;
import io.aibridge.events.ApiKeyRevoked;
import io.aibridge.events.EncodedEvent;
import io.aibridge.events.Event;
import io.aibridge.events.EventCodec;
import io.aibridge.events.Role;
import io.aibridge.events.UserStatus;
import io.aibridge.events.UserUpserted;
import io.aibridge.identity.ApiKeys;
import io.aibridge.identity.IdentitySnapshot;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What a proxy that ran before leaves in its spool directory: the copy of the identity topic, with
 * a member's working key and a revoked one, current a minute ago. Written with the proxy's own
 * {@link IdentitySnapshot}, into {@link #DIR}, before the proxy under test starts there.
 */
public class LeftIdentitySnapshotTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String DIR = "target/test-spool/left-identity-snapshot";
    public static final ApiKeys.GeneratedKey KEPT = ApiKeys.generate();
    public static final ApiKeys.GeneratedKey REVOKED = ApiKeys.generate();

    @Override
    public Map<String, String> start() {
        UUID carol = UUID.randomUUID();
        Instant then = Instant.now().minus(Duration.ofHours(2));
        EventCodec codec = new EventCodec("/aibridge/query-service");
        List<IdentitySnapshot.Entry> entries = new ArrayList<>();
        for (Event event : List.of(
                new UserUpserted(EventCodec.newEventId(), carol, "carol", "Carol", null, "", Role.MEMBER, UserStatus.ACTIVE, then, then),
                new ApiKeyCreated(EventCodec.newEventId(), KEPT.keyId(), carol, "laptop", KEPT.secretHash(), then, null),
                new ApiKeyRevoked(EventCodec.newEventId(), REVOKED.keyId(), carol, then))) {
            EncodedEvent encoded = codec.encode(event);
            entries.add(new IdentitySnapshot.Entry(encoded.key(), entries.size(), encoded.headers(), encoded.body()));
        }
        try {
            Path dir = Path.of(DIR);
            Files.createDirectories(dir);
            new IdentitySnapshot(dir.resolve(IdentityService.SNAPSHOT_FILE), Duration.ofHours(24))
                    .write(entries, Instant.now().minus(Duration.ofMinutes(1)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("proxy.identity-snapshot-after", "1s");
    }

    @Override
    public void stop() {
    }
}

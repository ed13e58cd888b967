package io.aibridge.proxy.auth;

import io.aibridge.identity.Authentication;
import io.aibridge.identity.IdentitySnapshot;
import io.aibridge.identity.IdentityStore;
import io.aibridge.identity.IdentityTopicReader;
import io.aibridge.identity.KafkaConnection;
import io.aibridge.identity.TokenHeaders;
import io.aibridge.proxy.config.ProxyConfig;
import io.aibridge.proxy.events.SpoolConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import io.smallrye.common.annotation.Identifier;
import org.jboss.logging.Logger;
import jakarta.enterprise.event.Observes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;

/**
 * Authenticates bridge tokens against users and keys held in memory, kept current from the
 * compacted identity topic by a background reader: no database or network call per request, a
 * revoked key stops within the reader's poll interval, and known keys (and the bootstrap token)
 * keep working while Kafka is down, including when it is down at start.
 */
@ApplicationScoped
public class IdentityService {

    /** The copy of the identity topic, in the spool directory. */
    public static final String SNAPSHOT_FILE = "identity.snapshot";
    private static final Logger LOG = Logger.getLogger(IdentityService.class);

    private final KafkaConnection kafka;
    private final IdentityStore store;
    private final ProxyConfig config;
    private final SpoolConfig spool;
    private IdentityTopicReader reader;

    /** @param kafkaConfig every {@code kafka.*} setting ({@code KAFKA_*}): the connection's security settings are among them */
    public IdentityService(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig, ProxyConfig config, SpoolConfig spool) {
        this.kafka = KafkaConnection.of(kafkaConfig);
        this.store = new IdentityStore(config.bootstrapToken().orElse(null));
        this.config = config;
        this.spool = spool;
    }

    void start(@Observes StartupEvent event) {
        reader = new IdentityTopicReader(kafka, store, snapshot(), config.identitySnapshotAfter()).start();
    }

    /** The copy on disk, or null when it is switched off or its directory cannot be made. */
    private IdentitySnapshot snapshot() {
        Duration maxAge = config.identitySnapshotMaxAge();
        if (maxAge.isZero() || maxAge.isNegative()) {
            return null;
        }
        Path dir = Path.of(spool.dir());
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            LOG.warnf("no identity snapshot: %s cannot be made (%s)", dir, e.getMessage());
            return null;
        }
        return new IdentitySnapshot(dir.resolve(SNAPSHOT_FILE), maxAge);
    }

    void stop(@Observes ShutdownEvent event) {
        if (reader != null) {
            reader.close();
        }
    }

    /** Reads the token from {@code Authorization: Bearer}, {@code X-Api-Key} or {@code Coder-Session-Token} and checks it. */
    public Authentication authenticate(Function<String, String> header) {
        return store.authenticate(TokenHeaders.token(header), Instant.now());
    }

    /** Checks a token taken from elsewhere (the BYOK governance header). */
    public Authentication authenticateToken(String token) {
        return store.authenticate(token == null ? null : token.trim(), Instant.now());
    }

    /** True once the reader has applied everything that was on the identity topic when it started. */
    public boolean caughtUp() {
        return reader != null && reader.caughtUp();
    }

    /**
     * True once an unknown token is really unknown: the topic was read to its end, or there is no
     * topic yet, or Kafka did not answer at start and the copy on disk holds what it held.
     */
    public boolean ready() {
        return caughtUp() || topicMissing() || servingSnapshot();
    }

    /** True while the keys come from the copy on disk because Kafka has not answered since the start. */
    public boolean servingSnapshot() {
        return reader != null && reader.servingSnapshot();
    }

    /** Whether the request carries a bridge token at all (in any of the headers {@link #authenticate} reads). */
    public boolean hasToken(Function<String, String> header) {
        return TokenHeaders.token(header) != null;
    }

    /** True while Kafka says the identity topic does not exist yet (no key but the bootstrap token can exist). */
    public boolean topicMissing() {
        return reader != null && reader.topicMissing();
    }
}

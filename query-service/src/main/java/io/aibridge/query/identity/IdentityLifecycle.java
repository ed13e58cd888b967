package io.aibridge.query.identity;

import io.aibridge.events.UserUpserted;
import io.aibridge.identity.BootstrapAdmin;
import io.aibridge.identity.IdentityStore;
import io.aibridge.identity.IdentityStore.KeyState;
import io.aibridge.identity.IdentityTopicReader;
import io.aibridge.query.QueryConfig;
import io.aibridge.query.api.ApiException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Starts the identity side of the service without ever blocking start-up on Kafka: a reader that
 * keeps the in-memory store current, and a set-up thread that creates the compacted identity topic
 * and, once the reader has caught up and when {@code AIBRIDGE_BOOTSTRAP_TOKEN} is set, publishes the
 * bootstrap admin and its key entry if they are not there yet. The key entry never holds a hash of
 * the token (the token is checked against each service's configuration); an entry that an earlier
 * version published with one is replaced. The bootstrap token authenticates before all this, so a
 * fresh install is usable at once.
 */
@ApplicationScoped
public class IdentityLifecycle {

    private static final Logger LOG = Logger.getLogger(IdentityLifecycle.class);
    private static final Duration RETRY = Duration.ofSeconds(2);
    /** Only logged: the set-up looks at the store again before it retries. */
    private static final String RETRIED = "The set-up checks again and retries.";

    private final IdentityStore store;
    private final IdentityTopic topic;
    private final IdentityPublisher publisher;
    private final QueryConfig config;
    private volatile IdentityTopicReader reader;
    private volatile Thread setup;
    private volatile boolean running;
    private volatile boolean bootstrapDone;

    public IdentityLifecycle(IdentityStore store, IdentityTopic topic, IdentityPublisher publisher, QueryConfig config) {
        this.store = store;
        this.topic = topic;
        this.publisher = publisher;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        running = true;
        reader = new IdentityTopicReader(topic.kafka(), store).start();
        bootstrapDone = config.bootstrapToken().isEmpty();
        setup = new Thread(this::setUp, "aibridge-identity-setup");
        setup.setDaemon(true);
        setup.start();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        Thread t = setup;
        if (t != null) {
            t.interrupt();
        }
        IdentityTopicReader r = reader;
        if (r != null) {
            r.close();
        }
    }

    /** True once everything that was on the identity topic at start has been applied. */
    public boolean caughtUp() {
        IdentityTopicReader r = reader;
        return r != null && r.caughtUp();
    }

    /**
     * True once an unknown key is really unknown and the users are all known: the reader has caught
     * up, or Kafka says the identity topic does not exist yet (nothing to read).
     */
    public boolean ready() {
        IdentityTopicReader r = reader;
        return r != null && (r.caughtUp() || r.topicMissing());
    }

    public boolean topicReady() {
        return topic.ensured();
    }

    /** True when there is no bootstrap token, or its admin and key are on the topic. */
    public boolean bootstrapDone() {
        return bootstrapDone;
    }

    private void setUp() {
        try {
            while (running && !topic.ensure(Duration.ofSeconds(10))) {
                LOG.debugf("identity topic not reachable yet; retrying in %s", RETRY);
                Thread.sleep(RETRY.toMillis());
            }
            while (running && !reader.awaitCaughtUp(RETRY)) {
                LOG.debug("waiting for the identity reader to catch up before bootstrapping the admin");
            }
            boolean configured = config.bootstrapToken().isPresent();
            while (running && !bootstrapAdmin(configured)) {
                Thread.sleep(RETRY.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Publishes what is missing of the bootstrap admin when a bootstrap token is configured, and in any
     * case replaces a key entry holding a hash of a token; true when nothing is left to do.
     */
    private boolean bootstrapAdmin(boolean configured) {
        try {
            Instant now = Instant.now();
            if (configured && store.user(BootstrapAdmin.USER_ID).isEmpty()) {
                Optional<UserUpserted> sameName = store.userByUsername(BootstrapAdmin.USERNAME);
                if (sameName.isPresent()) {
                    LOG.warnf("username %s is taken by user %s; the bootstrap token keeps working but the bootstrap admin is not published",
                            BootstrapAdmin.USERNAME, sameName.get().userId());
                } else {
                    publisher.publish(BootstrapAdmin.user(now), RETRIED);
                    LOG.infof("published the bootstrap admin %s", BootstrapAdmin.USERNAME);
                }
            }
            Optional<KeyState> key = store.key(BootstrapAdmin.KEY_ID);
            if (configured && key.isEmpty()) {
                publisher.publish(BootstrapAdmin.key(now), RETRIED);
                LOG.info("published the bootstrap token's key entry (no hash of the token)");
            } else if (key.isPresent() && !key.get().revoked() && BootstrapAdmin.holdsTokenHash(key.get())) {
                // an earlier version published the SHA-256 of the token; replace it on the compacted topic
                publisher.publish(BootstrapAdmin.withoutHash(key.get()), RETRIED);
                LOG.info("replaced the bootstrap key entry holding a hash of a bootstrap token by one without");
            }
            bootstrapDone = true;
            return true;
        } catch (ApiException e) {
            LOG.warnf("could not bootstrap the admin yet (%s); retrying", e.error().detail());
            return false;
        }
    }
}

package io.aibridge.query.identity;

import io.aibridge.events.UserUpserted;
import io.aibridge.identity.BootstrapAdmin;
import io.aibridge.identity.IdentityStore;
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
 * and, when {@code AIBRIDGE_BOOTSTRAP_TOKEN} is set and the reader has caught up, publishes the
 * bootstrap admin and its key if they are not there yet. Until then the bootstrap token already
 * authenticates (the store knows its hash), so a fresh install is usable at once.
 */
@ApplicationScoped
public class IdentityLifecycle {

    private static final Logger LOG = Logger.getLogger(IdentityLifecycle.class);
    private static final Duration RETRY = Duration.ofSeconds(2);

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
            Optional<String> token = config.bootstrapToken();
            if (token.isEmpty()) {
                return;
            }
            while (running && !reader.awaitCaughtUp(RETRY)) {
                LOG.debug("waiting for the identity reader to catch up before bootstrapping the admin");
            }
            while (running && !bootstrapAdmin(token.get())) {
                Thread.sleep(RETRY.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Publishes what is missing of the bootstrap admin; true when nothing is missing any more. */
    private boolean bootstrapAdmin(String token) {
        try {
            Instant now = Instant.now();
            if (store.user(BootstrapAdmin.USER_ID).isEmpty()) {
                Optional<UserUpserted> sameName = store.userByUsername(BootstrapAdmin.USERNAME);
                if (sameName.isPresent()) {
                    LOG.warnf("username %s is taken by user %s; the bootstrap token keeps working but the bootstrap admin is not published",
                            BootstrapAdmin.USERNAME, sameName.get().userId());
                } else {
                    publisher.publish(BootstrapAdmin.user(now));
                    LOG.infof("published the bootstrap admin %s", BootstrapAdmin.USERNAME);
                }
            }
            if (store.key(BootstrapAdmin.KEY_ID).isEmpty()) {
                publisher.publish(BootstrapAdmin.key(token, now));
                LOG.info("published the bootstrap token's key (hash only)");
            }
            bootstrapDone = true;
            return true;
        } catch (ApiException e) {
            LOG.warnf("could not bootstrap the admin yet (%s); retrying", e.error().detail());
            return false;
        }
    }
}

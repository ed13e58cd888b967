package io.aibridge.identity;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Creates the topics a service writes to, when they do not exist yet, and makes sure an existing
 * one has the cleanup policy asked for.
 */
public final class KafkaTopics {

    private static final Logger LOG = Logger.getLogger(KafkaTopics.class);
    /** How often a refused policy change is logged while callers keep asking (they retry every few seconds). */
    private static final Duration REFUSAL_LOG_INTERVAL = Duration.ofMinutes(1);
    private static final Map<String, Long> REFUSAL_LOGGED = new ConcurrentHashMap<>();
    /** Topics whose refused creation was logged: once each, since the topic is then used. */
    private static final Set<String> CREATE_REFUSAL_LOGGED = ConcurrentHashMap.newKeySet();
    /** When the ERROR about a topic that is missing and may not be created was last logged. */
    private static final Map<String, Long> MISSING_LOGGED = new ConcurrentHashMap<>();

    private KafkaTopics() {
    }

    /**
     * Creates the topic unless it exists. Returns false (and leaves it to the caller to retry or
     * to rely on broker auto-creation) when the broker cannot be reached in time, and when the
     * topic exists with another cleanup policy that Kafka refuses to change (see below).
     */
    public static boolean ensure(String bootstrapServers, String topic, int partitions, short replicationFactor,
                                 Map<String, String> configs, Duration timeout) {
        return ensure(KafkaConnection.plain(bootstrapServers), topic, partitions, replicationFactor, configs, timeout);
    }

    /**
     * As {@link #ensure(String, String, int, short, Map, Duration)}, over a secured connection.
     *
     * <p>{@code configs} are applied when the topic is created. Of an existing topic (created by an
     * operator, or auto-created by some client's metadata request with the broker's defaults), only
     * {@code cleanup.policy} is checked, since it decides whether records are kept: a compacted topic
     * that has {@code delete} (or {@code compact,delete}) loses its records after
     * {@code retention.ms}. A different policy is changed to the one asked for, with a WARN. If the
     * broker refuses the change, this returns false and logs an ERROR that names the topic, its
     * policy and the command that fixes it: the topic is not fit to be written to, and callers treat
     * false as "not there yet" and retry. Whether the topic's other settings differ is not checked;
     * an operator may have tuned them.
     *
     * <p>A principal without the CREATE permission gets TOPIC_AUTHORIZATION_FAILED from Kafka whether
     * or not the topic exists. Then the topic is described: when it exists (an operator made it), it
     * is used, with its policy checked as above, and a WARN says once that CREATE is missing. When it
     * does not (or cannot be described), this returns false and an ERROR, at most once a minute, says
     * that an operator must create it and gives the command.
     */
    public static boolean ensure(KafkaConnection kafka, String topic, int partitions, short replicationFactor,
                                 Map<String, String> configs, Duration timeout) {
        Properties p = kafka.applyTo(new Properties());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        try (Admin admin = Admin.create(p)) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, partitions, replicationFactor).configs(configs)))
                        .all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                return true;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof AuthorizationException refused) {
                    // Kafka answers TOPIC_AUTHORIZATION_FAILED to a principal without CREATE before it
                    // looks whether the topic exists: an operator may well have made it
                    if (!existsAfterRefusal(admin, kafka, topic, partitions, replicationFactor, configs, refused, timeout)) {
                        return false;
                    }
                } else if (!(e.getCause() instanceof TopicExistsException)) {
                    return false;
                }
            }
            String policy = configs.get(TopicConfig.CLEANUP_POLICY_CONFIG);
            return policy == null || ensurePolicy(admin, kafka, topic, policy, timeout);
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * After Kafka refused to create the topic: true when it exists all the same (a WARN, once per
     * topic, says the principal lacks CREATE and the topic is used as it is). When it does not, or
     * the principal may not even describe it, false with an ERROR (at most once a minute) that an
     * operator must create it, and how.
     */
    private static boolean existsAfterRefusal(Admin admin, KafkaConnection kafka, String topic, int partitions,
                                              short replicationFactor, Map<String, String> configs,
                                              AuthorizationException refused, Duration timeout)
            throws TimeoutException, InterruptedException {
        Throwable unknown;
        try {
            admin.describeTopics(List.of(topic)).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (CREATE_REFUSAL_LOGGED.add(topic)) {
                LOG.warnf("Kafka refused to create topic %s (%s): the service's principal lacks the CREATE permission "
                        + "(on the topic or the cluster). The topic exists, so it is used as it was created", topic, refused.getMessage());
            }
            return true;
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException) && !(e.getCause() instanceof AuthorizationException)) {
                return false; // e.g. the broker is going away: the caller retries
            }
            unknown = e.getCause();
        }
        long now = System.nanoTime();
        Long last = MISSING_LOGGED.get(topic);
        if (last == null || now - last >= REFUSAL_LOG_INTERVAL.toNanos()) {
            MISSING_LOGGED.put(topic, now);
            StringBuilder settings = new StringBuilder();
            new TreeMap<>(configs).forEach((key, value) -> settings.append(" --config ").append(key).append('=').append(value));
            String state = unknown instanceof AuthorizationException
                    ? "may not create topic " + topic + " (" + refused.getMessage() + ") nor describe it (" + unknown.getMessage()
                    + "), so whether it exists is unknown"
                    : "may not create topic " + topic + " (" + refused.getMessage() + "), and it does not exist";
            LOG.errorf("the service's principal %s; nothing is written to it until it exists and may be described. An "
                            + "operator must create it, e.g. kafka-topics.sh --bootstrap-server %s --create --topic %s --partitions %d%s%s, "
                            + "and grant the principal READ, WRITE and DESCRIBE on it",
                    state, kafka.bootstrapServers(), topic, partitions,
                    replicationFactor > 0 ? " --replication-factor " + replicationFactor : "", settings);
        }
        return false;
    }

    /** True once the existing topic has the cleanup policy {@code wanted}, changing it if it has another. */
    private static boolean ensurePolicy(Admin admin, KafkaConnection kafka, String topic, String wanted, Duration timeout)
            throws TimeoutException, InterruptedException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        String current;
        try {
            Config config = admin.describeConfigs(List.of(resource)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .get(resource);
            ConfigEntry entry = config == null ? null : config.get(TopicConfig.CLEANUP_POLICY_CONFIG);
            current = entry == null || entry.value() == null ? TopicConfig.CLEANUP_POLICY_DELETE : entry.value();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthorizationException) {
                // An operator who withheld DescribeConfigs made the topic and is trusted with its policy.
                LOG.warnf("could not check the cleanup.policy of topic %s (%s); the service's principal lacks the "
                                + "DESCRIBE_CONFIGS permission, so the topic is used as it is. It must be %s; check it with: kafka-configs.sh "
                                + "--bootstrap-server %s --describe --entity-type topics --entity-name %s", topic,
                        e.getCause().getMessage(), wanted, kafka.bootstrapServers(), topic);
                return true;
            }
            return false;
        }
        if (policies(current).equals(policies(wanted))) {
            return true;
        }
        Long refused = REFUSAL_LOGGED.get(topic);
        if (refused == null || System.nanoTime() - refused >= REFUSAL_LOG_INTERVAL.toNanos()) {
            // while a refusal is logged once a minute, so is the attempt: callers retry every few seconds
            LOG.warnf("topic %s exists with cleanup.policy=%s, so Kafka deletes its records after retention.ms; "
                    + "changing it to cleanup.policy=%s. Records it has deleted already are not restored", topic, current, wanted);
        }
        try {
            admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                            new ConfigEntry(TopicConfig.CLEANUP_POLICY_CONFIG, wanted), AlterConfigOp.OpType.SET))))
                    .all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            LOG.warnf("topic %s now has cleanup.policy=%s", topic, wanted);
            return true;
        } catch (ExecutionException e) {
            long now = System.nanoTime();
            Long last = REFUSAL_LOGGED.get(topic);
            if (last == null || now - last >= REFUSAL_LOG_INTERVAL.toNanos()) {
                REFUSAL_LOGGED.put(topic, now);
                LOG.errorf("topic %s has cleanup.policy=%s and Kafka refused to change it to %s (%s). Until it is %s, "
                                + "nothing is written to it, because Kafka would delete what is (users and API keys on the "
                                + "identity topic, and keys would stop working). Fix it with: kafka-configs.sh "
                                + "--bootstrap-server %s --alter --entity-type topics --entity-name %s --add-config "
                                + "cleanup.policy=%s",
                        topic, current, wanted, e.getCause(), wanted, kafka.bootstrapServers(), topic,
                        wanted.contains(",") ? "[" + wanted + "]" : wanted);
            }
            return false;
        }
    }

    private static Set<String> policies(String policy) {
        return Arrays.stream(policy.split(",")).map(s -> s.trim().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty())
                .collect(Collectors.toSet());
    }
}

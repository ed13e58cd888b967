package io.aibridge.testing;

import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.test.JaasUtils;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A real single-node KRaft Kafka broker inside the test JVM (Kafka's own test kit), on a random
 * port. Starts in 2-4 s. When {@code KAFKA_BOOTSTRAP_SERVERS} is set, nothing is started and that
 * broker is used instead, so the same tests run against a standalone broker.
 */
public final class KafkaBroker implements AutoCloseable {

    /** Environment variable naming an external broker to use instead of an in-JVM one. */
    public static final String EXTERNAL = "KAFKA_BOOTSTRAP_SERVERS";

    private final KafkaClusterTestKit cluster;
    private final String bootstrapServers;
    private final Map<String, String> clientSecurity;
    private final AtomicBoolean closed = new AtomicBoolean();

    private KafkaBroker(KafkaClusterTestKit cluster, String bootstrapServers, Map<String, String> clientSecurity) {
        this.cluster = cluster;
        this.bootstrapServers = bootstrapServers;
        this.clientSecurity = clientSecurity;
    }

    /** Starts an in-JVM broker, or returns the external one named by {@code KAFKA_BOOTSTRAP_SERVERS}. */
    public static KafkaBroker start() {
        QuietLogs.apply();
        String external = System.getenv(EXTERNAL);
        if (external != null && !external.isBlank()) {
            return new KafkaBroker(null, external, Map.of());
        }
        return startInJvm(SecurityProtocol.PLAINTEXT, Map.of());
    }

    /**
     * Starts an in-JVM broker that refuses every change of an existing topic's settings
     * ({@link RefuseTopicConfigChanges}); topics are still created with the settings asked for.
     * Always in the JVM: an external broker's policy is not the test's to choose.
     */
    public static KafkaBroker startRefusingTopicConfigChanges() {
        QuietLogs.apply();
        return startInJvm(SecurityProtocol.PLAINTEXT, Map.of("alter.config.policy.class.name", RefuseTopicConfigChanges.class.getName()));
    }

    /**
     * Starts an in-JVM broker whose clients must authenticate with SASL PLAIN (as on a secured
     * cluster); {@link #clientSecurity()} holds what a client needs. Always in the JVM.
     */
    public static KafkaBroker startWithSaslPlain() {
        QuietLogs.apply();
        return startInJvm(SecurityProtocol.SASL_PLAINTEXT, Map.of());
    }

    private static KafkaBroker startInJvm(SecurityProtocol protocol, Map<String, String> extra) {
        try {
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setCombined(true)
                    // the default is latestTesting(), an unreleased metadata version
                    .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .setBrokerSecurityProtocol(protocol)
                    .setControllerSecurityProtocol(protocol)
                    .build())
                    .setConfigProp("auto.create.topics.enable", "true")
                    .setConfigProp("num.partitions", "1")
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("message.max.bytes", String.valueOf(16 * 1024 * 1024));
            extra.forEach(builder::setConfigProp);
            KafkaClusterTestKit cluster = builder.build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            Map<String, String> security = protocol == SecurityProtocol.PLAINTEXT ? Map.of() : Map.of(
                    "security.protocol", protocol.name,
                    "sasl.mechanism", "PLAIN",
                    // the test kit's super user (its authorizer refuses everyone else)
                    "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                            + JaasUtils.KAFKA_PLAIN_ADMIN + "\" password=\"" + JaasUtils.KAFKA_PLAIN_ADMIN_PASSWORD + "\";");
            return new KafkaBroker(cluster, cluster.bootstrapServers(), security);
        } catch (Exception e) {
            throw new IllegalStateException("could not start the in-JVM Kafka broker", e);
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The settings a client needs besides {@code bootstrap.servers}, by Kafka's names (none on a plain broker). */
    public Map<String, String> clientSecurity() {
        return clientSecurity;
    }

    /** True when this is an in-JVM broker that {@link #close()} stops. */
    public boolean embedded() {
        return cluster != null;
    }

    /** Stops an in-JVM broker; safe to call more than once (tests stop the broker on purpose). */
    @Override
    public void close() {
        if (cluster != null && closed.compareAndSet(false, true)) {
            try {
                cluster.close();
            } catch (Exception e) {
                throw new IllegalStateException("could not stop the in-JVM Kafka broker", e);
            }
        }
    }
}

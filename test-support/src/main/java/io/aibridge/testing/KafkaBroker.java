package io.aibridge.testing;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.plain.internals.PlainSaslServerProvider;
import org.apache.kafka.common.test.JaasUtils;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

import java.security.Provider;
import java.security.Security;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A real single-node KRaft Kafka broker inside the test JVM (Kafka's own test kit), on a random
 * port. Starts in 2-4 s. When {@code KAFKA_BOOTSTRAP_SERVERS} is set, nothing is started and that
 * broker is used instead, so the same tests run against a standalone broker.
 */
public final class KafkaBroker implements AutoCloseable {

    /** The name Kafka's {@code PlainSaslServerProvider} registers under ({@link #startInJvm}). */
    private static final String SASL_PLAIN_PROVIDER = "Simple SASL/PLAIN Server Provider";

    /** Environment variable naming an external broker to use instead of an in-JVM one. */
    public static final String EXTERNAL = "KAFKA_BOOTSTRAP_SERVERS";

    /** The user of {@link #restrictedClientSecurity()}: on {@link #startWithAcls()}, allowed only what a test grants. */
    public static final String RESTRICTED_USER = JaasUtils.KAFKA_PLAIN_USER1;

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

    /**
     * Starts an in-JVM broker whose clients must authenticate with SASL PLAIN and that authorizes
     * every request by ACLs, as a least-privilege production cluster does: KRaft's
     * {@code StandardAuthorizer}, nothing allowed without an ACL, and one super user (the broker
     * itself, and {@link #clientSecurity()}: a test's own admin). {@link #restrictedClientSecurity()}
     * is a user who may do nothing but what {@link #grantTopic} and {@link #grantGroup} allow. Always
     * in the JVM.
     */
    public static KafkaBroker startWithAcls() {
        QuietLogs.apply();
        return startInJvm(SecurityProtocol.SASL_PLAINTEXT, Map.of(
                "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "allow.everyone.if.no.acl.found", "false",
                "super.users", "User:" + JaasUtils.KAFKA_PLAIN_ADMIN));
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
            if (protocol != SecurityProtocol.PLAINTEXT) {
                forgetSaslPlainOfOtherClassLoaders();
            }
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            // the test kit's super user (its authorizer refuses everyone else)
            Map<String, String> security = protocol == SecurityProtocol.PLAINTEXT ? Map.of()
                    : plain(JaasUtils.KAFKA_PLAIN_ADMIN, JaasUtils.KAFKA_PLAIN_ADMIN_PASSWORD);
            return new KafkaBroker(cluster, cluster.bootstrapServers(), security);
        } catch (Exception e) {
            throw new IllegalStateException("could not start the in-JVM Kafka broker", e);
        }
    }

    /**
     * Kafka registers its SASL/PLAIN server with the JVM's security providers once, with the
     * classes of whichever class loader got there first. A SASL broker started by a Quarkus test
     * resource loads Kafka in Quarkus' class loader; a later SASL broker of a plain JUnit test in the
     * same JVM would then check its logins with that loader's classes, which do not know its own
     * configuration, and refuse even its own controller ("terminated during authentication"). So
     * the provider of another class loader is removed, and this broker registers its own.
     */
    private static void forgetSaslPlainOfOtherClassLoaders() {
        Provider registered = Security.getProvider(SASL_PLAIN_PROVIDER);
        if (registered != null && registered.getClass() != PlainSaslServerProvider.class) {
            Security.removeProvider(SASL_PLAIN_PROVIDER);
        }
    }

    private static Map<String, String> plain(String user, String password) {
        return Map.of(
                "security.protocol", SecurityProtocol.SASL_PLAINTEXT.name,
                "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                        + user + "\" password=\"" + password + "\";");
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The settings a client needs besides {@code bootstrap.servers}, by Kafka's names (none on a plain broker). */
    public Map<String, String> clientSecurity() {
        return clientSecurity;
    }

    /**
     * On a SASL broker ({@link #startWithAcls()}): the settings of {@value #RESTRICTED_USER}, who holds
     * no ACL but those granted with {@link #grantTopic} and {@link #grantGroup}.
     */
    public Map<String, String> restrictedClientSecurity() {
        if (clientSecurity.isEmpty()) {
            throw new IllegalStateException("a plain broker has no users");
        }
        return plain(RESTRICTED_USER, JaasUtils.KAFKA_PLAIN_USER1_PASSWORD);
    }

    /** Allows {@value #RESTRICTED_USER} exactly these operations on the topic (by its literal name, existing or not). */
    public void grantTopic(String topic, AclOperation... operations) {
        grant(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL), operations);
    }

    /** Allows {@value #RESTRICTED_USER} exactly these operations on the consumer group. */
    public void grantGroup(String group, AclOperation... operations) {
        grant(new ResourcePattern(ResourceType.GROUP, group, PatternType.LITERAL), operations);
    }

    /**
     * Creates the ACLs as the super user and waits until the broker's authorizer has them (ACLs
     * travel through the metadata log, so a request right after the creation may not see them yet).
     */
    private void grant(ResourcePattern resource, AclOperation... operations) {
        List<AclBinding> bindings = Arrays.stream(operations).map(operation -> new AclBinding(resource,
                new AccessControlEntry("User:" + RESTRICTED_USER, "*", operation, AclPermissionType.ALLOW))).toList();
        Map<String, Object> p = new HashMap<>(clientSecurity);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(p)) {
            admin.createAcls(bindings).all().get(30, TimeUnit.SECONDS);
            AclBindingFilter filter = new AclBindingFilter(resource.toFilter(), AccessControlEntryFilter.ANY);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!admin.describeAcls(filter).values().get(30, TimeUnit.SECONDS).containsAll(bindings)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the broker did not apply the ACLs " + bindings + " in 30 s");
                }
                Thread.sleep(50);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not create the ACLs " + bindings, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the ACLs " + bindings, e);
        }
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

package io.aibridge.proxy.events;

import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.Topics;
import io.aibridge.identity.KafkaConnection;
import io.aibridge.testing.KafkaBroker;
import io.aibridge.testing.KafkaEvents;
import io.aibridge.testing.LogLines;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.acl.AclOperation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;

import static io.aibridge.proxy.events.EventPipelineTest.count;
import static io.aibridge.proxy.events.EventPipelineTest.eventIds;
import static io.aibridge.proxy.events.EventPipelineTest.ids;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy's principal on a least-privilege cluster: WRITE and DESCRIBE on the interceptions topic
 * (what the top-level README's ACL table asks for), no CREATE. Kafka answers TOPIC_AUTHORIZATION_FAILED
 * to its creation of the topic whether the topic exists or not. As it was, that was a WARN ("publishing
 * to it as it is") in both cases, and nothing told an operator that a missing topic must be made.
 */
class EventTopicNotCreatableTest {

    private static final Map<String, String> TRACE = Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    private static final long MAX_REQUEST_SIZE = 16L * 1024 * 1024;

    @TempDir
    Path spoolDir;

    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            closeLater.get(i).close();
        }
    }

    @Test
    void aTopicAnOperatorMadeIsPublishedToWithoutTheCreatePermission() throws Exception {
        KafkaBroker broker = brokerWithOperatorsTopic();
        KafkaEvents operator = operator(broker);
        LogLines log = log();
        MeterRegistry registry = new SimpleMeterRegistry();

        EventPipeline p = pipeline(restricted(broker), (short) 1, registry, Duration.ofSeconds(5));
        UUID id = UUID.randomUUID();
        List<InterceptionEvent> events = EventPipelineTest.interception(id, "to the operator's topic");
        events.forEach(e -> p.publish(e, TRACE));
        assertThat(p.awaitDrained(Duration.ofSeconds(30))).isTrue();
        await("published", () -> count(registry, "aibridge.events.published") == 3, Duration.ofSeconds(10));

        assertThat(eventIds(operator.records(Topics.INTERCEPTIONS), id)).containsExactlyElementsOf(ids(events));
        assertThat(count(registry, "aibridge.events.spooled")).isZero();
        assertThat(log.lines(Level.WARNING)).filteredOn(line -> line.startsWith("Kafka refused to create topic " + Topics.INTERCEPTIONS))
                .singleElement().satisfies(line -> assertThat(line).contains("lacks the CREATE permission")
                        .endsWith("The topic exists, so events are published to it as it was created"));
        assertThat(log.lines(Level.SEVERE)).isEmpty();
    }

    /**
     * Least privilege as the README's table has it (WRITE and DESCRIBE, no DESCRIBE_CONFIGS): the
     * topic's max.message.bytes cannot be read. As it was, the WARN said so without saying why, and
     * an operator could not tell a missing permission from a broker that did not answer.
     */
    @Test
    void aPrincipalWithoutDescribeConfigsIsToldWhichPermissionIsMissingAndTheCommandThatGrantsIt() throws Exception {
        KafkaBroker broker = brokerWithOperatorsTopic();
        LogLines log = log();

        pipeline(restricted(broker), (short) 1, new SimpleMeterRegistry(), Duration.ofSeconds(5));
        await("the WARN", () -> log.lines(Level.WARNING).stream().anyMatch(line -> line.startsWith("could not read max.message.bytes")),
                Duration.ofSeconds(30));

        assertThat(log.lines(Level.WARNING)).filteredOn(line -> line.startsWith("could not read max.message.bytes")).singleElement()
                .satisfies(line -> assertThat(line)
                        .startsWith("could not read max.message.bytes of topic " + Topics.INTERCEPTIONS
                                + " (org.apache.kafka.common.errors.TopicAuthorizationException")
                        .contains("the proxy's principal lacks DESCRIBE_CONFIGS on topic " + Topics.INTERCEPTIONS + ";")
                        .contains("Grant it with: kafka-acls.sh --bootstrap-server " + broker.bootstrapServers()
                                + " --add --allow-principal User:<proxy-principal> --operation DescribeConfigs --topic " + Topics.INTERCEPTIONS)
                        .endsWith("(or check the limit with: kafka-configs.sh --bootstrap-server " + broker.bootstrapServers()
                                + " --describe --all --entity-type topics --entity-name " + Topics.INTERCEPTIONS + ")"));
        assertThat(log.lines(Level.SEVERE)).isEmpty();
    }

    @Test
    void aMissingTopicThePrincipalMayNotCreateIsOneErrorWithTheCommandAndItsEventsWaitInTheSpoolUntilAnOperatorMakesIt()
            throws Exception {
        KafkaBroker broker = brokerWithAcls();
        broker.grantTopic(Topics.INTERCEPTIONS, AclOperation.WRITE, AclOperation.DESCRIBE);
        LogLines log = log();
        MeterRegistry registry = new SimpleMeterRegistry();

        EventPipeline p = pipeline(restricted(broker), (short) 1, registry, Duration.ofMillis(500));
        await("the ERROR", () -> !log.lines(Level.SEVERE).isEmpty(), Duration.ofSeconds(30));
        UUID before = UUID.randomUUID();
        List<InterceptionEvent> beforeEvents = EventPipelineTest.interception(before, "before the topic exists");
        beforeEvents.forEach(e -> p.publish(e, TRACE));
        await("spooled", () -> p.spoolEvents() == 3 && p.inMemory() == 0, Duration.ofSeconds(30));
        // the topic is looked for again every 5 s: after a second look the ERROR is still the one line
        await("looked for the topic twice", () -> p.topicChecks() >= 2, Duration.ofSeconds(30));

        assertThat(log.lines(Level.SEVERE)).singleElement().satisfies(line -> assertThat(line)
                .startsWith("the proxy's principal may not create topic " + Topics.INTERCEPTIONS + " (")
                .contains("), and it does not exist. No event is sent to Kafka until it exists: they wait in the spool in "
                        + spoolDir.toAbsolutePath())
                .endsWith("An operator must create it: kafka-topics.sh --bootstrap-server " + broker.bootstrapServers()
                        + " --create --topic " + Topics.INTERCEPTIONS + " --partitions 2 --replication-factor 1 --config max.message.bytes="
                        + MAX_REQUEST_SIZE + ", and grant the proxy's principal WRITE and DESCRIBE on it"));
        assertThat(log.lines(Level.WARNING)).anySatisfy(line -> assertThat(line)
                .startsWith("the proxy's principal may not create topic " + Topics.INTERCEPTIONS + " (")
                .contains("(see the ERROR that says how to create it); events go to the spool in "));
        assertThat(count(registry, "aibridge.events.published")).isZero();

        // published while the topic is missing: on disk at once, behind the others
        UUID during = UUID.randomUUID();
        List<InterceptionEvent> duringEvents = EventPipelineTest.interception(during, "still no topic");
        duringEvents.forEach(e -> p.publish(e, TRACE));
        await("spooled too", () -> p.spoolEvents() == 6 && p.inMemory() == 0, Duration.ofSeconds(30));

        // the operator runs the command: the proxy finds the topic and replays the spool to it
        KafkaEvents operator = operator(broker);
        operator.createTopic(Topics.INTERCEPTIONS, 2, Map.of("max.message.bytes", String.valueOf(MAX_REQUEST_SIZE)));
        assertThat(p.awaitDrained(Duration.ofSeconds(30))).isTrue();

        List<ConsumerRecord<String, byte[]>> records = operator.records(Topics.INTERCEPTIONS);
        assertThat(eventIds(records, before)).containsExactlyElementsOf(ids(beforeEvents));
        assertThat(eventIds(records, during)).containsExactlyElementsOf(ids(duringEvents));
        assertThat(count(registry, "aibridge.events.replayed")).isEqualTo(6);
        assertThat(count(registry, "aibridge.events.dropped")).isZero();
        assertThat(log.lines(Level.INFO)).contains("topic " + Topics.INTERCEPTIONS + " exists now; the events waiting in the spool (6)"
                + " are published to it");
        assertThat(log.lines(Level.SEVERE)).hasSize(1);

        // and from now on straight to Kafka
        UUID after = UUID.randomUUID();
        List<InterceptionEvent> afterEvents = EventPipelineTest.interception(after, "after the operator made it");
        afterEvents.forEach(e -> p.publish(e, TRACE));
        assertThat(p.awaitDrained(Duration.ofSeconds(30))).isTrue();
        assertThat(eventIds(operator.records(Topics.INTERCEPTIONS), after)).containsExactlyElementsOf(ids(afterEvents));
        assertThat(count(registry, "aibridge.events.spooled")).isEqualTo(6);
    }

    /**
     * Any creation Kafka refuses for good is the same case: here a replication factor the one broker
     * cannot give. As it was, the producer then had the broker auto-create the topic, with the broker's
     * own record size limit (about 1 MB), which was never checked: larger events were dropped.
     */
    @Test
    void aMissingTopicKafkaRefusesToCreateIsNotAutoCreatedButNamedWithTheCommand() throws Exception {
        KafkaBroker broker = KafkaBroker.start(); // auto.create.topics.enable=true
        closeLater.add(broker);
        LogLines log = log();
        MeterRegistry registry = new SimpleMeterRegistry();

        EventPipeline p = pipeline(KafkaConnection.plain(broker.bootstrapServers()), (short) 3, registry, Duration.ofMillis(500));
        UUID id = UUID.randomUUID();
        EventPipelineTest.interception(id, "three replicas asked for").forEach(e -> p.publish(e, TRACE));
        await("spooled", () -> p.spoolEvents() == 3 && p.inMemory() == 0, Duration.ofSeconds(30));
        await("looked for the topic twice", () -> p.topicChecks() >= 2, Duration.ofSeconds(30));

        assertThat(log.lines(Level.SEVERE)).singleElement().satisfies(line -> assertThat(line)
                .startsWith("Kafka refused to create topic " + Topics.INTERCEPTIONS + " (org.apache.kafka.common.errors.InvalidReplicationFactorException")
                .contains("), and it does not exist. No event is sent to Kafka until it exists")
                .endsWith("An operator must create it: kafka-topics.sh --bootstrap-server " + broker.bootstrapServers()
                        + " --create --topic " + Topics.INTERCEPTIONS + " --partitions 2 --replication-factor 3 --config max.message.bytes="
                        + MAX_REQUEST_SIZE));
        assertThat(count(registry, "aibridge.events.published")).isZero();
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.<String, Object>of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            assertThat(admin.listTopics().names().get()).doesNotContain(Topics.INTERCEPTIONS);
        }
    }

    private KafkaBroker brokerWithAcls() {
        KafkaBroker broker = KafkaBroker.startWithAcls();
        closeLater.add(broker);
        return broker;
    }

    /** An ACL broker with the interceptions topic an operator made, the proxy's principal granted WRITE and DESCRIBE on it only. */
    private KafkaBroker brokerWithOperatorsTopic() throws Exception {
        KafkaBroker broker = brokerWithAcls();
        operator(broker).createTopic(Topics.INTERCEPTIONS, 2, Map.of("max.message.bytes", String.valueOf(MAX_REQUEST_SIZE)));
        broker.grantTopic(Topics.INTERCEPTIONS, AclOperation.WRITE, AclOperation.DESCRIBE);
        return broker;
    }

    private KafkaEvents operator(KafkaBroker broker) {
        KafkaEvents operator = new KafkaEvents(broker.bootstrapServers(), broker.clientSecurity());
        closeLater.add(operator);
        return operator;
    }

    private LogLines log() {
        LogLines log = LogLines.of(EventPipeline.class);
        closeLater.add(log);
        return log;
    }

    /** The proxy's principal: {@value KafkaBroker#RESTRICTED_USER}, with only what a test grants. */
    private static KafkaConnection restricted(KafkaBroker broker) {
        Map<String, Object> settings = new HashMap<>(broker.restrictedClientSecurity());
        settings.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        return new KafkaConnection(settings);
    }

    private EventPipeline pipeline(KafkaConnection kafka, short replicationFactor, MeterRegistry registry, Duration spoolAfter) {
        EventPipeline p = new EventPipeline(new EventPipeline.Settings(kafka, 2, replicationFactor, MAX_REQUEST_SIZE, "snappy",
                Duration.ofMinutes(10), Duration.ofSeconds(3), 10_000, spoolDir, 64L * 1024 * 1024, spoolAfter, false, Map.of()),
                registry, KafkaProducer::new, Spool.SegmentFiles.DISK);
        p.start();
        closeLater.add(p);
        return p;
    }


    private static void await(String what, BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}

package io.aibridge.proxy.events;

import io.aibridge.identity.KafkaConnection;

import io.aibridge.events.CredentialKind;
import io.aibridge.events.EndStatus;
import io.aibridge.events.EventCodec;
import io.aibridge.events.InterceptionEnded;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.InterceptionStarted;
import io.aibridge.events.PromptRecorded;
import io.aibridge.events.TokenUsageRecorded;
import io.aibridge.events.Topics;
import io.aibridge.testing.KafkaBroker;
import io.aibridge.testing.KafkaEvents;
import io.aibridge.testing.LogLines;
import io.aibridge.testing.RefuseTopicConfigChanges;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The publisher against a real broker (Kafka's own test kit, in this JVM): direct publishing, the
 * spool when Kafka stops, replay in order by the next start on the same directory, failed sends,
 * a full spool in both modes, and the record size limit of a topic that exists already.
 */
class EventPipelineTest {

    private static final Map<String, String> TRACE = Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

    @TempDir
    Path spoolDir;

    @TempDir
    Path copies;

    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            closeLater.get(i).close();
        }
    }

    private EventPipeline pipeline(String bootstrap, MeterRegistry registry, Duration spoolAfter, long maxBytes, boolean failClosed,
                                   Map<String, Object> overrides) {
        return pipeline(bootstrap, registry, spoolAfter, maxBytes, failClosed, overrides, 10_000, Spool.SegmentFiles.DISK);
    }

    private EventPipeline pipeline(String bootstrap, MeterRegistry registry, Duration spoolAfter, long maxBytes, boolean failClosed,
                                   Map<String, Object> overrides, int queueCapacity, Spool.SegmentFiles files) {
        EventPipeline p = new EventPipeline(new EventPipeline.Settings(KafkaConnection.plain(bootstrap), 2, (short) 1, 16L * 1024 * 1024, "snappy",
                Duration.ofMinutes(10), Duration.ofSeconds(3), queueCapacity, spoolDir, maxBytes, spoolAfter, failClosed, overrides),
                registry, KafkaProducer::new, files);
        p.start();
        closeLater.add(p);
        return p;
    }

    private KafkaBroker broker() {
        KafkaBroker broker = KafkaBroker.start();
        closeLater.add(broker);
        return broker;
    }

    private static String closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return "127.0.0.1:" + s.getLocalPort();
        }
    }

    /** One interception's events: started, one token usage, ended. */
    static List<InterceptionEvent> interception(UUID id, String prompt) {
        Instant started = Instant.now();
        return List.of(
                new InterceptionStarted(EventCodec.newEventId(), id, started, UUID.randomUUID(), "alice", "key1", "anthropic",
                        "anthropic", "claude-sonnet-4-5", "Claude Code", null, "claude-cli/2.0", null, CredentialKind.CENTRALIZED,
                        "sk-a...wxyz", true, "/v1/messages", Map.of("note", prompt)),
                new TokenUsageRecorded(EventCodec.newEventId(), id, started, Instant.now(), "msg_1", 10, 20, 0, 0, Map.of()),
                new InterceptionEnded(EventCodec.newEventId(), id, started, Instant.now(), EndStatus.COMPLETED, 200, null, null, 12L, 3L));
    }

    private static List<ConsumerRecord<String, byte[]>> records(String bootstrap) {
        try (KafkaEvents kafka = new KafkaEvents(bootstrap)) {
            return kafka.records(Topics.INTERCEPTIONS);
        }
    }

    static List<String> eventIds(List<ConsumerRecord<String, byte[]>> records, UUID interception) {
        return records.stream().filter(r -> interception.toString().equals(r.key())).map(r -> KafkaEvents.header(r, "ce_id")).toList();
    }

    static List<String> ids(List<InterceptionEvent> events) {
        return events.stream().map(e -> e.eventId().toString()).toList();
    }

    static double count(MeterRegistry registry, String name) {
        return registry.find(name).functionCounters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static void await(String what, java.util.function.BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private List<Path> segmentFiles() throws Exception {
        try (Stream<Path> files = Files.list(spoolDir)) {
            return files.filter(f -> f.toString().endsWith(".spool")).toList();
        }
    }

    @Test
    void publishesStraightToKafkaWithTheExtraHeadersWhileKafkaIsUp() throws Exception {
        KafkaBroker kafka = broker();
        MeterRegistry registry = new SimpleMeterRegistry();
        EventPipeline p = pipeline(kafka.bootstrapServers(), registry, Duration.ofSeconds(5), 1024 * 1024, false, Map.of());
        UUID id = UUID.randomUUID();
        List<InterceptionEvent> events = interception(id, "hello");
        events.forEach(e -> p.publish(e, TRACE));
        assertThat(p.awaitDrained(Duration.ofSeconds(30))).isTrue();
        await("published", () -> count(registry, "aibridge.events.published") == 3, Duration.ofSeconds(10));

        List<ConsumerRecord<String, byte[]>> records = records(kafka.bootstrapServers());
        assertThat(eventIds(records, id)).containsExactlyElementsOf(ids(events));
        assertThat(records).allSatisfy(r -> assertThat(KafkaEvents.header(r, "traceparent")).isEqualTo(TRACE.get("traceparent")));
        assertThat(count(registry, "aibridge.events.spooled")).isZero();
        assertThat(segmentFiles()).isEmpty();
    }

    @Test
    void spoolsWhatKafkaDoesNotAcknowledgeAndTheNextStartReplaysItFirstInOrder() throws Exception {
        KafkaBroker first = broker();
        MeterRegistry before = new SimpleMeterRegistry();
        EventPipeline p1 = pipeline(first.bootstrapServers(), before, Duration.ofMillis(300), 1024 * 1024, false, Map.of());
        UUID x = UUID.randomUUID();
        UUID y = UUID.randomUUID();
        List<InterceptionEvent> xs = interception(x, "x");
        List<InterceptionEvent> ys = interception(y, "y");
        p1.publish(xs.get(0), TRACE);
        await("x started on Kafka", () -> count(before, "aibridge.events.published") == 1, Duration.ofSeconds(30));

        first.close(); // Kafka goes away while the interceptions go on
        p1.publish(xs.get(1), TRACE);
        p1.publish(xs.get(2), TRACE);
        p1.publish(ys.get(0), TRACE);
        p1.publish(ys.get(1), TRACE);
        await("four events spooled", () -> p1.spoolEvents() == 4 && p1.inMemory() == 0, Duration.ofSeconds(10));
        assertThat(p1.mode()).isEqualTo(EventPipeline.Mode.SPOOLING);
        assertThat(count(before, "aibridge.events.spooled")).isEqualTo(4);
        assertThat(count(before, "aibridge.events.dropped")).isZero();
        p1.close(); // stopped while Kafka is down: everything stays on disk
        assertThat(segmentFiles()).isNotEmpty();
        assertThat(before.find("aibridge.events.spooled").meters()).as("a closed pipeline's meters leave the registry").isEmpty();

        KafkaBroker second = broker();
        MeterRegistry after = new SimpleMeterRegistry();
        EventPipeline p2 = pipeline(second.bootstrapServers(), after, Duration.ofMillis(300), 1024 * 1024, false, Map.of());
        p2.publish(ys.get(2), TRACE); // new, and published after the spooled events of the same interception
        assertThat(p2.awaitDrained(Duration.ofSeconds(30))).isTrue();

        List<ConsumerRecord<String, byte[]>> records = records(second.bootstrapServers());
        assertThat(eventIds(records, x)).containsExactlyElementsOf(ids(xs.subList(1, 3)));
        assertThat(eventIds(records, y)).containsExactlyElementsOf(ids(ys));
        assertThat(records).allSatisfy(r -> assertThat(KafkaEvents.header(r, "traceparent")).isEqualTo(TRACE.get("traceparent")));
        // the 4 of the first run, plus the new event if it waited behind them longer than spoolAfter (a slow machine)
        assertThat(count(after, "aibridge.events.replayed")).isEqualTo(4 + count(after, "aibridge.events.spooled"));
        assertThat(count(after, "aibridge.events.dropped")).isZero();
        assertThat(segmentFiles()).as("a drained spool leaves no segment").isEmpty();
    }

    /**
     * Quarkus hands out a composite registry and adds its Prometheus registry to it while the
     * application starts; a spool left by the previous run may be replayed before that. What was
     * counted then must still be what the scrape shows (a CI run once read 0 replayed after 70).
     */
    @Test
    void aRegistryThatJoinsTheCompositeAfterTheReplayStillSeesEveryReplayedEvent() throws Exception {
        KafkaBroker gone = broker();
        EventPipeline p1 = pipeline(gone.bootstrapServers(), new SimpleMeterRegistry(), Duration.ofMillis(300), 1024 * 1024, false, Map.of());
        gone.close();
        interception(UUID.randomUUID(), "left behind").forEach(e -> p1.publish(e, TRACE));
        await("three events spooled", () -> p1.spoolEvents() == 3 && p1.inMemory() == 0, Duration.ofSeconds(10));
        p1.close();

        KafkaBroker kafka = broker();
        CompositeMeterRegistry composite = new CompositeMeterRegistry();
        EventPipeline p2 = pipeline(kafka.bootstrapServers(), composite, Duration.ofSeconds(5), 1024 * 1024, false, Map.of());
        await("the left spool replayed", () -> p2.spoolEvents() == 0 && p2.mode() == EventPipeline.Mode.DIRECT, Duration.ofSeconds(30));
        MeterRegistry scraped = new SimpleMeterRegistry();
        composite.add(scraped);

        assertThat(count(scraped, "aibridge.events.replayed")).isEqualTo(3);
        assertThat(count(scraped, "aibridge.events.published")).isEqualTo(3);
        assertThat(count(scraped, "aibridge.events.dropped")).isZero();
    }

    @Test
    void sendsThatFailAreSpooledNotLostAndGoOutOnceKafkaIsBack() throws Exception {
        KafkaBroker first = broker();
        MeterRegistry registry = new SimpleMeterRegistry();
        // the producer gives up on a record after 1.5 s, long before the spool's own 60 s rule
        EventPipeline p1 = pipeline(first.bootstrapServers(), registry, Duration.ofSeconds(60), 1024 * 1024, false,
                Map.of("request.timeout.ms", "1000", "delivery.timeout.ms", "1500"));
        UUID x = UUID.randomUUID();
        List<InterceptionEvent> xs = interception(x, "x");
        p1.publish(xs.get(0), Map.of());
        await("started on Kafka", () -> count(registry, "aibridge.events.published") == 1, Duration.ofSeconds(30));
        first.close();
        p1.publish(xs.get(1), Map.of());
        p1.publish(xs.get(2), Map.of());
        // The first failed send spools what is unacknowledged then. Taken by the publisher after
        // that (this thread may be descheduled between the two publishes), the second waits in
        // memory behind the spooled one, in order, and is spooled when the pipeline closes.
        await("failed sends spooled", () -> p1.spoolEvents() >= 1 && p1.spoolEvents() + p1.inMemory() == 2,
                Duration.ofSeconds(20));
        assertThat(count(registry, "aibridge.events.failed")).isGreaterThanOrEqualTo(1);
        p1.close();

        KafkaBroker second = broker();
        EventPipeline p2 = pipeline(second.bootstrapServers(), new SimpleMeterRegistry(), Duration.ofSeconds(60), 1024 * 1024, false, Map.of());
        assertThat(p2.awaitDrained(Duration.ofSeconds(30))).isTrue();
        assertThat(eventIds(records(second.bootstrapServers()), x)).containsExactlyElementsOf(ids(xs.subList(1, 3)));
    }

    @Test
    void kafkaUnreachableFromTheStartFillsTheSpoolAndAFullSpoolDropsAndCountsWhileServingGoesOn() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        EventPipeline p = pipeline(closedPort(), registry, Duration.ofMillis(50), 64 * 1024, false, Map.of());
        int published = 0;
        for (int i = 0; i < 40; i++) {
            for (InterceptionEvent e : interception(UUID.randomUUID(), "x".repeat(1500))) {
                p.publish(e, TRACE);
                published++;
            }
        }
        int total = published;
        await("every event spooled or dropped", () -> p.inMemory() == 0
                && count(registry, "aibridge.events.spooled") + count(registry, "aibridge.events.dropped") == total, Duration.ofSeconds(20));
        assertThat(registry.get("aibridge.events.dropped").tag("reason", "spool_full").functionCounter().count()).isPositive();
        assertThat(p.spoolBytes()).isLessThanOrEqualTo(64 * 1024);
        assertThat(p.acceptsNewInterceptions()).as("fail-open keeps serving").isTrue();
    }

    @Test
    void failClosedRefusesNewInterceptionsOnceTheSpoolIsNearlyFull() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        EventPipeline p = pipeline(closedPort(), registry, Duration.ofMillis(50), 64 * 1024, true, Map.of());
        assertThat(p.acceptsNewInterceptions()).isTrue();
        for (int i = 0; i < 40 && p.acceptsNewInterceptions(); i++) {
            for (InterceptionEvent e : interception(UUID.randomUUID(), "x".repeat(1500))) {
                p.publish(e, TRACE);
            }
            int expected = (i + 1) * 3;
            await("spooled", () -> p.inMemory() == 0 && count(registry, "aibridge.events.spooled") == expected, Duration.ofSeconds(10));
        }
        assertThat(p.acceptsNewInterceptions()).isFalse();
        assertThat(count(registry, "aibridge.spool.refused.interceptions")).isPositive();
        assertThat(count(registry, "aibridge.events.dropped")).as("the reserve held every event of the admitted interceptions").isZero();
    }

    private static double dropped(MeterRegistry registry, String reason) {
        return registry.get("aibridge.events.dropped").tag("reason", reason).functionCounter().count();
    }

    @Test
    void aSegmentThatCannotBeStartedCostsTheEventItCouldNotStoreAndThePublisherGoesOn() throws Exception {
        FullDisk disk = new FullDisk();
        disk.failNextSegments(1); // the disk is full when the first event needs the first segment
        MeterRegistry registry = new SimpleMeterRegistry();
        EventPipeline p1 = pipeline(closedPort(), registry, Duration.ofMillis(50), 1024 * 1024, false, Map.of(), 10_000, disk);
        UUID x = UUID.randomUUID();
        UUID y = UUID.randomUUID();
        List<InterceptionEvent> xs = interception(x, "x");
        List<InterceptionEvent> ys = interception(y, "y");
        xs.forEach(e -> p1.publish(e, TRACE));
        await("x spooled or dropped", () -> p1.inMemory() == 0
                && count(registry, "aibridge.events.spooled") + count(registry, "aibridge.events.dropped") == 3, Duration.ofSeconds(10));
        assertThat(disk.failedSegments()).isEqualTo(1);
        assertThat(dropped(registry, "spool_full")).as("the one event the full disk could not take").isEqualTo(1);

        ys.forEach(e -> p1.publish(e, TRACE)); // the disk has room again
        await("y spooled", () -> p1.inMemory() == 0 && count(registry, "aibridge.events.spooled") == 5, Duration.ofSeconds(10));
        assertThat(p1.running()).isTrue();
        assertThat(count(registry, "aibridge.events.dropped")).isEqualTo(1);
        p1.close();

        KafkaBroker kafka = broker();
        MeterRegistry after = new SimpleMeterRegistry();
        EventPipeline p2 = pipeline(kafka.bootstrapServers(), after, Duration.ofSeconds(5), 1024 * 1024, false, Map.of());
        assertThat(p2.awaitDrained(Duration.ofSeconds(30))).isTrue();
        List<ConsumerRecord<String, byte[]>> records = records(kafka.bootstrapServers());
        assertThat(eventIds(records, x)).containsExactlyElementsOf(ids(xs.subList(1, 3)));
        assertThat(eventIds(records, y)).containsExactlyElementsOf(ids(ys));
        assertThat(count(after, "aibridge.events.replayed")).isEqualTo(5);
    }

    @Test
    void anUncheckedFailureOfTheSpoolCostsOneEventNotThePublisher() throws Exception {
        AtomicBoolean broken = new AtomicBoolean(true);
        Spool.SegmentFiles files = (path, options) -> {
            if (broken.getAndSet(false)) {
                throw new IllegalStateException("a bug in the spool");
            }
            return FileChannel.open(path, options);
        };
        MeterRegistry registry = new SimpleMeterRegistry();
        EventPipeline p = pipeline(closedPort(), registry, Duration.ofMillis(50), 1024 * 1024, false, Map.of(), 10_000, files);
        interception(UUID.randomUUID(), "x").forEach(e -> p.publish(e, TRACE));
        await("spooled or dropped", () -> p.inMemory() == 0
                && count(registry, "aibridge.events.spooled") + count(registry, "aibridge.events.dropped") == 3, Duration.ofSeconds(10));
        assertThat(dropped(registry, "spool_full")).isEqualTo(1);
        assertThat(count(registry, "aibridge.events.publisher.errors")).isEqualTo(1);

        interception(UUID.randomUUID(), "y").forEach(e -> p.publish(e, TRACE));
        await("spooled", () -> p.inMemory() == 0 && count(registry, "aibridge.events.spooled") == 5, Duration.ofSeconds(10));
        assertThat(p.running()).as("the publisher thread still takes events from the queue").isTrue();
    }

    /**
     * What a {@code kill -9} of the proxy would leave: the spool's files as they are now (the
     * kernel keeps what was written), copied elsewhere and opened by a fresh spool; the event ids
     * in them.
     */
    private List<String> eventIdsOnDisk() throws Exception {
        Path copy = Files.createTempDirectory(copies, "killed");
        for (Path f : segmentFiles()) {
            Files.copy(f, copy.resolve(f.getFileName()));
        }
        if (Files.exists(spoolDir.resolve("checkpoint"))) {
            Files.copy(spoolDir.resolve("checkpoint"), copy.resolve("checkpoint"));
        }
        List<String> ids = new ArrayList<>();
        try (Spool spool = Spool.open(copy, 1024 * 1024)) {
            for (List<Spool.Item> items = spool.read(100, Long.MAX_VALUE); !items.isEmpty(); items = spool.read(100, Long.MAX_VALUE)) {
                items.forEach(i -> ids.add(i.record().header("ce_id")));
            }
        }
        return ids;
    }

    @Test
    void whileKafkaIsDownANewEventIsOnDiskLongBeforeSpoolAfterAndTheNextStartReplaysInOrderWhileTrafficGoesOn() throws Exception {
        Duration spoolAfter = Duration.ofSeconds(4);
        KafkaBroker first = broker();
        MeterRegistry registry = new SimpleMeterRegistry();
        EventPipeline p1 = pipeline(first.bootstrapServers(), registry, spoolAfter, 1024 * 1024, false, Map.of());
        UUID x = UUID.randomUUID();
        List<InterceptionEvent> xs = interception(x, "x");
        p1.publish(xs.get(0), TRACE);
        await("x started on Kafka", () -> count(registry, "aibridge.events.published") == 1, Duration.ofSeconds(30));
        first.close();
        p1.publish(xs.get(1), TRACE); // not acknowledged within spoolAfter: the pipeline starts spooling
        await("spooling", () -> p1.mode() == EventPipeline.Mode.SPOOLING && p1.spoolEvents() == 1, spoolAfter.multipliedBy(3));

        String next = xs.get(2).eventId().toString();
        p1.publish(xs.get(2), TRACE);
        // within the group commit of the step that takes it; that step may first wait up to
        // max.block.ms (1 s) in a replay's send to the stopped broker
        long deadline = System.nanoTime() + spoolAfter.dividedBy(2).toNanos();
        while (!eventIdsOnDisk().contains(next)) {
            assertThat(System.nanoTime()).as("the new event is on disk half of spoolAfter after it was published").isLessThan(deadline);
            Thread.sleep(20);
        }
        assertThat(eventIdsOnDisk()).containsExactlyElementsOf(ids(xs.subList(1, 3)));
        p1.close();

        // the next start replays the spool while new interceptions keep coming every few milliseconds
        KafkaBroker second = broker();
        MeterRegistry after = new SimpleMeterRegistry();
        EventPipeline p2 = pipeline(second.bootstrapServers(), after, spoolAfter, 1024 * 1024, false, Map.of());
        assertThat(p2.mode()).isEqualTo(EventPipeline.Mode.SPOOLING);
        List<UUID> steady = new ArrayList<>();
        Map<UUID, List<InterceptionEvent>> sent = new java.util.HashMap<>();
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (p2.mode() == EventPipeline.Mode.SPOOLING) {
            assertThat(System.nanoTime()).as("the spool drains while traffic goes on").isLessThan(until);
            UUID id = UUID.randomUUID();
            List<InterceptionEvent> events = interception(id, "steady");
            events.forEach(e -> p2.publish(e, TRACE));
            steady.add(id);
            sent.put(id, events);
            Thread.sleep(5);
        }
        assertThat(p2.awaitDrained(Duration.ofSeconds(30))).isTrue();
        List<ConsumerRecord<String, byte[]>> records = records(second.bootstrapServers());
        assertThat(eventIds(records, x)).containsExactlyElementsOf(ids(xs.subList(1, 3)));
        for (UUID id : steady) {
            assertThat(eventIds(records, id)).containsExactlyElementsOf(ids(sent.get(id)));
        }
        assertThat(count(after, "aibridge.events.dropped")).isZero();
    }

    private static long maxMessageBytes(String bootstrap, String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            return Long.parseLong(admin.describeConfigs(List.of(resource)).all().get().get(resource).get("max.message.bytes").value());
        }
    }

    /**
     * A topic made before the proxy (by an operator, or auto-created when another client asked for
     * it) has Kafka's default limit of about 1 MB per record. Kafka refuses a larger record for
     * good, so the proxy raises the limit to what it sends rather than drop large prompts.
     */
    @Test
    void raisesTheRecordSizeLimitOfATopicThatExistsWithKafkasDefaultSoALargePromptIsDeliveredNotDropped() throws Exception {
        KafkaBroker kafka = broker();
        try (KafkaEvents events = new KafkaEvents(kafka.bootstrapServers())) {
            events.createTopic(Topics.INTERCEPTIONS, 2, Map.of("max.message.bytes", "1048588"));
        }
        // about 3 MB that no compression shrinks below 1 MB: random printable ASCII
        java.util.Random random = new java.util.Random(42);
        StringBuilder text = new StringBuilder(3_000_000);
        for (int i = 0; i < 3_000_000; i++) {
            text.append((char) (' ' + 1 + random.nextInt(94)));
        }
        UUID id = UUID.randomUUID();
        PromptRecorded prompt = new PromptRecorded(EventCodec.newEventId(), id, Instant.now(), Instant.now(), "resp_1", text.toString(), Map.of());

        MeterRegistry registry = new SimpleMeterRegistry();
        EventPipeline p = pipeline(kafka.bootstrapServers(), registry, Duration.ofSeconds(5), 64L * 1024 * 1024, false, Map.of());
        p.publish(prompt, TRACE); // at once: nothing is sent before the topic's limit has been seen to
        await("published", () -> count(registry, "aibridge.events.published") == 1 || count(registry, "aibridge.events.dropped") > 0,
                Duration.ofSeconds(30));
        assertThat(dropped(registry, "rejected")).isZero();
        assertThat(count(registry, "aibridge.events.published")).isEqualTo(1);
        assertThat(maxMessageBytes(kafka.bootstrapServers(), Topics.INTERCEPTIONS)).isEqualTo(16L * 1024 * 1024);

        List<ConsumerRecord<String, byte[]>> records = records(kafka.bootstrapServers());
        assertThat(eventIds(records, id)).containsExactly(prompt.eventId().toString());
        assertThat(records.get(0).value().length).isGreaterThan(3_000_000);
    }

    /**
     * When Kafka refuses to raise the existing topic's limit (no ALTER_CONFIGS, or a policy), an ERROR
     * says so with the command that fixes it, and the proxy goes on publishing: only an event larger
     * than the topic's limit is lost, dropped as rejected rather than retried or spooled for ever.
     */
    @Test
    void aTopicWhoseLimitKafkaRefusesToRaiseIsNamedWithTheFixAndEverythingElseIsStillPublished() throws Exception {
        KafkaBroker kafka = KafkaBroker.startRefusingTopicConfigChanges();
        closeLater.add(kafka);
        try (KafkaEvents events = new KafkaEvents(kafka.bootstrapServers())) {
            events.createTopic(Topics.INTERCEPTIONS, 2, Map.of("max.message.bytes", "1048588"));
        }
        LogLines log = LogLines.of(EventPipeline.class);
        closeLater.add(log);
        MeterRegistry registry = new SimpleMeterRegistry();
        EventPipeline p = pipeline(kafka.bootstrapServers(), registry, Duration.ofSeconds(5), 64L * 1024 * 1024, false, Map.of());
        UUID small = UUID.randomUUID();
        List<InterceptionEvent> smallEvents = interception(small, "hello");
        smallEvents.forEach(e -> p.publish(e, TRACE));
        await("published", () -> count(registry, "aibridge.events.published") == 3, Duration.ofSeconds(30));

        List<String> refusals = log.lines().stream().filter(line -> line.contains("Kafka refused to raise it")).toList();
        assertThat(refusals).singleElement().satisfies(line -> assertThat(line)
                .startsWith("topic " + Topics.INTERCEPTIONS + " takes records of at most 1048588 bytes (max.message.bytes), less than the "
                        + 16 * 1024 * 1024 + " the proxy sends (AIBRIDGE_EVENTS_MAX_REQUEST_SIZE), and Kafka refused to raise it (")
                .contains(RefuseTopicConfigChanges.MESSAGE)
                .endsWith("Fix it with: kafka-configs.sh --bootstrap-server " + kafka.bootstrapServers() + " --alter --entity-type topics"
                        + " --entity-name " + Topics.INTERCEPTIONS + " --add-config max.message.bytes=" + 16 * 1024 * 1024));
        assertThat(log.lines()).noneMatch(line -> line.contains("raised its max.message.bytes"));
        assertThat(maxMessageBytes(kafka.bootstrapServers(), Topics.INTERCEPTIONS)).isEqualTo(1048588);

        // about 3 MB that no compression shrinks below 1 MB: Kafka refuses it for good, and it alone is lost
        java.util.Random random = new java.util.Random(42);
        StringBuilder text = new StringBuilder(3_000_000);
        for (int i = 0; i < 3_000_000; i++) {
            text.append((char) (' ' + 1 + random.nextInt(94)));
        }
        UUID large = UUID.randomUUID();
        p.publish(new PromptRecorded(EventCodec.newEventId(), large, Instant.now(), Instant.now(), "resp_1", text.toString(), Map.of()), TRACE);
        UUID after = UUID.randomUUID();
        List<InterceptionEvent> afterEvents = interception(after, "after the large one");
        afterEvents.forEach(e -> p.publish(e, TRACE));
        await("the events after the large one published", () -> count(registry, "aibridge.events.published") == 6, Duration.ofSeconds(30));
        assertThat(p.awaitDrained(Duration.ofSeconds(30))).isTrue();
        assertThat(dropped(registry, "rejected")).isEqualTo(1);
        assertThat(count(registry, "aibridge.events.spooled")).isZero();

        List<ConsumerRecord<String, byte[]>> records = records(kafka.bootstrapServers());
        assertThat(eventIds(records, small)).containsExactlyElementsOf(ids(smallEvents));
        assertThat(eventIds(records, after)).containsExactlyElementsOf(ids(afterEvents));
        assertThat(eventIds(records, large)).isEmpty();
    }

    /**
     * Once the broker is gone the producer loses the topic's metadata, and each send waits
     * max.block.ms (1 s) for it. Sending each event of a round (or of a replay batch of up to
     * 1,000) would stall the publisher for as many seconds while the queue overflows.
     */
    @Test
    void sendsThatWaitForMissingMetadataDoNotStallThePublisherNorOverflowTheQueue() throws Exception {
        KafkaBroker first = broker();
        MeterRegistry registry = new SimpleMeterRegistry();
        int queue = 30;
        EventPipeline p1 = pipeline(first.bootstrapServers(), registry, Duration.ofMillis(200), 1024 * 1024, false, Map.of(),
                queue, Spool.SegmentFiles.DISK);
        p1.publish(interception(UUID.randomUUID(), "warm").get(0), TRACE);
        await("the producer has the topic's metadata", () -> count(registry, "aibridge.events.published") == 1, Duration.ofSeconds(30));
        first.close();

        // 20 events a second for 3 s: one send waiting 1 s leaves 20 in the queue, two in a row overflow it
        List<InterceptionEvent> events = new ArrayList<>();
        Map<UUID, List<InterceptionEvent>> byInterception = new java.util.LinkedHashMap<>();
        long started = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            UUID id = UUID.randomUUID();
            List<InterceptionEvent> three = interception(id, "during the outage " + i);
            byInterception.put(id, three);
            for (InterceptionEvent e : three) {
                p1.publish(e, TRACE);
                events.add(e);
                Thread.sleep(50);
            }
        }
        int total = events.size();
        await("every event spooled", () -> p1.spoolEvents() == total && p1.inMemory() == 0, Duration.ofSeconds(5));
        assertThat(count(registry, "aibridge.events.dropped")).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(total / 2));
        p1.close();

        KafkaBroker second = broker();
        EventPipeline p2 = pipeline(second.bootstrapServers(), new SimpleMeterRegistry(), Duration.ofSeconds(5), 1024 * 1024, false, Map.of());
        assertThat(p2.awaitDrained(Duration.ofSeconds(30))).isTrue();
        List<ConsumerRecord<String, byte[]>> records = records(second.bootstrapServers());
        assertThat(records).hasSize(total);
        byInterception.forEach((id, three) -> assertThat(eventIds(records, id)).containsExactlyElementsOf(ids(three)));
    }
}

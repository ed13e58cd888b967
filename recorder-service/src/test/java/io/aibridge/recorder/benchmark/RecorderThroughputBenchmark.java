package io.aibridge.recorder.benchmark;

import io.aibridge.events.EncodedEvent;
import io.aibridge.events.EventCodec;
import io.aibridge.events.InterceptionEnded;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.Topics;
import io.aibridge.recorder.ReusedConnectionDataSource;
import io.aibridge.recorder.TestEvents;
import io.aibridge.recorder.consumer.BatchConsumer;
import io.aibridge.recorder.consumer.ConsumerMetrics;
import io.aibridge.recorder.consumer.DeadLetters;
import io.aibridge.recorder.consumer.EventWriter;
import io.aibridge.recorder.interception.InterceptionWriter;
import io.aibridge.testing.Database;
import io.aibridge.testing.KafkaBroker;
import io.aibridge.testing.KafkaEvents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small, honest throughput measurement of the recorder's consume-and-write path (the real
 * benchmark is a later issue): a real in-JVM Kafka broker, embedded PostgreSQL 15, the real
 * {@link BatchConsumer} and {@link InterceptionWriter}, all on this machine. Prints a table; asserts
 * nothing about speed. Off by default:
 * <pre>
 * ./mvnw -B -pl recorder-service -am verify -Dtest=RecorderThroughputBenchmark \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Daibridge.benchmark=true
 * </pre>
 * Phase 1 drains a backlog (how many events per second the recorder stores). Phase 2 publishes
 * 1,000 interceptions per second and measures, for every end event, the time from its creation
 * (its {@code ended_at}) to the commit that made the interception visible.
 */
@EnabledIfSystemProperty(named = "aibridge.benchmark", matches = "true")
class RecorderThroughputBenchmark {

    private static final int BACKLOG_INTERCEPTIONS = Integer.getInteger("aibridge.benchmark.interceptions", 40_000);
    private static final int PACED_RATE = Integer.getInteger("aibridge.benchmark.rate", 1_000);
    private static final int PACED_SECONDS = Integer.getInteger("aibridge.benchmark.seconds", 20);
    private static final int CONSUMERS = Integer.getInteger("aibridge.benchmark.consumers", 1);
    private static final int BATCH_SIZE = Integer.getInteger("aibridge.benchmark.batch", 1000);
    private static final int USERS = 200;
    private static final int SESSION_LENGTH = 200;

    private final EventCodec codec = new EventCodec("/aibridge/benchmark");
    private final Random random = new Random(1);

    @Test
    void measure() throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(); Database database = Database.start().migrate();
             ReusedConnectionDataSource dataSource = new ReusedConnectionDataSource(database.jdbcUrl(), database.user(), database.password());
             KafkaEvents admin = new KafkaEvents(broker.bootstrapServers())) {
            admin.createTopic(Topics.INTERCEPTIONS, 3, Map.of());
            Map<String, Object> kafka = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            Workload workload = new Workload();

            // Phase 1: a backlog, then drain it.
            long published;
            try (KafkaProducer<String, byte[]> producer = producer(broker.bootstrapServers())) {
                published = 0;
                for (int i = 0; i < BACKLOG_INTERCEPTIONS; i++) {
                    published += send(producer, workload.next(Instant.now()));
                }
                producer.flush();
            }
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            CountingWriter counting = new CountingWriter(new InterceptionWriter(dataSource, meters, false));
            long started = System.nanoTime();
            List<BatchConsumer<InterceptionEvent>> drainers = new ArrayList<>();
            for (int c = 0; c < CONSUMERS; c++) {
                drainers.add(consumer(kafka, counting, "benchmark-drain").start());
            }
            while (counting.events.get() < published) {
                Thread.sleep(20);
            }
            double drainSeconds = (System.nanoTime() - started) / 1e9;
            drainers.forEach(d -> d.stop(Duration.ofSeconds(10)));
            long[] batches = counting.batchMillis();
            StringBuilder stepTimes = new StringBuilder();
            meters.find("aibridge.recorder.write.step").timers().forEach(t -> stepTimes.append(String.format("| step %s: total / mean | %.1f s / %.1f ms |%n",
                    t.getId().getTag("step"), t.totalTime(java.util.concurrent.TimeUnit.SECONDS), t.mean(java.util.concurrent.TimeUnit.MILLISECONDS))));

            // Phase 2: 1,000 interceptions per second, visibility latency of every end.
            counting.reset();
            BatchConsumer<InterceptionEvent> paced = consumer(kafka, counting, "benchmark-paced");
            String pacedGroupTopicStart = "paced";
            long pacedEvents = 0;
            try (KafkaProducer<String, byte[]> producer = producer(broker.bootstrapServers())) {
                // Skip the backlog: the paced consumer starts at the end of the topic.
                paced = new BatchConsumer<>("benchmark-paced", Topics.INTERCEPTIONS, Topics.INTERCEPTIONS_DEAD_LETTER,
                        InterceptionEvent.class, counting, new DeadLetters(kafka, pacedGroupTopicStart),
                        new ConsumerMetrics(new SimpleMeterRegistry(), Topics.INTERCEPTIONS),
                        withLatestReset(kafka), "benchmark-paced", BATCH_SIZE, Duration.ofMillis(100), Duration.ofMillis(200),
                        Duration.ofSeconds(10)).start();
                Thread.sleep(3000);
                long begin = System.nanoTime();
                long periodNanos = 1_000_000_000L / PACED_RATE;
                for (long i = 0; i < (long) PACED_RATE * PACED_SECONDS; i++) {
                    long due = begin + i * periodNanos;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    pacedEvents += send(producer, workload.next(Instant.now()));
                }
                producer.flush();
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (counting.events.get() < pacedEvents && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            paced.stop(Duration.ofSeconds(10));
            long[] visible = counting.visibilityMillis();

            System.out.println();
            System.out.printf("| recorder throughput (2 cores, in-JVM Kafka 3 partitions, PostgreSQL 15, %d consumer(s)) | value |%n", CONSUMERS);
            System.out.println("|---|---|");
            System.out.printf("| batch size (max.poll.records) | %d |%n", BATCH_SIZE);
            System.out.printf("| backlog drained: events / interceptions | %d / %d |%n", published, BACKLOG_INTERCEPTIONS);
            System.out.printf("| backlog drain time | %.1f s |%n", drainSeconds);
            System.out.printf("| **events stored per second** | **%.0f** |%n", published / drainSeconds);
            System.out.printf("| batches, median / p99 / max write time | %d, %d / %d / %d ms |%n", batches.length,
                    percentile(batches, 50), percentile(batches, 99), percentile(batches, 100));
            System.out.print(stepTimes);
            System.out.printf("| paced load: interceptions/s for s (events) | %d for %d (%d) |%n", PACED_RATE, PACED_SECONDS, pacedEvents);
            System.out.printf("| paced: stored events | %d |%n", counting.events.get());
            System.out.printf("| **end -> visible (committed), p50 / p99 / max** | **%d / %d / %d ms** |%n",
                    percentile(visible, 50), percentile(visible, 99), percentile(visible, 100));
        }
    }

    private BatchConsumer<InterceptionEvent> consumer(Map<String, Object> kafka, EventWriter<InterceptionEvent> writer, String group) {
        return new BatchConsumer<>(group, Topics.INTERCEPTIONS, Topics.INTERCEPTIONS_DEAD_LETTER, InterceptionEvent.class,
                writer, new DeadLetters(kafka, group), new ConsumerMetrics(new SimpleMeterRegistry(), Topics.INTERCEPTIONS),
                kafka, group, BATCH_SIZE, Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofSeconds(10));
    }

    private static Map<String, Object> withLatestReset(Map<String, Object> kafka) {
        Map<String, Object> config = new java.util.HashMap<>(kafka);
        config.put("auto.offset.reset", "latest");
        return config;
    }

    private int send(KafkaProducer<String, byte[]> producer, List<InterceptionEvent> events) {
        for (InterceptionEvent event : events) {
            EncodedEvent encoded = codec.encode(event);
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(encoded.topic(), encoded.key(), encoded.body());
            encoded.headers().forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
            producer.send(record);
        }
        return events.size();
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Map<String, Object> p = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.LINGER_MS_CONFIG, "5", ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p);
    }

    private static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return -1;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    /**
     * Agentic tool loops of 1-6 requests by 200 users, each user in a client session that lasts
     * 200 interceptions: start (tool-result turns carry the correlating id), a prompt on the first
     * request, token usage, a tool call on every request but the last, a thought on half, the end.
     */
    private final class Workload {
        private final UUID[] users = new UUID[USERS];
        private final String[] sessions = new String[USERS];
        private final int[] sessionLength = new int[USERS];
        private final String[] pendingCall = new String[USERS];
        private final int[] loopLeft = new int[USERS];

        Workload() {
            for (int u = 0; u < USERS; u++) {
                users[u] = UUID.randomUUID();
                sessions[u] = "bench-" + UUID.randomUUID();
            }
        }

        List<InterceptionEvent> next(Instant now) {
            int u = random.nextInt(USERS);
            if (++sessionLength[u] > SESSION_LENGTH) {
                sessions[u] = "bench-" + UUID.randomUUID();
                sessionLength[u] = 1;
                pendingCall[u] = null;
                loopLeft[u] = 0;
            }
            boolean first = loopLeft[u] == 0;
            if (first) {
                loopLeft[u] = 1 + random.nextInt(6);
                pendingCall[u] = null;
            }
            loopLeft[u]--;
            TestEvents.Interception i = new TestEvents.Interception(users[u], now).clientSession(sessions[u]).answering(pendingCall[u]);
            List<InterceptionEvent> events = new ArrayList<>(6);
            events.add(i.started());
            if (first) {
                events.add(i.prompt("Fix the failing build, please", 1));
            }
            events.add(i.tokens(1000 + random.nextInt(1000), 200, 20_000, 0, 2));
            if (loopLeft[u] > 0) {
                pendingCall[u] = "toolu_" + UUID.randomUUID();
                events.add(i.toolCall(pendingCall[u], 3));
            }
            if (random.nextBoolean()) {
                events.add(i.thought("Let me look at the test output.", 2));
            }
            events.add(new InterceptionEnded(UUID.randomUUID(), i.id, i.startedAt, Instant.now(),
                    io.aibridge.events.EndStatus.COMPLETED, 200, null, null, 4, 1L));
            return events;
        }
    }

    /** Counts stored events and times batches and end-to-commit latencies. */
    private static final class CountingWriter implements EventWriter<InterceptionEvent> {
        private final InterceptionWriter delegate;
        final AtomicLong events = new AtomicLong();
        private final List<Long> batchMillis = new ArrayList<>();
        private final List<Long> visibleMillis = new ArrayList<>();

        CountingWriter(InterceptionWriter delegate) {
            this.delegate = delegate;
        }

        @Override
        public void write(List<InterceptionEvent> batch) throws SQLException {
            long start = System.nanoTime();
            delegate.write(batch);
            Instant committed = Instant.now();
            synchronized (this) {
                batchMillis.add((System.nanoTime() - start) / 1_000_000);
                for (InterceptionEvent event : batch) {
                    if (event instanceof InterceptionEnded ended) {
                        visibleMillis.add(Duration.between(ended.endedAt(), committed).toMillis());
                    }
                }
            }
            events.addAndGet(batch.size());
        }

        synchronized void reset() {
            events.set(0);
            batchMillis.clear();
            visibleMillis.clear();
        }

        synchronized long[] batchMillis() {
            return sorted(batchMillis);
        }

        synchronized long[] visibilityMillis() {
            return sorted(visibleMillis);
        }

        private static long[] sorted(List<Long> values) {
            long[] array = values.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(array);
            return array;
        }
    }
}

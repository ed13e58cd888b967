package io.aibridge.proxy;

import io.aibridge.events.Event;
import io.aibridge.events.EventCodec;
import io.aibridge.events.InterceptionEnded;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.InvalidEventException;
import io.aibridge.events.Topics;
import io.aibridge.testing.KafkaEvents;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Follows {@code aibridge.interceptions.v1} from the beginning on a background thread (no consumer
 * group) and indexes the decoded events by interception, so that a test can wait for one
 * interception's events without re-reading the topic.
 */
final class EventTail implements AutoCloseable {

    private static final Map<String, EventTail> BY_BROKER = new ConcurrentHashMap<>();

    private final Map<UUID, List<InterceptionEvent>> events = new ConcurrentHashMap<>();
    /** Event id → the record's headers other than the CloudEvents ones (e.g. {@code traceparent}). */
    private final Map<UUID, Map<String, String>> extraHeaders = new ConcurrentHashMap<>();
    private final EventCodec codec = new EventCodec("/aibridge/tests");
    private final Thread thread;
    private volatile boolean running = true;

    private EventTail(String bootstrapServers) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "aibridge-proxy-tests-" + UUID.randomUUID());
        thread = new Thread(() -> run(p), "event-tail");
        thread.setDaemon(true);
        thread.start();
    }

    /** One tail per broker for the whole test JVM. */
    static EventTail of(String bootstrapServers) {
        return BY_BROKER.computeIfAbsent(bootstrapServers, EventTail::new);
    }

    private void run(Properties config) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = List.of();
            while (running && partitions.isEmpty()) {
                partitions = consumer.partitionsFor(Topics.INTERCEPTIONS, Duration.ofSeconds(5)).stream()
                        .map(i -> new TopicPartition(Topics.INTERCEPTIONS, i.partition())).toList();
                if (partitions.isEmpty()) {
                    ProxyClient.sleep(100);
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                    try {
                        Event event = codec.decode(name -> KafkaEvents.header(record, name), record.value());
                        Map<String, String> extra = new java.util.HashMap<>();
                        for (org.apache.kafka.common.header.Header h : record.headers()) {
                            if (!h.key().startsWith("ce_") && !h.key().equals("content-type")) {
                                extra.put(h.key(), new String(h.value(), java.nio.charset.StandardCharsets.UTF_8));
                            }
                        }
                        extraHeaders.put(event.eventId(), Map.copyOf(extra));
                        if (event instanceof InterceptionEvent ie) {
                            // copy-on-write: tests iterate these lists while this thread appends
                            events.computeIfAbsent(ie.interceptionId(), k -> new CopyOnWriteArrayList<>()).add(ie);
                        }
                    } catch (InvalidEventException e) {
                        throw new AssertionError("the proxy published an invalid event", e);
                    }
                }
            }
        }
    }

    /** The events of one interception once its end has arrived (plus a short grace for anything after it). */
    List<InterceptionEvent> awaitEnded(UUID id, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<InterceptionEvent> got = events.get(id);
            if (got != null && got.stream().anyMatch(e -> e instanceof InterceptionEnded)) {
                ProxyClient.sleep(50);
                return List.copyOf(events.get(id));
            }
            ProxyClient.sleep(20);
        }
        throw new AssertionError("interception " + id + " did not end within " + timeout + "; events: " + events.get(id));
    }

    /**
     * The ended event of each of {@code ids}, once all have ended: one wait for many, instead of
     * {@link #awaitEnded}'s grace after each.
     */
    Map<UUID, InterceptionEnded> awaitAllEnded(java.util.Collection<UUID> ids, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<UUID, InterceptionEnded> ended = new java.util.HashMap<>();
        while (true) {
            for (UUID id : ids) {
                List<InterceptionEvent> got = events.get(id);
                if (!ended.containsKey(id) && got != null) {
                    got.stream().filter(InterceptionEnded.class::isInstance).map(InterceptionEnded.class::cast).findFirst()
                            .ifPresent(end -> ended.put(id, end));
                }
            }
            if (ended.size() == ids.size()) {
                return ended;
            }
            if (System.nanoTime() > deadline) {
                List<UUID> open = ids.stream().filter(id -> !ended.containsKey(id)).toList();
                throw new AssertionError(open.size() + " interceptions did not end within " + timeout + ", e.g. " + open.get(0)
                        + " with events " + events.get(open.get(0)));
            }
            ProxyClient.sleep(20);
        }
    }

    /** The id of the first interception whose start matches. */
    UUID awaitStart(java.util.function.Predicate<io.aibridge.events.InterceptionStarted> match, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (List<InterceptionEvent> list : events.values()) {
                for (InterceptionEvent e : list) {
                    if (e instanceof io.aibridge.events.InterceptionStarted s && match.test(s)) {
                        return s.interceptionId();
                    }
                }
            }
            ProxyClient.sleep(20);
        }
        throw new AssertionError("no matching interception started within " + timeout);
    }

    /** The record headers an event travelled with, besides the CloudEvents ones. */
    Map<String, String> headers(UUID eventId) {
        return extraHeaders.getOrDefault(eventId, Map.of());
    }

    /** Whatever arrived for the interception so far. */
    List<InterceptionEvent> events(UUID id) {
        List<InterceptionEvent> got = events.get(id);
        return got == null ? List.of() : List.copyOf(got);
    }

    @Override
    public void close() {
        running = false;
        BY_BROKER.values().remove(this);
    }

    /** Stops the tail of this broker, if any (call when a test class is done with its broker). */
    static void closeAll() {
        List.copyOf(BY_BROKER.values()).forEach(EventTail::close);
    }
}

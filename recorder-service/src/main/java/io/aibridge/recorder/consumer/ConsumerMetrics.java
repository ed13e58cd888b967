package io.aibridge.recorder.consumer;

import io.aibridge.events.EventType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The meters of the consumers of one topic. Labels are the topic, the event type and the
 * dead-letter category: a small, fixed set. Never a user, session or interception id.
 */
public final class ConsumerMetrics {

    /** The {@code type} label of records that did not decode. */
    static final String INVALID = "invalid";
    /**
     * The {@code type} label of records of a newer version of a known type, and the {@code reason}
     * they are skipped for.
     */
    static final String NEWER_VERSION = "newer_version";

    private final MeterRegistry registry;
    private final String topic;
    private final Map<String, Counter> consumed = new ConcurrentHashMap<>();
    private final Map<String, Counter> stored = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLettered = new ConcurrentHashMap<>();
    private final Map<String, Counter> skipped = new ConcurrentHashMap<>();
    private final Counter retries;
    private final DistributionSummary batchSize;
    private final Timer batchWrite;

    public ConsumerMetrics(MeterRegistry registry, String topic) {
        this.registry = registry;
        this.topic = topic;
        this.retries = Counter.builder("aibridge.recorder.database.retries")
                .description("Batch writes retried because PostgreSQL (or the dead-letter topic) was unavailable")
                .tag("topic", topic).register(registry);
        this.batchSize = DistributionSummary.builder("aibridge.recorder.batch.size")
                .description("Records per consumed batch (one database transaction each)")
                .tag("topic", topic).publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue(100_000.0)
                .register(registry);
        this.batchWrite = Timer.builder("aibridge.recorder.batch.write")
                .description("Time to write one batch to PostgreSQL, commit included")
                .tag("topic", topic).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
    }

    /** The {@code type} label of an event type: {@code interception_started}, {@code user_upserted}, ... */
    public static String typeLabel(EventType type) {
        return type.name().toLowerCase(Locale.ROOT);
    }

    void consumed(String type) {
        consumed.computeIfAbsent(type, t -> Counter.builder("aibridge.recorder.events.consumed")
                .description("Records consumed, by event type (invalid: did not decode; newer_version: a later version of a known type)")
                .tags("topic", topic, "type", t).register(registry)).increment();
    }

    void stored(String type, long count) {
        stored.computeIfAbsent(type, t -> Counter.builder("aibridge.recorder.events.stored")
                .description("Events stored in PostgreSQL (committed), by event type; redeliveries count again")
                .tags("topic", topic, "type", t).register(registry)).increment(count);
    }

    void deadLettered(String category) {
        deadLettered.computeIfAbsent(category, c -> Counter.builder("aibridge.recorder.dead.lettered")
                .description("Records sent to the dead-letter topic, by reason category")
                .tags("topic", topic, "reason", c).register(registry)).increment();
    }

    void skipped(String reason) {
        skipped.computeIfAbsent(reason, r -> Counter.builder("aibridge.recorder.events.skipped")
                .description("Records neither stored nor dead-lettered, by reason (newer_version: a later version of a "
                        + "known type, published next to it during a migration); committed like stored records")
                .tags("topic", topic, "reason", r).register(registry)).increment();
    }

    void retried() {
        retries.increment();
    }

    void batch(int records) {
        batchSize.record(records);
    }

    Timer batchWrite() {
        return batchWrite;
    }
}

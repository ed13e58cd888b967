package io.aibridge.identity;

import io.aibridge.events.Event;
import io.aibridge.events.EventCodec;
import io.aibridge.events.IdentityEvent;
import io.aibridge.events.InvalidEventException;
import io.aibridge.events.NewerEventVersionException;
import io.aibridge.events.UnknownEventTypeException;
import io.aibridge.events.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Keeps an {@link IdentityStore} current: reads the whole compacted identity topic from the
 * beginning at start, then follows it. Uses no consumer group (every replica reads everything), so
 * a revoked key reaches every replica within the poll interval. Runs on its own daemon thread and
 * reconnects by itself; while Kafka is away the store keeps what it has.
 *
 * <p>With an {@link IdentitySnapshot}, the reader keeps a copy of the topic on disk while it
 * follows it, and a reader that started while Kafka was unreachable fills the store from that copy
 * after {@code snapshotAfter}: known keys keep working across a restart during an outage. Once
 * Kafka answers, the topic is read from its beginning over it as always, and its last word wins.
 * The copy is written on a thread of its own, never the one that applies records: at once when the
 * reader has caught up, then at most once every {@link #SNAPSHOT_DEBOUNCE} while the topic brings
 * changes, once every {@link #snapshotRefresh} while it brings none, and at {@link #close()} if it
 * brought some since the last write.
 *
 * <p>A record that is not a valid identity event is skipped. A newer version of a known type (its
 * known twin is published next to it during a migration) and any other unknown type are logged once
 * per type, not per record; any other invalid record is logged each time.
 */
public final class IdentityTopicReader implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(IdentityTopicReader.class);
    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration RETRY = Duration.ofSeconds(1);

    /**
     * The most time it takes the reader to find partitions added to the topic since it started (an
     * operator may raise the count at any time): a key's later records go to a new partition, and a
     * revocation there must reach every replica within seconds. The consumer's metadata is refreshed
     * this often (a metadata request to one broker), and the reader looks at it every second.
     */
    static final Duration PARTITION_CHECK = Duration.ofSeconds(5);

    /** Most unknown types whose skipping is logged; the types are the producers' choice, the memory is not. */
    private static final int MAX_UNKNOWN_TYPES_LOGGED = 64;

    /** How long a failed write of the copy waits before the next try (a full or read-only disk). */
    private static final Duration SNAPSHOT_RETRY = Duration.ofSeconds(60);

    /**
     * The shortest time between two writes of the copy while the topic brings changes. A write is the
     * whole copy (some 150 MB at 100,000 users and 100,000 keys), so writing after every poll that
     * brought one, as bulk provisioning does, would keep the disk busy. The copy is only read by a
     * start during which Kafka does not answer, and it can miss the changes of its last 30 s only if
     * the service died without closing this reader (a rolling update closes it, and the close writes):
     * then a key revoked in those seconds works on that replica until Kafka answers again.
     */
    private static final Duration SNAPSHOT_DEBOUNCE = Duration.ofSeconds(30);
    /** {@link #SNAPSHOT_DEBOUNCE}, shorter in tests. */
    private Duration snapshotDebounce = SNAPSHOT_DEBOUNCE;

    /** How often the writer checks whether a write is due. */
    private static final Duration SNAPSHOT_CHECK = Duration.ofSeconds(1);

    /** How long a close waits for a write under way before its own. */
    private static final Duration SNAPSHOT_CLOSE_WAIT = Duration.ofSeconds(30);

    private final Properties config;
    private final IdentityStore store;
    private final IdentitySnapshot snapshot;
    private final Duration snapshotAfter;
    /**
     * The last record of every key in every partition, for the copy on disk (only with a snapshot),
     * in the order of its last record: within a partition that is offset order, the order compaction
     * leaves. Per partition, as compaction keeps them: once partitions are added, a key's records are
     * on two (a key's creation on the old one, its revocation on the new), the store needs both, and
     * which of them arrives last is not the topic's order.
     */
    private final Map<PartitionKey, IdentitySnapshot.Entry> latest = new LinkedHashMap<>();

    private record PartitionKey(int partition, String key) {
    }
    private final Object applying = new Object();
    /** Whether {@link #latest} changed since it was last copied for a write; under {@link #applying}. */
    private boolean snapshotDirty;
    /** Writes the copy (only with a snapshot); the two times below are its thread's alone. */
    private final ScheduledExecutorService snapshotWriter;
    private long snapshotWrittenNanos;
    private long snapshotFailedNanos;
    private volatile boolean kafkaAnswered;
    private volatile boolean servingSnapshot;
    private final EventCodec codec = new EventCodec("/aibridge/identity-reader");
    /** The unknown types whose records were skipped and logged: each is logged once, not per record. */
    private final Set<String> unknownTypesLogged = ConcurrentHashMap.newKeySet();
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean topicMissing;
    private volatile KafkaConsumer<String, byte[]> consumer;

    public IdentityTopicReader(String bootstrapServers, IdentityStore store) {
        this(KafkaConnection.plain(bootstrapServers), store);
    }

    public IdentityTopicReader(KafkaConnection kafka, IdentityStore store) {
        this(kafka, store, null, Duration.ZERO);
    }

    /**
     * @param snapshot      the copy on disk to keep, and to start from when Kafka does not answer; null for none
     * @param snapshotAfter how long a start waits for Kafka before it uses the copy
     */
    public IdentityTopicReader(KafkaConnection kafka, IdentityStore store, IdentitySnapshot snapshot, Duration snapshotAfter) {
        this.store = store;
        this.snapshot = snapshot;
        this.snapshotAfter = snapshotAfter;
        this.config = kafka.applyTo(new Properties());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // never let a metadata request create the topic with the broker's defaults (it must be compacted)
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "aibridge-identity-" + UUID.randomUUID());
        config.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, String.valueOf(PARTITION_CHECK.toMillis()));
        this.thread = new Thread(this::run, "aibridge-identity-reader");
        this.thread.setDaemon(true);
        this.snapshotWriter = snapshot == null ? null : Executors.newSingleThreadScheduledExecutor(task -> {
            Thread writer = new Thread(task, "aibridge-identity-snapshot-writer");
            writer.setDaemon(true);
            return writer;
        });
    }

    /** For tests: the shortest time between two writes while the topic brings changes; before {@link #start()}. */
    IdentityTopicReader snapshotDebounce(Duration debounce) {
        this.snapshotDebounce = debounce;
        return this;
    }

    public IdentityTopicReader start() {
        thread.start();
        if (snapshot != null) {
            snapshotWriter.scheduleWithFixedDelay(this::writeSnapshotIfDue, SNAPSHOT_CHECK.toMillis(), SNAPSHOT_CHECK.toMillis(),
                    TimeUnit.MILLISECONDS);
            Thread fallback = new Thread(this::startFromSnapshotIfKafkaIsSilent, "aibridge-identity-snapshot");
            fallback.setDaemon(true);
            fallback.start();
        }
        return this;
    }

    /**
     * True while the store holds the copy on disk because Kafka has not answered since the start:
     * known keys work, and an unknown token is unknown as of the copy.
     */
    public boolean servingSnapshot() {
        return servingSnapshot && !caughtUp();
    }

    private void startFromSnapshotIfKafkaIsSilent() {
        try {
            if (caughtUp.await(snapshotAfter.toMillis(), TimeUnit.MILLISECONDS) || kafkaAnswered || !running) {
                return; // Kafka is there: the topic is read as always
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        snapshot.read(Instant.now()).ifPresent(contents -> {
            int applied = 0;
            synchronized (applying) {
                if (kafkaAnswered) {
                    return;
                }
                for (IdentitySnapshot.Entry entry : contents.entries()) {
                    // not into latest: the copy written next comes from the topic alone, read from its beginning
                    if (decodeAndApply(entry.headers()::get, entry.value(), "snapshot " + snapshot.file() + " key " + entry.key())) {
                        applied++;
                    }
                }
                servingSnapshot = true;
            }
            LOG.warnf("Kafka has not answered for %s: serving %d users and keys from the identity snapshot of %s until it does",
                    snapshotAfter, applied, contents.validAt());
        });
    }

    /** True once everything that was on the topic when the reader started has been applied. */
    public boolean caughtUp() {
        return caughtUp.getCount() == 0;
    }

    /**
     * True once Kafka answered that the topic does not exist, until the reader has caught up with
     * what appeared on it since (another replica creates it and publishes the first users): there
     * was nothing to wait for at start, and a reader that was ready must not stop being ready while
     * it reads those first records.
     */
    public boolean topicMissing() {
        return topicMissing;
    }

    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run() {
        while (running) {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(config)) {
                consumer = c;
                follow(c);
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warnf("identity topic reader: %s; retrying in %s", e.toString(), RETRY);
                sleep(RETRY);
            }
        }
    }

    private void follow(KafkaConsumer<String, byte[]> c) {
        List<TopicPartition> partitions = List.of();
        while (running && partitions.isEmpty()) {
            partitions = partitionsOf(c);
            if (partitions.isEmpty()) {
                topicMissing = true; // false again only once caught up with what appears: readiness never flickers
                LOG.debugf("topic %s does not exist yet; waiting", Topics.IDENTITY);
                sleep(RETRY);
            }
        }
        kafkaAnswered = true;
        c.assign(partitions);
        c.seekToBeginning(partitions);
        Map<TopicPartition, Long> target = new HashMap<>(c.endOffsets(partitions));
        long partitionsChecked = System.nanoTime();
        while (running) {
            for (ConsumerRecord<String, byte[]> record : c.poll(POLL)) {
                apply(record);
            }
            if (System.nanoTime() - partitionsChecked >= RETRY.toNanos()) { // the consumer's cached metadata: no request
                partitionsChecked = System.nanoTime();
                List<TopicPartition> added = partitionsOf(c).stream().filter(p -> !c.assignment().contains(p)).toList();
                if (!added.isEmpty()) {
                    List<TopicPartition> all = new ArrayList<>(c.assignment());
                    all.addAll(added);
                    c.assign(all);
                    c.seekToBeginning(added);
                    if (!caughtUp()) {
                        target.putAll(c.endOffsets(added));
                    }
                    LOG.infof("topic %s has %d new partitions (%d in all): reading them from their beginning", Topics.IDENTITY,
                            added.size(), all.size());
                }
            }
            if (!caughtUp()) {
                target.entrySet().removeIf(e -> c.position(e.getKey()) >= e.getValue());
                if (target.isEmpty()) {
                    caughtUp.countDown();
                    topicMissing = false;
                    LOG.debugf("identity store caught up with %s", Topics.IDENTITY);
                }
            }
        }
    }

    private static List<TopicPartition> partitionsOf(KafkaConsumer<String, byte[]> c) {
        return c.partitionsFor(Topics.IDENTITY, Duration.ofSeconds(5)).stream()
                .map(info -> new TopicPartition(Topics.IDENTITY, info.partition())).toList();
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        synchronized (applying) {
            if (snapshot != null && record.key() != null) {
                PartitionKey key = new PartitionKey(record.partition(), record.key());
                if (record.value() == null) {
                    latest.remove(key);
                } else {
                    Map<String, String> headers = new LinkedHashMap<>();
                    record.headers().forEach(h -> headers.put(h.key(), h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8)));
                    latest.remove(key); // re-inserted last: the map keeps topic order
                    latest.put(key, new IdentitySnapshot.Entry(record.key(), record.offset(), headers, record.value()));
                }
                snapshotDirty = true;
            }
            decodeAndApply(name -> header(record, name), record.value(),
                    record.topic() + "-" + record.partition() + " offset " + record.offset());
        }
    }

    private boolean decodeAndApply(Function<String, String> header, byte[] value, String where) {
        if (value == null) {
            return false;
        }
        try {
            Event event = codec.decode(header, value);
            if (event instanceof IdentityEvent identity) {
                store.apply(identity);
                return true;
            }
        } catch (NewerEventVersionException e) {
            // during a migration producers publish both versions: the known one carries the same fact
            if (firstOfType(e.ceType())) {
                LOG.warnf("skipping identity records of type %s (first at %s), a newer version of %s, which this reader "
                        + "applies; during a migration producers publish both versions. Not logged again for this type",
                        e.ceType(), where, e.knownVersion().ceType());
            }
        } catch (UnknownEventTypeException e) {
            if (firstOfType(e.ceType())) {
                LOG.warnf("skipping invalid identity record at %s: %s; further records of this type are skipped "
                        + "without a log line", where, e.getMessage());
            }
        } catch (InvalidEventException e) {
            LOG.warnf("skipping invalid identity record at %s: %s", where, e.getMessage());
        }
        return false;
    }

    private boolean firstOfType(String ceType) {
        return unknownTypesLogged.size() < MAX_UNKNOWN_TYPES_LOGGED && unknownTypesLogged.add(String.valueOf(ceType));
    }

    /**
     * On the writer's thread: writes the copy once the reader has caught up (a copy of part of the
     * topic would lose keys), then when the topic brought something and the last write is
     * {@link #SNAPSHOT_DEBOUNCE} old, or when the last write is {@link #snapshotRefresh} old.
     */
    private void writeSnapshotIfDue() {
        try {
            if (!caughtUp()) {
                return;
            }
            long now = System.nanoTime();
            if (snapshotFailedNanos != 0 && now - snapshotFailedNanos < SNAPSHOT_RETRY.toNanos()) {
                return; // a full or read-only disk: try again in a minute, not every second
            }
            boolean dirty;
            synchronized (applying) {
                dirty = snapshotDirty;
            }
            Duration wait = dirty ? snapshotDebounce : snapshotRefresh(snapshot.maxAge());
            if (snapshotWrittenNanos == 0 || now - snapshotWrittenNanos >= wait.toNanos()) {
                writeSnapshot();
            }
        } catch (RuntimeException e) { // an exception would end the periodic task
            LOG.warnf("identity snapshot writer: %s", e.toString());
        }
    }

    /**
     * How often the copy is rewritten while the topic brings nothing, only to move its
     * {@code valid_at} on: a twenty-fourth of the oldest copy still used (an hour at the proxy's
     * default of 24 h), at least a minute and at most an hour. Each write is the whole copy (some
     * 150 MB at 100,000 users and 100,000 keys); a copy that is this much older than it could be
     * is given up this much sooner by a start while Kafka does not answer.
     */
    static Duration snapshotRefresh(Duration maxAge) {
        Duration share = maxAge.dividedBy(24);
        return share.compareTo(Duration.ofMinutes(1)) < 0 ? Duration.ofMinutes(1)
                : share.compareTo(Duration.ofHours(1)) > 0 ? Duration.ofHours(1) : share;
    }

    /**
     * Replaces the copy on disk with what {@link #latest} holds now. Only the references are copied
     * while the reader waits (entries are immutable): the records are written after it goes on.
     */
    private void writeSnapshot() {
        IdentitySnapshot.Entry[] entries;
        Instant validAt;
        synchronized (applying) {
            entries = latest.values().toArray(new IdentitySnapshot.Entry[0]);
            validAt = Instant.now();
            snapshotDirty = false;
        }
        try {
            snapshot.write(Arrays.asList(entries), validAt);
            snapshotWrittenNanos = System.nanoTime();
            snapshotFailedNanos = 0;
        } catch (IOException | RuntimeException e) {
            synchronized (applying) {
                snapshotDirty = true;
            }
            snapshotFailedNanos = System.nanoTime();
            LOG.warnf("could not write the identity snapshot %s: %s", snapshot.file(), e.toString());
        }
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (snapshotWriter != null) {
            closeSnapshotWriter();
        }
    }

    /**
     * Lets a write under way finish, then writes what the topic brought since the last write. The
     * writer always ends here, also for a close that is interrupted (then without the last write):
     * left running, it would go on moving the copy's {@code valid_at} on with nobody reading the topic.
     */
    private void closeSnapshotWriter() {
        snapshotWriter.shutdown(); // the periodic check ends; a write under way goes on
        boolean ended;
        try {
            ended = !Thread.currentThread().isInterrupted()
                    && snapshotWriter.awaitTermination(SNAPSHOT_CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ended = false;
        }
        if (!ended) {
            snapshotWriter.shutdownNow(); // the file is replaced only once written: the copy before stays
            LOG.warnf("the identity snapshot %s was %s; the changes since its last write are not written", snapshot.file(),
                    Thread.currentThread().isInterrupted() ? "not written at close (interrupted)" : "still being written after " + SNAPSHOT_CLOSE_WAIT);
            return;
        }
        boolean dirty;
        synchronized (applying) {
            dirty = snapshotDirty;
        }
        if (dirty && caughtUp()) {
            writeSnapshot(); // the writer's thread has ended: this is the only writer
        }
    }
}

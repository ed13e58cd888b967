package io.aibridge.recorder.consumer;

import io.aibridge.events.Event;
import io.aibridge.events.EventCodec;
import io.aibridge.events.InvalidEventException;
import io.aibridge.events.NewerEventVersionException;
import io.aibridge.recorder.sql.SqlFailures;
import io.aibridge.recorder.tracing.PersistTracing;
import io.micrometer.core.instrument.Timer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Consumes one topic on a dedicated thread with a plain {@link KafkaConsumer} and stores what it
 * reads, batch by batch:
 * <ol>
 *   <li>poll up to {@code batch-size} records;</li>
 *   <li>decode each one; a record that can never be stored (not JSON, unknown or missing
 *       CloudEvents headers, a schema violation, an event of another topic) becomes a dead letter;
 *       a newer version of a type the recorder knows (which producers publish next to the version
 *       it knows during a migration) is skipped, counted, and committed with the batch;</li>
 *   <li>write the decoded events in one transaction ({@link EventWriter}). A failure that passes
 *       (PostgreSQL away, deadlock, ...) is retried with exponential backoff while the consumer is
 *       <em>paused</em>: it keeps polling, so it stays in its group, but fetches nothing, and it
 *       skips nothing. A failure that an event causes is narrowed down by halving the batch until
 *       the events that cause it are alone; they become dead letters, the rest is stored;</li>
 *   <li>publish the dead letters, with the reason and the original topic, partition and offset
 *       in headers, and wait for Kafka's acknowledgement;</li>
 *   <li>commit the offsets, only now: a crash anywhere before redelivers the batch, which the
 *       idempotent writers absorb.</li>
 * </ol>
 * The database write of a batch runs on a second thread, so that polling and decoding the next
 * batch overlap it; at most one batch is being written and one waits, and batches are committed
 * in order. Kafka being away is not an error either: the consumer retries on its own, and a
 * consumer that cannot even be created (say, an unresolvable bootstrap address) is created again
 * after a backoff. A setting Kafka refuses is different: no new consumer would ever take it, so
 * the thread ends, saying why, and the health checks go DOWN ({@link #failure()}); the service
 * checks the settings at start ({@link #checkSettings}) so that this does not happen in the first
 * place. Otherwise the threads end only when {@link #stop(Duration)} is called.
 *
 * @param <E> the events this topic carries
 */
public final class BatchConsumer<E extends Event> {

    private static final Logger LOG = Logger.getLogger(BatchConsumer.class);
    private static final String SOURCE = "/aibridge/recorder-service";
    /** How long the consumer waits for a write without polling before it pauses and polls meanwhile. */
    private static final Duration QUIET_WAIT = Duration.ofSeconds(1);
    /** The consumer settings that come from the recorder's own settings, with their variables. */
    private static final Map<String, String> OWN_SETTINGS = Map.of(
            ConsumerConfig.GROUP_ID_CONFIG, "AIBRIDGE_RECORDER_GROUP_ID",
            ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "AIBRIDGE_RECORDER_BATCH_SIZE");
    /** The newer versions whose skipping was logged in this process: each once, and only so many. */
    private static final Set<String> SKIPPED_TYPES_LOGGED = ConcurrentHashMap.newKeySet();
    private static final int MAX_SKIPPED_TYPES_LOGGED = 64;

    private final String name;
    private final String topic;
    private final String deadLetterTopic;
    private final Class<E> eventClass;
    private final EventWriter<E> writer;
    private final DeadLetters deadLetters;
    private final ConsumerMetrics metrics;
    private final Map<String, Object> consumerConfig;
    private final Duration pollTimeout;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final PersistTracing tracing;
    private final EventCodec codec = new EventCodec(SOURCE);
    private final Thread thread;
    private final ExecutorService writerThread;

    private volatile boolean running = true;
    private volatile boolean started;
    private volatile boolean paused;
    /** Why the consumer gave up for good (a setting Kafka refuses), or null. */
    private volatile String failure;
    private volatile long lag;
    private volatile KafkaConsumer<String, byte[]> consumer;
    /** Set by the writer thread while a batch cannot be written and is being retried. */
    private volatile boolean retrying;
    /** The batch being written, if any; only the consumer thread touches it. */
    private InFlight<E> inFlight;

    /** A consumer that traces nothing. */
    public BatchConsumer(String name, String topic, String deadLetterTopic, Class<E> eventClass, EventWriter<E> writer,
                         DeadLetters deadLetters, ConsumerMetrics metrics, Map<String, Object> kafkaConfig,
                         String groupId, int batchSize, Duration pollTimeout, Duration initialBackoff,
                         Duration maxBackoff) {
        this(name, topic, deadLetterTopic, eventClass, writer, deadLetters, metrics, PersistTracing.OFF, kafkaConfig, groupId,
                batchSize, pollTimeout, initialBackoff, maxBackoff);
    }

    /**
     * @param name         thread and client id, e.g. {@code aibridge-recorder-interceptions-0}
     * @param tracing      the persist spans of traced interceptions ({@link PersistTracing#OFF} when tracing is off)
     * @param kafkaConfig  client settings (bootstrap servers, security, ...); group, deserializers,
     *                     offset commits and the poll size are set here
     */
    public BatchConsumer(String name, String topic, String deadLetterTopic, Class<E> eventClass, EventWriter<E> writer,
                         DeadLetters deadLetters, ConsumerMetrics metrics, PersistTracing tracing, Map<String, Object> kafkaConfig,
                         String groupId, int batchSize, Duration pollTimeout, Duration initialBackoff,
                         Duration maxBackoff) {
        this.tracing = tracing;
        this.name = name;
        this.topic = topic;
        this.deadLetterTopic = deadLetterTopic;
        this.eventClass = eventClass;
        this.writer = writer;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.pollTimeout = pollTimeout;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        Map<String, Object> c = new HashMap<>(kafkaConfig);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(batchSize));
        // A new group reads the topics from the beginning: everything on them is to be recorded.
        c.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Never let a subscription create a topic with the broker's defaults (identity must be compacted).
        c.putIfAbsent(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        // Notice a topic created after we subscribed within seconds, not the default five minutes.
        c.putIfAbsent(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "10000");
        this.consumerConfig = c;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
        this.thread.setUncaughtExceptionHandler((t, e) -> LOG.errorf(e, "%s: consumer thread died", name));
        this.writerThread = Executors.newSingleThreadExecutor(runnable -> {
            Thread writing = new Thread(runnable, name + "-writer");
            writing.setDaemon(true);
            return writing;
        });
    }

    public BatchConsumer<E> start() {
        started = true;
        thread.start();
        return this;
    }

    /** Stops after the batch in hand (uncommitted work is redelivered), waiting at most {@code timeout}. */
    public void stop(Duration timeout) {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(timeout.toMillis());
            // A write in progress finishes (its batch is redelivered, harmlessly); a retry wait ends now.
            writerThread.shutdownNow();
            writerThread.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public String topic() {
        return topic;
    }

    public String name() {
        return name;
    }

    /**
     * Kafka's check of this consumer's settings, without connecting (see {@link KafkaSettings}).
     *
     * @param own further keys the service sets from its own settings, with their variables (group
     *            id and batch size are known here)
     * @throws IllegalStateException naming the variable of a value Kafka refuses
     */
    public void checkSettings(Map<String, String> own) {
        Map<String, String> variables = new HashMap<>(OWN_SETTINGS);
        variables.putAll(own);
        KafkaSettings.check("consumer " + name, consumerConfig, ConsumerConfig.configDef()::parse, variables);
    }

    /** Why the consumer has given up for good (a setting Kafka refuses), or null while it has not. */
    public String failure() {
        return failure;
    }

    /** Liveness: started, and the thread has not died. */
    public boolean alive() {
        return !started || thread.isAlive() || !running;
    }

    /** Readiness: running and not being stopped. */
    public boolean running() {
        return started && running && thread.isAlive();
    }

    /** True while writes are failing and the consumer is paused. */
    public boolean paused() {
        return paused;
    }

    /** Records behind the end of the assigned partitions, as of the last poll. */
    public long lag() {
        return lag;
    }

    private void run() {
        Duration backoff = initialBackoff;
        while (running) {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(consumerConfig)) {
                consumer = c;
                if (!running) {
                    break;
                }
                c.subscribe(List.of(topic), new Rebalance(c));
                backoff = initialBackoff;
                while (running) {
                    ConsumerRecords<String, byte[]> records = c.poll(pollTimeout);
                    updateLag(c);
                    if (!records.isEmpty()) {
                        handle(c, records);
                    } else if (inFlight != null && inFlight.write.isDone()) {
                        complete(c);
                    }
                }
            } catch (WakeupException | Stopping e) {
                // stop() was called; uncommitted records are redelivered to whoever consumes next
            } catch (ConfigException e) {
                // Thrown as it is only by the consumer's own parsing of its settings (a consumer that
                // fails to connect wraps its cause): every new consumer would be refused the same way.
                failure = KafkaSettings.refused("consumer " + name, e, consumerConfig, OWN_SETTINGS).getMessage();
                LOG.errorf("%s: stopped for good, no record of %s will be recorded: %s", name, topic, failure);
                break;
            } catch (InterruptException e) {
                Thread.interrupted();
                if (running) {
                    LOG.warnf("%s: interrupted; reconnecting", name);
                }
            } catch (KafkaException | IllegalStateException e) {
                if (running) {
                    LOG.warnf("%s: Kafka consumer failed (%s); a new one in %d ms", name, e.toString(), backoff.toMillis());
                    sleep(backoff);
                    backoff = next(backoff);
                }
            } catch (RuntimeException e) {
                if (running) {
                    LOG.errorf(e, "%s: unexpected failure; uncommitted records will be consumed again in %d ms",
                            name, backoff.toMillis());
                    sleep(backoff);
                    backoff = next(backoff);
                }
            } finally {
                abandonInFlight();
                consumer = null;
                paused = false;
            }
        }
        LOG.debugf("%s: stopped", name);
    }

    /** A batch handed to the writer thread: its records, what did not decode, and the write. */
    private record InFlight<E>(ConsumerRecords<String, byte[]> records, Decoded<E> decoded, Future<List<Rejected<E>>> write) {
    }

    /** The events of a batch that decoded, where each came from, and the dead letters among its records. */
    private record Decoded<E>(List<E> events, Map<E, ConsumerRecord<String, byte[]>> origins, List<DeadLetter> dead) {
    }

    /** One batch: decode it (while the previous one is written), finish the previous one, hand this one to the writer. */
    private void handle(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        metrics.batch(records.count());
        Decoded<E> decoded = decode(records);
        if (inFlight != null) {
            complete(c);
        }
        inFlight = new InFlight<>(records, decoded, writerThread.submit(() -> writeUntilStored(decoded)));
    }

    private Decoded<E> decode(ConsumerRecords<String, byte[]> records) {
        List<E> events = new ArrayList<>(records.count());
        Map<E, ConsumerRecord<String, byte[]>> origins = new IdentityHashMap<>();
        List<DeadLetter> dead = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                Event event = codec.decode(header -> header(record, header), record.value());
                String type = ConsumerMetrics.typeLabel(event.type());
                metrics.consumed(type);
                if (!eventClass.isInstance(event)) {
                    dead.add(new DeadLetter(record, event.type().ceType() + " does not belong on " + topic,
                            DeadLetter.WRONG_TOPIC));
                    continue;
                }
                String unstorable = EventChecks.unstorable(event);
                if (unstorable != null) {
                    dead.add(new DeadLetter(record, unstorable, DeadLetter.UNSTORABLE));
                    continue;
                }
                E accepted = eventClass.cast(event);
                events.add(accepted);
                origins.put(accepted, record);
            } catch (NewerEventVersionException e) {
                metrics.consumed(ConsumerMetrics.NEWER_VERSION);
                if (!eventClass.isAssignableFrom(e.knownVersion().javaType())) {
                    dead.add(new DeadLetter(record, e.ceType() + " does not belong on " + topic, DeadLetter.WRONG_TOPIC));
                    continue;
                }
                metrics.skipped(ConsumerMetrics.NEWER_VERSION);
                logSkippedOnce(e);
            } catch (InvalidEventException e) {
                metrics.consumed(ConsumerMetrics.INVALID);
                dead.add(new DeadLetter(record, e.getMessage(), DeadLetter.INVALID_EVENT));
            }
        }
        return new Decoded<>(events, origins, dead);
    }

    /**
     * A newer version is logged once per type, not per record: during a migration every event comes
     * in both versions, and the counter says how many were skipped.
     */
    private void logSkippedOnce(NewerEventVersionException e) {
        if (SKIPPED_TYPES_LOGGED.size() < MAX_SKIPPED_TYPES_LOGGED && SKIPPED_TYPES_LOGGED.add(e.ceType())) {
            LOG.warnf("%s: skipping records of type %s on %s, a newer version of %s, which this recorder stores; "
                            + "during a migration producers publish both versions. Records of this type are counted in "
                            + "aibridge_recorder_events_skipped_total{reason=\"newer_version\"} and not logged again; "
                            + "a recorder that knows the new version stores them",
                    name, e.ceType(), topic, e.knownVersion().ceType());
        }
    }

    /**
     * Waits for the batch in flight to be stored, then publishes its dead letters and commits its
     * offsets. A write that takes longer than a moment (the database is away) pauses the consumer
     * and keeps polling, so that it stays in its group and fetches nothing.
     */
    private void complete(KafkaConsumer<String, byte[]> c) {
        InFlight<E> done = inFlight;
        List<Rejected<E>> rejected;
        try {
            rejected = awaitWrite(c, done.write());
        } finally {
            resume(c);
        }
        inFlight = null;
        List<DeadLetter> dead = new ArrayList<>(done.decoded().dead());
        for (Rejected<E> r : rejected) {
            dead.add(new DeadLetter(done.decoded().origins().get(r.event()), r.reason(), DeadLetter.DATABASE_REJECTED));
        }
        if (!dead.isEmpty()) {
            publishRetrying(c, dead);
        }
        countStored(done.decoded().events(), rejected);
        commit(c, done.records());
    }

    private List<Rejected<E>> awaitWrite(KafkaConsumer<String, byte[]> c, Future<List<Rejected<E>>> write) {
        long quietUntil = System.nanoTime() + QUIET_WAIT.toNanos();
        while (true) {
            try {
                if (!retrying && System.nanoTime() < quietUntil) {
                    return write.get(Math.max(1, (quietUntil - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
                }
                if (write.isDone()) {
                    return write.get();
                }
                pauseAndWait(c, pollTimeout);
            } catch (TimeoutException e) {
                // not done within the quiet wait: keep waiting, paused and polling
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Stopping();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Stopping || !running) {
                    throw new Stopping();
                }
                throw new RuntimeException("writing a batch failed unexpectedly", e.getCause());
            }
        }
    }

    /** Waits for a write still running when the consumer goes away; its batch is not committed. */
    private void abandonInFlight() {
        if (inFlight == null) {
            return;
        }
        try {
            inFlight.write().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | java.util.concurrent.CancellationException ignored) {
            // stored or not, the batch is redelivered to whoever consumes its partitions next
        }
        inFlight = null;
    }

    private void countStored(List<E> events, List<Rejected<E>> rejected) {
        Set<E> refused = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        rejected.forEach(r -> refused.add(r.event()));
        Map<String, Long> counts = new LinkedHashMap<>();
        for (E event : events) {
            if (!refused.contains(event)) {
                counts.merge(ConsumerMetrics.typeLabel(event.type()), 1L, Long::sum);
            }
        }
        counts.forEach(metrics::stored);
    }

    /** An event PostgreSQL refuses for good, and why. */
    record Rejected<E>(E event, String reason) {
    }

    /**
     * On the writer thread: writes the events, retrying for as long as the database is unavailable;
     * returns what it refused for good.
     */
    private List<Rejected<E>> writeUntilStored(Decoded<E> decoded) {
        List<E> events = decoded.events();
        if (events.isEmpty()) {
            return List.of();
        }
        PersistTracing.Batch<E> traced = tracing.writing(topic, events, (event, header) -> header(decoded.origins().get(event), header));
        boolean stored = false;
        Duration backoff = initialBackoff;
        int attempts = 0;
        try {
            while (true) {
                Timer.Sample sample = Timer.start();
                try {
                    List<Rejected<E>> rejected = writeIsolating(events, true);
                    sample.stop(metrics.batchWrite());
                    stored = true;
                    traced.stored(rejected, Rejected::event, Rejected::reason);
                    if (attempts > 0) {
                        LOG.infof("%s: database available again; stored a batch of %d events after %d retries",
                                name, events.size(), attempts);
                    }
                    return rejected;
                } catch (TransientFailure failure) {
                    attempts++;
                    retrying = true;
                    metrics.retried();
                    traced.retried();
                    if (attempts == 1 || attempts % 20 == 0) {
                        LOG.warnf("%s: cannot write a batch of %d events (%s); consumer paused, retry %d in %d ms",
                                name, events.size(), SqlFailures.describe(failure.getCause()), attempts, backoff.toMillis());
                    }
                    if (!running) {
                        throw new Stopping();
                    }
                    try {
                        Thread.sleep(backoff.toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new Stopping();
                    }
                    backoff = next(backoff);
                }
            }
        } finally {
            retrying = false;
            if (!stored) {
                traced.abandoned("not stored: the recorder stopped; the batch will be consumed again");
            }
        }
    }

    /**
     * Writes the events; when they are refused for a reason an event causes, halves the batch
     * until the events that cause it are alone.
     */
    private List<Rejected<E>> writeIsolating(List<E> events, boolean whole) throws TransientFailure {
        try {
            writer.write(events);
            return List.of();
        } catch (SQLException | RuntimeException e) {
            if (SqlFailures.isTransient(e)) {
                throw new TransientFailure(e);
            }
            if (events.size() == 1) {
                E event = events.get(0);
                String reason = "database refused the event: " + SqlFailures.describe(e);
                LOG.errorf("%s: %s %s is dead-lettered: %s", name, event.type().ceType(), event.eventId(), reason);
                return List.of(new Rejected<>(event, reason));
            }
            if (whole) {
                LOG.warnf("%s: a batch of %d events was refused (%s); isolating the events that cause it",
                        name, events.size(), SqlFailures.describe(e));
            }
            int half = events.size() / 2;
            List<Rejected<E>> rejected = new ArrayList<>(writeIsolating(events.subList(0, half), false));
            rejected.addAll(writeIsolating(events.subList(half, events.size()), false));
            return rejected;
        }
    }

    private void publishRetrying(KafkaConsumer<String, byte[]> c, List<DeadLetter> dead) {
        Duration backoff = initialBackoff;
        int attempts = 0;
        try {
            while (true) {
                try {
                    deadLetters.publish(deadLetterTopic, dead);
                    for (DeadLetter letter : dead) {
                        metrics.deadLettered(letter.category());
                        LOG.warnf("%s: record %s-%d@%d dead-lettered to %s: %s", name, letter.record().topic(),
                                letter.record().partition(), letter.record().offset(), deadLetterTopic, letter.reason());
                    }
                    return;
                } catch (DeadLetters.DeadLetterException e) {
                    attempts++;
                    metrics.retried();
                    if (attempts == 1 || attempts % 20 == 0) {
                        LOG.warnf("%s: %s; consumer paused, retry %d in %d ms", name, e.getMessage(), attempts,
                                backoff.toMillis());
                    }
                    pauseFor(c, backoff);
                    backoff = next(backoff);
                }
            }
        } finally {
            resume(c);
        }
    }

    /**
     * Pauses every assigned partition and polls for {@code wait}, so the consumer keeps its group
     * membership without fetching. Records of partitions assigned meanwhile are not skipped: their
     * position is set back to the first one.
     */
    private void pauseAndWait(KafkaConsumer<String, byte[]> c, Duration wait) {
        if (!running) {
            throw new Stopping();
        }
        paused = true;
        c.pause(c.assignment());
        ConsumerRecords<String, byte[]> stray = c.poll(wait);
        for (TopicPartition partition : stray.partitions()) {
            c.seek(partition, stray.records(partition).get(0).offset());
        }
        c.pause(c.assignment());
        updateLag(c);
    }

    /** Pauses and polls for {@code wait} in slices of the poll timeout. */
    private void pauseFor(KafkaConsumer<String, byte[]> c, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            pauseAndWait(c, Duration.ofNanos(Math.min(left, pollTimeout.toNanos())));
        }
    }

    private void resume(KafkaConsumer<String, byte[]> c) {
        if (paused) {
            paused = false;
            c.resume(c.paused());
        }
    }

    /** Commits the next offsets of the batch's partitions that are still ours. */
    private void commit(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        Set<TopicPartition> assigned = c.assignment();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : records.partitions()) {
            if (assigned.contains(partition)) {
                List<ConsumerRecord<String, byte[]>> inPartition = records.records(partition);
                ConsumerRecord<String, byte[]> last = inPartition.get(inPartition.size() - 1);
                offsets.put(partition, new OffsetAndMetadata(last.offset() + 1, last.leaderEpoch(), ""));
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        try {
            c.commitSync(offsets);
        } catch (WakeupException | InterruptException e) {
            throw e;
        } catch (KafkaException e) {
            // Stored already; whoever consumes these partitions next gets them again, harmlessly.
            LOG.warnf("%s: could not commit offsets %s (%s); the batch will be redelivered", name, offsets, e.toString());
        }
    }

    private void updateLag(KafkaConsumer<String, byte[]> c) {
        long total = 0;
        for (TopicPartition partition : c.assignment()) {
            OptionalLong partitionLag = c.currentLag(partition);
            if (partitionLag.isPresent()) {
                total += partitionLag.getAsLong();
            }
        }
        lag = total;
    }

    private Duration next(Duration backoff) {
        Duration doubled = backoff.multipliedBy(2);
        return doubled.compareTo(maxBackoff) > 0 ? maxBackoff : doubled;
    }

    private void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Keeps a paused consumer paused across rebalances, and says what it was given. */
    private final class Rebalance implements ConsumerRebalanceListener {
        private final KafkaConsumer<String, byte[]> c;

        Rebalance(KafkaConsumer<String, byte[]> c) {
            this.c = c;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                LOG.infof("%s: assigned %s", name, partitions);
            }
            if (paused) {
                c.pause(partitions);
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                LOG.infof("%s: revoked %s", name, partitions);
            }
        }
    }

    /** A write failed in a way that passes; the whole batch is retried. */
    private static final class TransientFailure extends Exception {
        TransientFailure(Throwable cause) {
            super(cause);
        }
    }

    /** The consumer is being stopped in the middle of a batch. */
    private static final class Stopping extends RuntimeException {
        Stopping() {
            super(null, null, false, false);
        }
    }
}

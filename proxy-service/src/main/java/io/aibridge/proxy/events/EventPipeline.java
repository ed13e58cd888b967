package io.aibridge.proxy.events;

import io.aibridge.events.EventCodec;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.Topics;
import io.aibridge.identity.KafkaConnection;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * The way from {@link #publish} to Kafka, through memory and, when Kafka does not keep up, the
 * on-disk {@link Spool}. Callers never wait: events are put in a bounded in-memory queue and one
 * publisher thread does the rest, so that neither a blocking producer call nor a disk write ever
 * runs on the event loop.
 *
 * <p>The rule: <em>an event that Kafka has not acknowledged within {@code spoolAfter} of being
 * published is written to the spool</em>, and stays there until Kafka acknowledges it. In detail,
 * the publisher thread keeps the events it took from the queue in a <em>window</em>, in order:
 * <ul>
 *   <li><b>Direct</b> (the normal state): window events are sent to Kafka at once (idempotent
 *       producer, {@code acks=all}, key = interception id) and leave the window when acknowledged.
 *       If the oldest one is still unacknowledged after {@code spoolAfter}, or a send fails, every
 *       unacknowledged window event is appended to the spool, in order, and the state becomes
 *       spooling. (They may still be delivered by the producer later: they are then published
 *       twice, which consumers de-duplicate on the event id.)</li>
 *   <li><b>Spooling</b>: new window events are not sent. While Kafka is failing (the send or replay
 *       that started or continued the spooling failed, or was not acknowledged within
 *       {@code spoolAfter}) they are appended to the spool as soon as they are taken. Once a replay
 *       batch is acknowledged they are held in memory instead, and appended only when the oldest
 *       has been held for {@code spoolAfter}. Meanwhile the spool is replayed in order, one batch at
 *       a time: a batch is sent, and once Kafka has acknowledged it, it is committed (removed). When
 *       the spool is empty, the state is direct again and the held events are sent.</li>
 * </ul>
 * So everything after the first spooled event goes through the spool (or waits behind it) until
 * the spool is drained, and every interception's events reach Kafka in the order they were
 * published. Appends are forced to disk once per batch taken from the queue (group commit).
 *
 * <p>On {@link #stop()} the thread drains what it can until the drain timeout: events in memory
 * are published or spooled, the spool is replayed while Kafka acknowledges within
 * {@code spoolAfter}; what is left stays on disk, forced, and is replayed first by the next start.
 * When the spool is full, new events are dropped and counted; with {@code failClosed},
 * {@link #acceptsNewInterceptions()} turns false once the spool is 90% full, so that the proxy
 * refuses new interceptions while the last tenth holds the events of those already running.
 */
final class EventPipeline implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EventPipeline.class);
    private static final String SOURCE = "/aibridge/proxy-service";
    private static final int TAKE_BATCH = 1000;
    /** How long events gather in the queue after a turn that took some ({@link #gather}). */
    private static final long GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final int REPLAY_RECORDS = 1000;
    private static final long REPLAY_BYTES = 4L * 1024 * 1024;
    private static final long INITIAL_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(15);
    private static final Duration ENSURE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration ENSURE_RETRY = Duration.ofSeconds(5);
    /** {@link #maxMessageBytes}: the topic does not exist. */
    private static final long UNKNOWN_TOPIC = -2;
    /** {@link #maxMessageBytes}: the topic's configuration could not be read. */
    private static final long UNREADABLE = -1;
    private static final String DROPPED = "Interception events lost: memory queue or spool full, refused by Kafka for good, or unreadable on disk";
    private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long ERROR_PAUSE_MILLIS = 100;
    /** Share of the spool (and of the memory queue) that {@code fail-closed} keeps for interceptions already running. */
    private static final double FAIL_CLOSED_RESERVE = 0.10;

    /**
     * Everything the pipeline needs to know.
     *
     * @param kafka             where the cluster is and how its connection is secured: every client of the pipeline gets it
     * @param producerOverrides producer settings over the pipeline's own (tests shorten its timeouts)
     */
    record Settings(KafkaConnection kafka, int partitions, short replicationFactor, long maxRequestSize, String compression,
                    Duration deliveryTimeout, Duration drainTimeout, int queueCapacity, Path spoolDirectory,
                    long spoolMaxBytes, Duration spoolAfter, boolean failClosed, Map<String, Object> producerOverrides) {
    }

    enum Mode { DIRECT, SPOOLING }

    private static final int NEW = 0;
    private static final int SENT = 1;
    private static final int ACKED = 2;
    private static final int FAILED = 3;

    /** One event on its way. */
    private static final class Entry {
        final OutgoingEvent outgoing;
        final long publishedNanos;
        SpoolRecord record;
        volatile int state = NEW;
        volatile Exception error;

        Entry(OutgoingEvent outgoing, long publishedNanos) {
            this.outgoing = outgoing;
            this.publishedNanos = publishedNanos;
        }
    }

    /** A batch of spooled records sent to Kafka, waiting for its acknowledgements. */
    private static final class Replay {
        final List<Spool.Item> items;
        final Exception[] errors;
        final boolean[] done;
        final AtomicInteger pending;
        final long sentNanos;

        Replay(List<Spool.Item> items, long sentNanos) {
            this.items = items;
            this.errors = new Exception[items.size()];
            this.done = new boolean[items.size()];
            this.pending = new AtomicInteger(items.size());
            this.sentNanos = sentNanos;
        }
    }

    private final Settings settings;
    private final Function<Properties, Producer<String, byte[]>> producers;
    private final Spool.SegmentFiles segmentFiles;
    private final EventCodec codec = new EventCodec(SOURCE);
    private final BlockingQueue<Entry> queue;
    private final ArrayDeque<Entry> window = new ArrayDeque<>();
    private final long spoolAfterNanos;
    private final Tally published;
    private final Tally failed;
    private final Tally spooled;
    private final Tally replayed;
    private final Tally droppedQueueFull;
    private final Tally droppedSpoolFull;
    private final Tally droppedRejected;
    private final Tally droppedUnreadable;
    private final Tally refused;
    private final Tally errors;
    private Spool spool;
    private Producer<String, byte[]> producer;
    private Thread thread;
    private Thread topicThread;
    private volatile Mode mode = Mode.DIRECT;
    /**
     * Spooling because Kafka failed: a send failed or was not acknowledged within {@code spoolAfter},
     * and no replay batch has been acknowledged since. New events then go to disk at once.
     */
    private boolean kafkaFailing;
    private volatile boolean topicReady;
    /** While the topic is missing and may not be created: why (said in the WARN that starts the spooling). */
    private volatile String topicMissing;
    /** The topic thread's: whether the WARN of a refused creation of an existing topic, and the ERROR of a missing one, were logged. */
    private boolean refusalLogged;
    private boolean missingLogged;
    /** How many times the topic thread has finished looking for (or creating) the topic: for tests. */
    private final AtomicInteger topicChecks = new AtomicInteger();
    private volatile boolean stopping;
    private volatile boolean stopped;
    private volatile long stopDeadline;
    private Replay replay;
    private long nextReplayNanos;
    private long backoffNanos = INITIAL_BACKOFF_NANOS;
    private boolean gaveUp;
    private boolean appendedSinceSync;
    private long lastDropLog;
    private long lastErrorLog;
    private long lastReplayFailureLog;
    private long replayedSinceSpooling;
    /** The window's size, for other threads (metrics). */
    private volatile int windowSize;
    private final MeterRegistry registry;
    /**
     * Every meter reads this instance: removed on close, so that a later pipeline in the same
     * registry (a restarted app) registers its own.
     */
    private final List<Meter> meters = new ArrayList<>();

    EventPipeline(Settings settings, MeterRegistry registry) {
        this(settings, registry, KafkaProducer::new, Spool.SegmentFiles.DISK);
    }

    EventPipeline(Settings settings, MeterRegistry registry, Function<Properties, Producer<String, byte[]>> producers,
                  Spool.SegmentFiles segmentFiles) {
        this.settings = settings;
        this.producers = producers;
        this.segmentFiles = segmentFiles;
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        this.spoolAfterNanos = settings.spoolAfter().toNanos();
        this.registry = registry;
        this.published = counter("aibridge.events.published", null, "Interception events acknowledged by Kafka (directly or replayed from the spool)");
        this.failed = counter("aibridge.events.failed", null, "Sends Kafka did not acknowledge (the events went to the spool, or were dropped when Kafka refused them for good)");
        this.spooled = counter("aibridge.events.spooled", null, "Interception events written to the on-disk spool");
        this.replayed = counter("aibridge.events.replayed", null, "Spooled interception events acknowledged by Kafka and removed from the spool");
        this.droppedQueueFull = counter("aibridge.events.dropped", "queue_full", DROPPED);
        this.droppedSpoolFull = counter("aibridge.events.dropped", "spool_full", DROPPED);
        this.droppedRejected = counter("aibridge.events.dropped", "rejected", DROPPED);
        this.droppedUnreadable = counter("aibridge.events.dropped", "unreadable", DROPPED);
        this.refused = counter("aibridge.spool.refused.interceptions", null, "Interceptions refused with 503 because the spool was full (fail-closed)");
        this.errors = counter("aibridge.events.publisher.errors", null,
                "Unexpected errors in the event publisher thread; it logs each and goes on (should stay 0)");
        meters.add(Gauge.builder("aibridge.events.waiting", this, EventPipeline::inMemory)
                .description("Interception events in memory, not yet acknowledged by Kafka nor spooled").register(registry));
        meters.add(Gauge.builder("aibridge.spool.events", this, p -> p.spool == null ? 0 : p.spool.events())
                .description("Interception events in the spool, waiting for Kafka").register(registry));
        meters.add(Gauge.builder("aibridge.spool.bytes", this, p -> p.spool == null ? 0 : p.spool.bytes())
                .description("Size of the spool's files on disk").baseUnit("bytes").register(registry));
        meters.add(Gauge.builder("aibridge.spool.limit.bytes", this, p -> p.settings.spoolMaxBytes())
                .description("Largest size of the spool (AIBRIDGE_SPOOL_MAX_SIZE)").baseUnit("bytes").register(registry));
        meters.add(Gauge.builder("aibridge.events.spooling", this, p -> p.mode == Mode.SPOOLING ? 1 : 0)
                .description("1 while events go through the spool (Kafka slow or unavailable, or the spool still draining)").register(registry));
    }

    /**
     * A counter the registry reads from this pipeline's own tally when it is scraped, rather than a
     * {@link io.micrometer.core.instrument.Counter} it holds: a replay at start counts before the
     * application has finished starting, and an increment made before a registry joins Quarkus's
     * composite would be lost to that registry; a function counter reports the whole count whenever
     * it is read.
     */
    private Tally counter(String name, String reason, String description) {
        Tally tally = new Tally();
        FunctionCounter.Builder<Tally> builder = FunctionCounter.builder(name, tally, Tally::count).description(description);
        if (reason != null) {
            builder.tag("reason", reason);
        }
        meters.add(builder.register(registry));
        return tally;
    }

    /**
     * Opens the spool (recovering what a previous run left), creates the producer and starts the
     * threads. Fails when the spool directory cannot be used: the proxy must not run without it.
     */
    synchronized void start() {
        try {
            spool = Spool.open(settings.spoolDirectory(), settings.spoolMaxBytes(), segmentFiles);
        } catch (IOException e) {
            throw new IllegalStateException("cannot use the spool directory " + settings.spoolDirectory().toAbsolutePath()
                    + " (AIBRIDGE_SPOOL_DIR): " + e.getMessage(), e);
        }
        Spool.Recovery recovery = spool.recovery();
        if (recovery.events() > 0) {
            mode = Mode.SPOOLING;
            LOG.infof("spool: %d events (%d bytes) from a previous run wait in %s; they are published before anything new",
                    recovery.events(), recovery.bytes(), spool.directory().toAbsolutePath());
        }
        producer = producers.apply(producerConfig());
        topicThread = new Thread(this::ensureTopic, "aibridge-event-topic");
        topicThread.setDaemon(true);
        topicThread.start();
        thread = new Thread(this::run, "aibridge-event-publisher");
        thread.setDaemon(true);
        thread.start();
    }

    private Properties producerConfig() {
        Properties p = settings.kafka().applyTo(new Properties());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, settings.compression());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, (int) settings.maxRequestSize());
        // Keys (interception ids) spread events over every partition, so each linger window opens a
        // batch (and a produce request, and broker work) per partition: 20 ms gathers four times
        // as many events into each as the producer's 5 ms default; 15 ms more before the recorder
        // sees an event is little beside the recorder's own gathering (AIBRIDGE_RECORDER_BATCH_WAIT)
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(64 * 1024));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) settings.deliveryTimeout().toMillis());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
        // send() blocks the publisher thread at most this long (no metadata for the topic, buffer full); then the event,
        // and every event of the same round that was not sent yet, is spooled (Kafka is taken as unreachable)
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "1000");
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "aibridge-proxy-events");
        p.putAll(settings.producerOverrides());
        return p;
    }

    /**
     * Creates the topic (our partitions and size limit rather than auto-creation's) before anything
     * is sent to it. A topic that exists already (made by an operator, or auto-created by a client
     * with the broker's default of about 1 MB) gets its {@code max.message.bytes} raised to what the
     * producer sends, when it is lower: Kafka refuses a larger record for good, and it would be dropped.
     *
     * <p>Nothing is sent until the topic is known to exist ({@link #topicReady}); meanwhile events
     * go to the spool. Kafka answers TOPIC_AUTHORIZATION_FAILED to a principal without CREATE before
     * it looks whether the topic exists, so a refused creation is followed by a description of the
     * topic: one an operator made is used (a WARN says once that it could not be created). One that
     * is missing is an ERROR, once, naming the {@code kafka-topics.sh} command that makes it, and
     * the check is repeated every {@link #ENSURE_RETRY} until it exists: then the spool is replayed.
     */
    private void ensureTopic() {
        while (!stopped) {
            Properties p = settings.kafka().applyTo(new Properties());
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ENSURE_TIMEOUT.toMillis());
            p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) ENSURE_TIMEOUT.toMillis());
            Admin admin = null;
            try {
                admin = Admin.create(p);
                topicReady = createOrFindTopic(admin);
            } catch (TimeoutException e) {
                unreachable();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warnf("could not reach Kafka at %s to create topic %s: %s", settings.kafka().bootstrapServers(), Topics.INTERCEPTIONS, e);
            } finally {
                if (admin != null) {
                    admin.close(Duration.ZERO); // never wait for a broker that does not answer
                }
            }
            topicChecks.incrementAndGet();
            if (topicReady) {
                if (topicMissing != null) {
                    topicMissing = null;
                    LOG.infof("topic %s exists now; the events waiting in the spool (%d) are published to it",
                            Topics.INTERCEPTIONS, spoolEvents());
                }
                return;
            }
            try {
                Thread.sleep(ENSURE_RETRY.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void unreachable() {
        LOG.warnf("Kafka at %s is unreachable; events go to the spool until it answers (retrying in %s)",
                settings.kafka().bootstrapServers(), ENSURE_RETRY);
    }

    /** True when the topic exists now: created, or there already (its record size limit then checked). */
    private boolean createOrFindTopic(Admin admin) throws TimeoutException, InterruptedException {
        try {
            admin.createTopics(List.of(new NewTopic(Topics.INTERCEPTIONS, settings.partitions(), settings.replicationFactor())
                            .configs(topicConfigs())))
                    .all().get(ENSURE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException e) {
            Throwable refusal = e.getCause();
            if (refusal instanceof TopicExistsException) {
                ensureRecordLimit(admin);
                return true;
            }
            if (refusal instanceof RetriableException) {
                // the admin client's own timeout (Kafka unreachable), a controller moving: asked again
                unreachable();
                return false;
            }
            return existsAfterRefusal(admin, refusal);
        }
    }

    private Map<String, String> topicConfigs() {
        return Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(settings.maxRequestSize()));
    }

    /**
     * After Kafka refused to create the topic for good (no CREATE permission, a replication factor
     * the cluster cannot give, a policy): true when it exists all the same, with a WARN once. When
     * it does not, or the principal may not describe it either, false with an ERROR, once, saying
     * that an operator must create it and how.
     */
    private boolean existsAfterRefusal(Admin admin, Throwable refusal) throws TimeoutException, InterruptedException {
        String topic = Topics.INTERCEPTIONS;
        Throwable unknown;
        try {
            admin.describeTopics(List.of(topic)).allTopicNames().get(ENSURE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (!refusalLogged) {
                refusalLogged = true;
                LOG.warnf("Kafka refused to create topic %s (%s)%s. The topic exists, so events are published to it as it was created",
                        topic, refusal, refusal instanceof AuthorizationException
                                ? ": the proxy's principal lacks the CREATE permission (on the topic or the cluster)" : "");
            }
            ensureRecordLimit(admin);
            return true;
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException) && !(e.getCause() instanceof AuthorizationException)) {
                LOG.debugf("describing topic %s after Kafka refused to create it: %s", topic, e.getCause());
                return false; // e.g. the broker is going away: asked again
            }
            unknown = e.getCause();
        }
        boolean mayNotCreate = refusal instanceof AuthorizationException;
        boolean mayNotDescribe = unknown instanceof AuthorizationException;
        String state = (mayNotCreate ? "the proxy's principal may not create topic " : "Kafka refused to create topic ")
                + topic + " (" + refusal + ")"
                + (!mayNotDescribe ? ", and it does not exist"
                : (mayNotCreate ? " nor describe it (" : ", and the proxy's principal may not describe it (") + unknown
                + "), so whether it exists is unknown");
        topicMissing = state;
        if (!missingLogged) {
            missingLogged = true;
            StringBuilder configs = new StringBuilder();
            new TreeMap<>(topicConfigs()).forEach((key, value) -> configs.append(" --config ").append(key).append('=').append(value));
            String grant = mayNotCreate || mayNotDescribe
                    ? ", and grant the proxy's principal WRITE and DESCRIBE on it" : "";
            LOG.errorf("%s. No event is sent to Kafka until it exists: they wait in the spool in %s (AIBRIDGE_SPOOL_MAX_SIZE %d"
                            + " bytes; then AIBRIDGE_SPOOL_WHEN_FULL applies), and the proxy looks for the topic again every %d s."
                            + " An operator must create it: kafka-topics.sh --bootstrap-server %s --create --topic %s --partitions %d%s%s%s",
                    state, spool.directory().toAbsolutePath(), settings.spoolMaxBytes(), ENSURE_RETRY.toSeconds(),
                    settings.kafka().bootstrapServers(), topic, settings.partitions(),
                    settings.replicationFactor() > 0 ? " --replication-factor " + settings.replicationFactor() : "", configs, grant);
        }
        return false;
    }

    /**
     * Raises the existing topic's {@code max.message.bytes} to {@code AIBRIDGE_EVENTS_MAX_REQUEST_SIZE}
     * when it is lower (a WARN says so), and waits until the broker reports the new value. When the
     * broker refuses (no ALTER_CONFIGS permission), an ERROR names the command that fixes it, and the
     * proxy goes on: only events larger than the topic's limit are lost (dropped, {@code reason="rejected"}).
     */
    private void ensureRecordLimit(Admin admin) {
        try {
            raiseRecordLimit(admin);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // stopping
        }
    }

    private void raiseRecordLimit(Admin admin) throws InterruptedException {
        String topic = Topics.INTERCEPTIONS;
        long needed = settings.maxRequestSize();
        RecordLimit limit = maxMessageBytes(admin, topic);
        long current = limit.bytes();
        if (current == UNKNOWN_TOPIC) {
            return; // deleted since it was seen: whatever makes it again decides its limit
        }
        if (current == UNREADABLE) {
            String why = limit.failure() == null ? "the broker's answer has no value for it" : limit.failure().toString();
            if (lacksPermission(limit.failure())) {
                // Kafka answers TOPIC_AUTHORIZATION_FAILED (or CLUSTER_AUTHORIZATION_FAILED) to describeConfigs without DESCRIBE_CONFIGS
                LOG.warnf("could not read max.message.bytes of topic %s (%s): the proxy's principal lacks DESCRIBE_CONFIGS on topic %s;"
                                + " if its max.message.bytes is below %d (AIBRIDGE_EVENTS_MAX_REQUEST_SIZE), larger events are refused by"
                                + " Kafka and dropped. Grant it with: %s (or check the limit with: %s)", topic, why, topic, needed,
                        grantDescribeConfigsCommand(topic), describeCommand(topic));
            } else {
                LOG.warnf("could not read max.message.bytes of topic %s (%s); if it is below %d (AIBRIDGE_EVENTS_MAX_REQUEST_SIZE),"
                        + " larger events are refused by Kafka and dropped. Check it with: %s", topic, why, needed,
                        describeCommand(topic));
            }
            return;
        }
        if (current >= needed) {
            return;
        }
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                            new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(needed)), AlterConfigOp.OpType.SET))))
                    .all().get(ENSURE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            LOG.errorf("topic %s takes records of at most %d bytes (max.message.bytes), less than the %d the proxy sends"
                            + " (AIBRIDGE_EVENTS_MAX_REQUEST_SIZE), and Kafka refused to raise it (%s): events larger than %d bytes"
                            + " after compression are refused by Kafka and dropped. Fix it with: %s",
                    topic, current, needed, cause, current, alterCommand(topic, needed));
            return;
        }
        // the controller has the change; wait (a little) until a broker applies it, so the first large event finds it
        long deadline = System.nanoTime() + ENSURE_TIMEOUT.toNanos();
        while (maxMessageBytes(admin, topic).bytes() < needed && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        LOG.warnf("topic %s took records of at most %d bytes (max.message.bytes), less than the %d the proxy sends"
                + " (AIBRIDGE_EVENTS_MAX_REQUEST_SIZE); raised its max.message.bytes to %d", topic, current, needed, needed);
    }

    /**
     * A topic's {@code max.message.bytes}, or {@link #UNKNOWN_TOPIC} or {@link #UNREADABLE}; when
     * unreadable, {@code failure} says why (null when the broker's answer had no value).
     */
    private record RecordLimit(long bytes, Throwable failure) {
    }

    /** An authorization failure (a topic's or the cluster's), also when it is the cause of another. */
    private static boolean lacksPermission(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AuthorizationException) {
                return true;
            }
        }
        return false;
    }

    private static RecordLimit maxMessageBytes(Admin admin, String topic) throws InterruptedException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            Config config = admin.describeConfigs(List.of(resource)).all()
                    .get(ENSURE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(resource);
            ConfigEntry entry = config == null ? null : config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
            return new RecordLimit(entry == null || entry.value() == null ? UNREADABLE : Long.parseLong(entry.value()), null);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return new RecordLimit(UNKNOWN_TOPIC, null);
            }
            LOG.debugf("describing topic %s: %s", topic, e.getCause());
            return new RecordLimit(UNREADABLE, e.getCause());
        } catch (TimeoutException | NumberFormatException e) {
            LOG.debugf("describing topic %s: %s", topic, e);
            return new RecordLimit(UNREADABLE, e);
        }
    }

    /** The command an operator with ALTER_CONFIGS on the topic runs (on a secured cluster, with {@code --command-config}). */
    private String alterCommand(String topic, long size) {
        return "kafka-configs.sh --bootstrap-server " + settings.kafka().bootstrapServers() + " --alter --entity-type topics --entity-name "
                + topic + " --add-config " + TopicConfig.MAX_MESSAGE_BYTES_CONFIG + "=" + size;
    }

    /**
     * The command an operator with ALTER on the cluster runs so that the proxy may read the topic's
     * configuration; the proxy cannot tell its own principal (SASL user, certificate name), so it is a placeholder.
     */
    private String grantDescribeConfigsCommand(String topic) {
        return "kafka-acls.sh --bootstrap-server " + settings.kafka().bootstrapServers() + " --add --allow-principal User:<proxy-principal>"
                + " --operation DescribeConfigs --topic " + topic;
    }

    private String describeCommand(String topic) {
        return "kafka-configs.sh --bootstrap-server " + settings.kafka().bootstrapServers() + " --describe --all --entity-type topics"
                + " --entity-name " + topic;
    }

    /** Queues the event; never blocks. When the memory queue is full it is dropped and counted. */
    void publish(InterceptionEvent event, Map<String, String> headers) {
        Entry entry = new Entry(new OutgoingEvent(event, headers), System.nanoTime());
        if (stopped) {
            late(entry);
            return;
        }
        if (!queue.offer(entry)) {
            droppedQueueFull.increment();
            logDrop("the in-memory event queue is full (" + settings.queueCapacity() + ")", entry);
        }
    }

    /** An event published after the publisher thread ended (a request that outlived shutdown): straight to disk. */
    private void late(Entry entry) {
        try {
            entry.record = SpoolRecord.of(codec.encode(entry.outgoing.event()), entry.outgoing.headers());
            if (spool.append(entry.record)) {
                spool.sync();
                spooled.increment();
                return;
            }
            droppedSpoolFull.increment();
            logDrop("the spool is full", entry);
        } catch (IOException | RuntimeException e) {
            droppedSpoolFull.increment();
            logDrop("the publisher has stopped and the spool is closed (" + e.getMessage() + ")", entry);
        }
    }

    /**
     * False when new interceptions should be refused: only with {@code fail-closed}, once the spool
     * (or the memory queue) is 90% full. Each refusal is counted.
     */
    boolean acceptsNewInterceptions() {
        if (!settings.failClosed()) {
            return true;
        }
        Spool s = spool;
        boolean full = (s != null && s.bytes() >= settings.spoolMaxBytes() * (1 - FAIL_CLOSED_RESERVE))
                || queue.remainingCapacity() <= settings.queueCapacity() * FAIL_CLOSED_RESERVE;
        if (full) {
            refused.increment();
        }
        return !full;
    }

    /** Events in memory: queued, or taken by the publisher thread and not yet acknowledged nor spooled. */
    int inMemory() {
        return queue.size() + windowSize;
    }

    long spoolEvents() {
        return spool == null ? 0 : spool.events();
    }

    long spoolBytes() {
        return spool == null ? 0 : spool.bytes();
    }

    Mode mode() {
        return mode;
    }

    // ------------------------------------------------------------------ the publisher thread

    /**
     * The publisher thread's loop. It must outlive every failure short of an {@link Error}: when it
     * ends, nothing takes events from the queue any more. An unexpected exception in one step is
     * logged and counted, and the next step starts from the state the last one left.
     */
    private void run() {
        List<Entry> taken = new ArrayList<>(TAKE_BATCH);
        try {
            while (true) {
                taken.clear();
                Entry first;
                try {
                    first = queue.poll(waitMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    break;
                }
                if (first != null) {
                    taken.add(first);
                    queue.drainTo(taken, TAKE_BATCH - 1);
                }
                try {
                    if (step(taken)) {
                        break;
                    }
                } catch (RuntimeException e) {
                    if (!survive(e)) {
                        break;
                    }
                }
                gather(taken);
            }
        } catch (Error e) {
            LOG.errorf(e, "the event publisher failed; moving what is in memory to the spool");
        } finally {
            finish();
        }
    }

    /** One turn of the loop with the events just taken from the queue; true when the thread is done stopping. */
    private boolean step(List<Entry> taken) {
        for (Entry e : taken) {
            take(e);
        }
        long now = System.nanoTime();
        if (mode == Mode.DIRECT) {
            sendWindow();
            settleDirect(now);
        }
        if (mode == Mode.SPOOLING) {
            settleHeld(now);
            replayStep(now);
        }
        syncIfAppended();
        windowSize = window.size();
        return stopping && finishedStopping(now);
    }

    /** Logs and counts an unexpected exception of a step, and pauses a little so that a repeating one cannot spin; false when interrupted. */
    private boolean survive(RuntimeException e) {
        errors.increment();
        long now = System.nanoTime();
        if (lastErrorLog == 0 || now - lastErrorLog > LOG_EVERY_NANOS) {
            lastErrorLog = now;
            LOG.errorf(e, "the event publisher hit an unexpected error (counted in aibridge_events_publisher_errors_total; "
                    + "later ones are logged every 10 s); it goes on");
        }
        try {
            Thread.sleep(ERROR_PAUSE_MILLIS);
            return true;
        } catch (InterruptedException interrupted) {
            return false;
        }
    }

    /**
     * After a turn that took events, lets the next ones gather in the queue for {@link #GATHER_NANOS}
     * before taking them. Without it the thread is back waiting on the queue a few microseconds
     * after each turn, and nearly every event the request threads queue wakes it (a system call on
     * the event loop and a context switch each, five or more per interception); Kafka holds each
     * batch for {@code linger.ms} (20 ms) anyway. An interrupt (stopping) ends the pause at once.
     */
    private void gather(List<Entry> taken) {
        if (!taken.isEmpty() && mode == Mode.DIRECT && !stopping) {
            LockSupport.parkNanos(GATHER_NANOS);
        }
    }

    private long waitMillis() {
        if (replay != null) {
            return 5;
        }
        return window.isEmpty() && !stopping ? 200 : 20;
    }

    private void take(Entry e) {
        try {
            e.record = SpoolRecord.of(codec.encode(e.outgoing.event()), e.outgoing.headers());
        } catch (RuntimeException ex) {
            droppedRejected.increment();
            LOG.errorf("could not encode %s of interception %s (%s); it is dropped", e.outgoing.event().type().ceType(),
                    e.outgoing.event().interceptionId(), ex.toString());
            return;
        }
        window.addLast(e);
    }

    /**
     * Direct: sends the window's new events. A send that fails before it returns (retriably) ends
     * the round: that is a send that waited {@code max.block.ms} for topic metadata or buffer
     * space, and every further one would wait as long (a window of 1,000 events, 1,000 s) while
     * the queue overflows. The unsent events stay new; {@link #settleDirect} spools them with the
     * failed one.
     */
    private void sendWindow() {
        if (!topicReady) {
            return;
        }
        for (Entry e : window) {
            if (e.state == NEW) {
                send(e);
                if (e.state == FAILED && !permanent(e.error)) {
                    return;
                }
            }
        }
    }

    private void send(Entry e) {
        e.state = SENT;
        try {
            producer.send(e.record.toProducerRecord(), (metadata, error) -> {
                if (error == null) {
                    e.state = ACKED;
                    published.increment();
                } else {
                    e.error = error;
                    e.state = FAILED;
                    failed.increment();
                }
            });
        } catch (RuntimeException ex) {
            e.error = ex;
            e.state = FAILED;
            failed.increment();
        }
    }

    /** Direct: acknowledged events leave the window; a failure or an event waiting too long starts the spool. */
    private void settleDirect(long now) {
        while (!window.isEmpty()) {
            Entry head = window.peekFirst();
            if (head.state == ACKED) {
                window.removeFirst();
            } else if (head.state == FAILED && permanent(head.error)) {
                window.removeFirst();
                rejected(head.record, head.error);
            } else {
                break;
            }
        }
        if (window.isEmpty()) {
            return;
        }
        Exception failure = null;
        for (Entry e : window) {
            if (e.state == FAILED && !permanent(e.error)) {
                failure = e.error;
                break;
            }
        }
        boolean late = now - window.peekFirst().publishedNanos >= spoolAfterNanos;
        if (failure != null || late || (stopping && now >= stopDeadline)) {
            String why = failure != null ? "a send failed: " + failure.getMessage()
                    : !topicReady && topicMissing != null ? topicMissing + " (see the ERROR that says how to create it)"
                    : !topicReady ? "Kafka at " + settings.kafka().bootstrapServers() + " is unreachable"
                    : "Kafka did not acknowledge within " + settings.spoolAfter().toMillis() + " ms";
            LOG.warnf("%s; events go to the spool in %s until Kafka takes them again", why, spool.directory().toAbsolutePath());
            mode = Mode.SPOOLING;
            kafkaFailing = true;
            replayedSinceSpooling = 0;
            spoolWindow();
            backoffNanos = INITIAL_BACKOFF_NANOS;
            // a send that just failed may have waited max.block.ms; replaying at once would wait as long again
            nextReplayNanos = failure != null ? now + backoffNanos : now;
        }
    }

    /**
     * Spooling: new events go to disk at once while Kafka is failing (or unreachable since the
     * start), so that a crash then loses only what the last group commit had not forced. Once Kafka
     * acknowledges replayed batches again they are held in memory behind the draining spool, and
     * go to disk only when the oldest has waited {@code spoolAfter}: otherwise steady traffic
     * would keep the spool from ever being empty, and every event would pass through the disk.
     */
    private void settleHeld(long now) {
        if (!window.isEmpty() && (stopping || kafkaFailing || !topicReady || now - window.peekFirst().publishedNanos >= spoolAfterNanos)) {
            spoolWindow();
        }
    }

    /** Appends every window event not yet acknowledged to the spool, in order, and empties the window. */
    private void spoolWindow() {
        for (Entry e : window) {
            if (e.state == ACKED) {
                continue;
            }
            if (e.state == FAILED && permanent(e.error)) {
                rejected(e.record, e.error);
                continue;
            }
            append(e.record, e);
        }
        window.clear();
    }

    private void append(SpoolRecord record, Entry entry) {
        try {
            if (spool.append(record)) {
                spooled.increment();
                appendedSinceSync = true;
            } else {
                droppedSpoolFull.increment();
                logDrop("the spool is full (" + settings.spoolMaxBytes() + " bytes, AIBRIDGE_SPOOL_MAX_SIZE)", entry);
            }
        } catch (IOException e) {
            droppedSpoolFull.increment();
            logDrop("the spool could not be written (" + e.getMessage() + ")", entry);
        } catch (RuntimeException e) {
            // a fault of the spool itself: the event is counted as lost, the publisher goes on
            errors.increment();
            droppedSpoolFull.increment();
            logDrop("the spool failed (" + e + ")", entry);
        }
    }

    private void syncIfAppended() {
        if (appendedSinceSync) {
            try {
                spool.sync();
            } catch (IOException e) {
                LOG.errorf("spool: could not force %s to disk: %s", spool.directory(), e.toString());
            }
            appendedSinceSync = false;
        }
    }

    /** Spooling: one batch of the spool at a time goes to Kafka, and is committed once acknowledged. */
    private void replayStep(long now) {
        if (replay != null) {
            if (replay.pending.get() > 0) {
                if (now - replay.sentNanos >= spoolAfterNanos) {
                    kafkaFailing = true; // the direct rule: not acknowledged within spoolAfter
                    if (stopping) {
                        gaveUp = true; // Kafka does not answer: keep the rest on disk rather than wait for the deadline
                    }
                }
                return;
            }
            settleReplay(now);
        }
        if (mode == Mode.SPOOLING && spool.isEmpty()) {
            LOG.infof("spool drained (%d events replayed); publishing directly again", replayedSinceSpooling);
            mode = Mode.DIRECT;
            sendWindow();
            return;
        }
        if (replay != null || !topicReady || gaveUp || now < nextReplayNanos) {
            return;
        }
        syncIfAppended(); // what is sent is on disk first
        List<Spool.Item> items;
        try {
            items = spool.read(REPLAY_RECORDS, REPLAY_BYTES);
        } catch (IOException e) {
            LOG.errorf("spool: could not read %s: %s", spool.directory(), e.toString());
            nextReplayNanos = now + MAX_BACKOFF_NANOS;
            return;
        }
        if (items.isEmpty()) {
            return;
        }
        Replay r = new Replay(items, now);
        replay = r;
        Exception refused = null;
        for (int i = 0; i < items.size(); i++) {
            Spool.Item item = items.get(i);
            int index = i;
            if (item.record() == null) {
                complete(r, index, null);
                continue;
            }
            if (refused != null) {
                // not sent, as in sendWindow: each send would wait max.block.ms too; the batch is retried from the failed one
                complete(r, index, refused);
                continue;
            }
            try {
                producer.send(item.record().toProducerRecord(), (metadata, error) -> complete(r, index, error));
            } catch (RuntimeException e) {
                complete(r, index, e);
            }
            Exception error = r.errors[index];
            if (r.done[index] && error != null && !permanent(error)) {
                refused = error;
            }
        }
    }

    private static void complete(Replay r, int index, Exception error) {
        r.errors[index] = error;
        r.done[index] = true;
        r.pending.decrementAndGet();
    }

    /** Commits the acknowledged prefix of the finished batch; rewinds to the first retriable failure. */
    private void settleReplay(long now) {
        Replay r = replay;
        replay = null;
        Spool.Position upTo = null;
        long count = 0;
        Exception retry = null;
        for (int i = 0; i < r.items.size(); i++) {
            Spool.Item item = r.items.get(i);
            Exception error = r.errors[i];
            if (item.record() == null) {
                droppedUnreadable.increment();
                LOG.errorf("spool: skipped an unreadable record (%s)", item.unreadable());
            } else if (error == null) {
                replayed.increment();
                published.increment();
                replayedSinceSpooling++;
            } else if (permanent(error)) {
                failed.increment();
                rejected(item.record(), error);
            } else {
                failed.increment();
                retry = error;
                break;
            }
            upTo = item.end();
            count++;
        }
        try {
            if (upTo != null) {
                spool.commit(upTo, count);
            }
            if (retry != null) {
                spool.rewind();
            }
        } catch (IOException e) {
            LOG.errorf("spool: could not record progress in %s: %s", spool.directory(), e.toString());
            spool.rewind();
        }
        kafkaFailing = retry != null;
        if (retry != null) {
            nextReplayNanos = now + backoffNanos;
            backoffNanos = Math.min(backoffNanos * 2, MAX_BACKOFF_NANOS);
            if (now - lastReplayFailureLog > LOG_EVERY_NANOS || lastReplayFailureLog == 0) {
                lastReplayFailureLog = now;
                LOG.warnf("spool: Kafka did not take %d waiting events yet (%s); retrying", spool.events(), retry.toString());
            }
            if (stopping) {
                gaveUp = true;
            }
        } else {
            backoffNanos = INITIAL_BACKOFF_NANOS;
        }
    }

    private boolean finishedStopping(long now) {
        if (!queue.isEmpty()) {
            return false;
        }
        if (now >= stopDeadline || gaveUp) {
            return true;
        }
        return window.isEmpty() && replay == null && (mode == Mode.DIRECT || spool.isEmpty());
    }

    /** Last steps of the thread: nothing stays only in memory; the spool is forced to disk. */
    private void finish() {
        List<Entry> rest = new ArrayList<>();
        try {
            queue.drainTo(rest);
            for (Entry e : rest) {
                take(e);
            }
            spoolWindow();
            windowSize = 0;
            spool.sync();
        } catch (IOException e) {
            LOG.errorf("spool: could not force %s to disk: %s", spool.directory(), e.toString());
        } catch (RuntimeException | Error e) {
            errors.increment();
            LOG.errorf(e, "the event publisher could not move everything in memory to the spool");
        } finally {
            stopped = true; // from now on publish() appends to the spool itself, rather than filling a queue no one takes from
        }
        // events published between the drain above and "stopped" becoming visible
        rest.clear();
        queue.drainTo(rest);
        for (Entry e : rest) {
            late(e);
        }
        try {
            producer.close(Duration.ofMillis(200)); // an unacknowledged replay batch stays in the spool
        } catch (RuntimeException e) {
            LOG.debugf("closing the producer: %s", e);
        }
        // one line an operator (and the system tests) can read the publisher's whole life from
        String summary = String.format("events since start: %d published, %d spooled, %d replayed, %d dropped; %d kept in the spool at %s",
                published.count(), spooled.count(), replayed.count(), droppedQueueFull.count() + droppedSpoolFull.count()
                        + droppedRejected.count() + droppedUnreadable.count(), spool.events(), spool.directory().toAbsolutePath());
        if (spool.events() > 0) {
            LOG.warn(summary + " (published by the next start)");
        } else {
            LOG.info(summary);
        }
    }

    private static boolean permanent(Exception e) {
        return e instanceof RecordTooLargeException || e instanceof RecordBatchTooLargeException
                || e instanceof InvalidRecordException || e instanceof InvalidTopicException || e instanceof SerializationException;
    }

    private void rejected(SpoolRecord record, Exception error) {
        droppedRejected.increment();
        LOG.errorf("Kafka refused %s of interception %s for good (%s); it is dropped", record.header("ce_type"), record.key(),
                error.toString());
    }

    private void logDrop(String why, Entry entry) {
        long now = System.nanoTime();
        if (lastDropLog == 0 || now - lastDropLog > LOG_EVERY_NANOS) {
            lastDropLog = now;
            LOG.errorf("%s: dropped %s of interception %s (counted in aibridge_events_dropped_total; later drops are logged every 10 s)",
                    why, entry.outgoing.event().type().ceType(), entry.outgoing.event().interceptionId());
        }
    }

    // ------------------------------------------------------------------ stopping

    /**
     * Stops taking events into the thread and drains until the drain timeout: events in memory are
     * published or spooled, the spool is replayed while Kafka answers. Returns once everything is
     * on Kafka or forced to disk. Events published afterwards are appended to the spool directly.
     */
    void stop() {
        Thread t;
        synchronized (this) {
            if (thread == null || stopping) {
                t = thread;
            } else {
                stopDeadline = System.nanoTime() + settings.drainTimeout().toNanos();
                stopping = true;
                t = thread;
            }
        }
        if (t != null) {
            try {
                t.join(settings.drainTimeout().toMillis() + 5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (t != null && t.isAlive()) {
            LOG.warnf("the event publisher did not finish within %d ms; events it still holds may be lost", settings.drainTimeout().toMillis() + 5_000);
        }
        stopped = true;
        if (topicThread != null) {
            topicThread.interrupt();
        }
    }

    /** For tests: how many times the topic thread has finished looking for the topic (creating it, or describing it after a refusal). */
    int topicChecks() {
        return topicChecks.get();
    }

    /** For tests: true while the publisher thread runs. */
    boolean running() {
        Thread t = thread;
        return t != null && t.isAlive();
    }

    /** Stops, then releases the spool directory. */
    @Override
    public void close() {
        stop();
        List<Entry> rest = new ArrayList<>();
        queue.drainTo(rest); // published while stopping, after the thread's last look at the queue
        rest.forEach(this::late);
        if (spool != null) {
            spool.close();
        }
        meters.forEach(registry::remove);
    }

    /** For tests: waits until nothing is in memory, the spool is empty and the state is direct. */
    boolean awaitDrained(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (queue.isEmpty() && mode == Mode.DIRECT && spoolEvents() == 0 && inMemory() == 0) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    Spool spool() {
        return spool;
    }

    /**
     * A Micrometer counter plus a total of our own: at shutdown Quarkus detaches the registries
     * before the publisher's last summary, and the counters then read 0.
     */
    private static final class Tally {

        private final LongAdder total = new LongAdder();

        void increment() {
            total.increment();
        }

        long count() {
            return total.sum();
        }
    }
}

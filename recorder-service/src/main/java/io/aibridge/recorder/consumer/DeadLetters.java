package io.aibridge.recorder.consumer;

import io.aibridge.events.CloudEventHeaders;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes dead letters: the original record (same key, value and headers) on the dead-letter
 * topic, plus headers saying why and where it came from. A consumer commits the offsets of a batch
 * only after its dead letters are acknowledged, so none is lost. Thread-safe; the producer is
 * created on first use, so the service starts while Kafka is still away.
 *
 * <p>The recorder is the only producer of the dead-letter topics, so it creates them when they do
 * not exist (with the broker's default partition count and replication factor): a broker that
 * does not create topics on demand would otherwise block every batch with a dead letter.
 *
 * <p>A dead letter is as large as the record it carries, and the proxy makes its topic take
 * records of up to 16 MB ({@code AIBRIDGE_EVENTS_MAX_REQUEST_SIZE}). So the dead-letter topic is
 * created with the source topic's {@code max.message.bytes} plus room for the headers added here
 * (and raised to that if it exists with less), and the producer's {@code max.request.size} is the
 * same. A letter that is too large all the same (a record compressed by its producer, a topic
 * whose limit could not be raised) is never retried: it is published without its value, with
 * header {@value #TRUNCATED} saying so (and, should that still be too large, without its key and
 * original headers as well), and logged.
 */
public final class DeadLetters implements AutoCloseable {

    /** Why the record can never be stored (also {@link CloudEventHeaders#DEAD_LETTER_REASON}). */
    public static final String REASON = CloudEventHeaders.DEAD_LETTER_REASON;
    /** The topic the record was consumed from. */
    public static final String ORIGINAL_TOPIC = "aibridge_dlq_topic";
    /** Its partition, as a decimal string. */
    public static final String ORIGINAL_PARTITION = "aibridge_dlq_partition";
    /** Its offset, as a decimal string. */
    public static final String ORIGINAL_OFFSET = "aibridge_dlq_offset";

    /** Set when the letter is too large for the dead-letter topic: what was left out, and the record's size. */
    public static final String TRUNCATED = "aibridge_dlq_truncated";

    /** Kafka headers are small; a reason is cut to this many characters. */
    static final int MAX_REASON = 1000;

    /** Room for the headers added here, over the source topic's limit. */
    static final int HEADROOM = 64 * 1024;

    /** Assumed limit of a source topic whose {@code max.message.bytes} cannot be read: the proxy's default. */
    static final int UNKNOWN_SOURCE_LIMIT = 16 * 1024 * 1024;

    /** The producer's buffer holds at least this much, and two of the largest letters. */
    private static final long MIN_BUFFER_MEMORY = 32L * 1024 * 1024;

    private static final Logger LOG = Logger.getLogger(DeadLetters.class);

    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final Map<String, Object> config;
    private final Map<String, Object> adminConfig;
    /** Dead-letter topics made sure of, with the largest letter each takes. */
    private final Map<String, Integer> topicLimits = new HashMap<>();
    /** Dead-letter topics whose refused creation was logged (once each: the topic is used from then on). */
    private final Set<String> createRefusalLogged = new HashSet<>();
    private KafkaProducer<String, byte[]> producer;
    /** The {@code max.request.size} of {@link #producer}. */
    private int producerLimit;

    public DeadLetters(Map<String, Object> kafkaConfig, String clientId) {
        Map<String, Object> p = new HashMap<>(kafkaConfig);
        p.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        p.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "20000");
        // letters are as large as the records they carry (prompts of megabytes): send them compressed
        p.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        this.config = p;
        Map<String, Object> a = new HashMap<>();
        kafkaConfig.forEach((key, value) -> {
            if (AdminClientConfig.configNames().contains(key)) {
                a.put(key, value);
            }
        });
        a.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId + "-admin");
        a.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        a.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        this.adminConfig = a;
    }

    /**
     * Kafka's check of the producer's and the admin client's settings, without connecting (see
     * {@link KafkaSettings}): both are created on first use, when a refused value would hold up
     * every batch with a dead letter.
     *
     * @throws IllegalStateException naming the variable of a value Kafka refuses
     */
    public void checkSettings() {
        KafkaSettings.check("the dead-letter producer", config, ProducerConfig.configDef()::parse, Map.of());
        KafkaSettings.check("the dead-letter topics' admin client", adminConfig, AdminClientConfig.configDef()::parse, Map.of());
    }

    /** Publishes the dead letters to {@code topic} and waits until Kafka has every one of them. */
    public synchronized void publish(String topic, List<DeadLetter> letters) throws DeadLetterException {
        if (letters.isEmpty()) {
            return;
        }
        try {
            int limit = 0;
            for (DeadLetter letter : letters) {
                limit = Math.max(limit, ensureTopic(topic, letter.record().topic()));
            }
            producer(limit);
            List<Future<RecordMetadata>> sent = new ArrayList<>(letters.size());
            for (DeadLetter letter : letters) {
                sent.add(producer.send(record(topic, letter)));
            }
            producer.flush();
            for (int i = 0; i < sent.size(); i++) {
                try {
                    sent.get(i).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!tooLarge(e.getCause())) {
                        throw e;
                    }
                    publishReduced(topic, letters.get(i), e.getCause());
                }
            }
        } catch (ExecutionException e) {
            throw new DeadLetterException("could not publish to " + topic + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new DeadLetterException("publishing to " + topic + " timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeadLetterException("interrupted while publishing to " + topic, e);
        } catch (RuntimeException e) {
            closeQuietly();
            throw new DeadLetterException("could not publish to " + topic + ": " + e, e);
        }
    }

    private static boolean tooLarge(Throwable failure) {
        return failure instanceof RecordTooLargeException || failure instanceof RecordBatchTooLargeException;
    }

    /**
     * Publishes a letter that is too large as it is: without its value, and if that is still too
     * large, without its key and original headers too. Too large is the record's own doing, so
     * retrying would block the consumer for ever.
     */
    private void publishReduced(String topic, DeadLetter letter, Throwable tooLarge)
            throws ExecutionException, InterruptedException, TimeoutException {
        var source = letter.record();
        int valueBytes = source.value() == null ? 0 : source.value().length;
        int keyBytes = source.key() == null ? 0 : source.key().getBytes(StandardCharsets.UTF_8).length;
        String size = "record of " + keyBytes + " key and " + valueBytes + " value bytes";
        ProducerRecord<String, byte[]> withoutValue = record(topic, letter, false);
        withoutValue = new ProducerRecord<>(topic, null, withoutValue.key(), (byte[]) null, withoutValue.headers());
        set(withoutValue, TRUNCATED, "value left out: " + size + " is over the dead-letter topic's limit");
        try {
            producer.send(withoutValue).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            LOG.warnf("dead letter of %s-%d@%d published without its value: %s (%s)", source.topic(), source.partition(),
                    source.offset(), size, tooLarge.getMessage());
            return;
        } catch (ExecutionException e) {
            if (!tooLarge(e.getCause())) {
                throw e;
            }
        }
        ProducerRecord<String, byte[]> bare = record(topic, letter, true);
        bare = new ProducerRecord<>(topic, null, (String) null, (byte[]) null, bare.headers());
        set(bare, TRUNCATED, "value, key and headers left out: " + size + " is over the dead-letter topic's limit");
        producer.send(bare).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        LOG.warnf("dead letter of %s-%d@%d published without its value, key and original headers: %s (%s)", source.topic(),
                source.partition(), source.offset(), size, tooLarge.getMessage());
    }

    /** A producer whose requests take letters of {@code limit} bytes (a new one if the current one takes less). */
    private void producer(int limit) {
        if (producer != null && producerLimit >= limit) {
            return;
        }
        closeQuietly();
        Map<String, Object> p = new HashMap<>(config);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, limit);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Math.max(MIN_BUFFER_MEMORY, 2L * limit));
        producer = new KafkaProducer<>(p);
        producerLimit = limit;
    }

    /**
     * Creates the dead-letter topic if it is missing, with a {@code max.message.bytes} that takes
     * the source topic's largest record plus the added headers, and raises it on a topic that has
     * less (created by an earlier version, or an operator). Returns that size.
     *
     * <p>A principal without the CREATE permission gets TOPIC_AUTHORIZATION_FAILED whether or not
     * the topic exists: a topic an operator made is then used as it is (a WARN says once that CREATE
     * is missing); a missing one fails the publication with a message saying an operator must create it.
     */
    private int ensureTopic(String topic, String sourceTopic)
            throws ExecutionException, InterruptedException, TimeoutException, DeadLetterException {
        Integer known = topicLimits.get(topic);
        if (known != null) {
            return known;
        }
        try (Admin admin = Admin.create(adminConfig)) {
            int sourceLimit = maxMessageBytes(admin, sourceTopic, "dead letters assume up to " + UNKNOWN_SOURCE_LIMIT + " bytes");
            int limit = sourceLimit < 0 ? UNKNOWN_SOURCE_LIMIT + HEADROOM : sourceLimit + HEADROOM;
            String size = Integer.toString(limit);
            try {
                admin.createTopics(List.of(new NewTopic(topic, Optional.empty(), Optional.empty())
                                .configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, size))))
                        .all().get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof AuthorizationException refused) {
                    requireExisting(admin, topic, size, refused);
                } else if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
                int existing = maxMessageBytes(admin, topic, "letters of up to " + size + " bytes are sent to it (the source's "
                        + "limit plus " + HEADROOM + " for the headers); a larger one than it takes goes without its value");
                if (existing >= 0 && existing < limit) {
                    raise(admin, topic, size);
                }
            }
            topicLimits.put(topic, limit);
            return limit;
        }
    }

    /**
     * After Kafka refused to create the dead-letter topic: returns when it exists (saying once that
     * the principal lacks CREATE); otherwise throws, naming what the operator must do.
     */
    private void requireExisting(Admin admin, String topic, String size, AuthorizationException refused)
            throws ExecutionException, InterruptedException, TimeoutException, DeadLetterException {
        try {
            admin.describeTopics(List.of(topic)).allTopicNames().get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException) && !(e.getCause() instanceof AuthorizationException)) {
                throw e;
            }
            String state = e.getCause() instanceof AuthorizationException
                    ? "may not create " + topic + " (" + refused.getMessage() + ") nor describe it (" + e.getCause().getMessage()
                    + "), so whether it exists is unknown"
                    : "may not create " + topic + " (" + refused.getMessage() + "), and it does not exist";
            throw new DeadLetterException("the recorder's principal " + state + ". An operator must create it, e.g. "
                    + "kafka-topics.sh --bootstrap-server " + adminConfig.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)
                    + " --create --topic " + topic + " --config " + TopicConfig.MAX_MESSAGE_BYTES_CONFIG + "=" + size
                    + ", and grant the principal WRITE and DESCRIBE on it", refused);
        }
        if (createRefusalLogged.add(topic)) {
            LOG.warnf("Kafka refused to create %s (%s): the recorder's principal lacks the CREATE permission (on the topic or "
                    + "the cluster). The topic exists, so dead letters go to it as it was created", topic, refused.getMessage());
        }
    }

    /** The topic's {@code max.message.bytes}, or -1 when it cannot be read (logged, with {@code assumed}: what follows). */
    private static int maxMessageBytes(Admin admin, String topic, String assumed) throws InterruptedException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            Config config = admin.describeConfigs(List.of(resource)).all()
                    .get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(resource);
            ConfigEntry entry = config == null ? null : config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
            return entry == null || entry.value() == null ? -1 : Integer.parseInt(entry.value());
        } catch (ExecutionException | TimeoutException | NumberFormatException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            LOG.warnf("cannot read max.message.bytes of %s (%s)%s; %s", topic, cause,
                    cause instanceof AuthorizationException ? ": the recorder's principal lacks the DESCRIBE_CONFIGS permission" : "",
                    assumed);
            return -1;
        }
    }

    private static void raise(Admin admin, String topic, String size) throws InterruptedException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                            new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, size), AlterConfigOp.OpType.SET))))
                    .all().get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            LOG.infof("raised max.message.bytes of %s to %s, the size of the records it receives", topic, size);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warnf("cannot raise max.message.bytes of %s to %s (%s); larger dead letters go without their value",
                    topic, size, e.toString());
        }
    }

    static ProducerRecord<String, byte[]> record(String topic, DeadLetter letter) {
        return record(topic, letter, false);
    }

    /** The letter: the source record with the dead-letter headers; {@code bare} leaves out the source's headers. */
    private static ProducerRecord<String, byte[]> record(String topic, DeadLetter letter, boolean bare) {
        var source = letter.record();
        ProducerRecord<String, byte[]> out = new ProducerRecord<>(topic, null, source.key(), source.value());
        if (!bare) {
            for (Header header : source.headers()) {
                out.headers().add(header.key(), header.value());
            }
        }
        String reason = letter.reason() == null ? "unknown" : letter.reason();
        set(out, REASON, reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) : reason);
        set(out, ORIGINAL_TOPIC, source.topic());
        set(out, ORIGINAL_PARTITION, Integer.toString(source.partition()));
        set(out, ORIGINAL_OFFSET, Long.toString(source.offset()));
        return out;
    }

    private static void set(ProducerRecord<String, byte[]> record, String name, String value) {
        record.headers().remove(name);
        record.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private void closeQuietly() {
        if (producer != null) {
            try {
                producer.close(Duration.ofSeconds(1));
            } catch (RuntimeException ignored) {
                // a new producer is made on the next attempt
            }
            producer = null;
        }
    }

    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }

    /** Dead letters could not be published; the batch is retried, its offsets stay uncommitted. */
    public static final class DeadLetterException extends Exception {
        DeadLetterException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

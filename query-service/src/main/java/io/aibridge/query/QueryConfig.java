package io.aibridge.query;

import io.aibridge.telemetry.DurationSetting;
import io.aibridge.telemetry.ShutdownSetting;
import io.aibridge.telemetry.WholeNumberSetting;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import org.eclipse.microprofile.config.spi.Converter;

import java.time.Duration;
import java.util.Optional;

/**
 * query-service settings. Every key has a public {@code AIBRIDGE_*} environment name, mapped in
 * {@code application.properties} and listed in the README. A value out of range stops the service
 * at start with a message that names the variable (the converters below), instead of a service
 * that answers every read or admin write with 503.
 */
@ConfigMapping(prefix = "query")
public interface QueryConfig {

    /**
     * {@code AIBRIDGE_QUERY_PORT}: the HTTP port ({@code quarkus.http.port} is mapped onto this key).
     * From 1 to 65535: Quarkus would take 0 as "any free port", which no client then finds, and a
     * port above 65535 failed inside Vert.x without naming the variable.
     */
    @WithDefault("8081")
    @WithConverter(HttpPort.class)
    int httpPort();

    /** Graceful shutdown ({@code quarkus.shutdown.*} is mapped onto these keys). */
    ShutdownSetting.Group shutdown();

    /**
     * {@code AIBRIDGE_BOOTSTRAP_TOKEN}: when set, this token authenticates as the first owner
     * ({@code admin}) and, once the identity topic has been read, the service publishes that user and
     * a key entry without a usable hash if they are not there yet, so that a fresh install can be scripted.
     */
    Optional<String> bootstrapToken();

    /** Identity (users and API keys) settings. */
    Identity identity();

    /** Database read settings. */
    Database database();

    /** Bounds on the long free texts (prompts, tool inputs, thoughts) of list and detail responses. */
    Texts texts();

    /** Settings of the identity topic and of admin writes to it. */
    interface Identity {

        /**
         * {@code AIBRIDGE_IDENTITY_PUBLISH_TIMEOUT}: how long an admin write waits for Kafka to
         * acknowledge its event (acks=all). Without an answer the outcome is unknown: the write then
         * waits up to the apply timeout for the event to come back through the topic, and answers
         * 503 saying so if it does not. From 1 ms to 24 days (Kafka's client timeouts are whole
         * milliseconds in an int).
         */
        @WithDefault("10s")
        @WithConverter(PublishTimeout.class)
        Duration publishTimeout();

        /**
         * {@code AIBRIDGE_IDENTITY_APPLY_TIMEOUT}: how long an admin write then waits for this
         * replica's own identity store to apply the event (read-your-writes). An acknowledged event
         * is durable, so past this the write is answered from the event itself, never with 503.
         * From 1 ms to 24 days.
         */
        @WithDefault("10s")
        @WithConverter(ApplyTimeout.class)
        Duration applyTimeout();

        /**
         * {@code AIBRIDGE_IDENTITY_TOPIC_PARTITIONS}: partitions of {@code aibridge.identity.v1} when
         * this service creates it. One keeps a single total order of identity changes. At least 1.
         */
        @WithDefault("1")
        @WithConverter(TopicPartitions.class)
        int topicPartitions();

        /**
         * {@code AIBRIDGE_IDENTITY_TOPIC_REPLICATION_FACTOR}: replication factor of the identity
         * topic when this service creates it; -1 (the default) takes the broker's
         * {@code default.replication.factor}, as the proxy does for the interceptions topic.
         * Otherwise at least 1.
         */
        @WithDefault("-1")
        @WithConverter(TopicReplicationFactor.class)
        short topicReplicationFactor();
    }

    /** Settings of the read transactions. */
    interface Database {

        /**
         * {@code AIBRIDGE_DB_POOL_SIZE}: the most database connections ({@code quarkus.datasource.jdbc.max-size}
         * is mapped onto this key). At least 1: Agroal refused 0 with "A Positive max size is required",
         * naming no setting.
         */
        @WithDefault("20")
        @WithConverter(PoolSize.class)
        int poolSize();

        /**
         * {@code AIBRIDGE_QUERY_STATEMENT_TIMEOUT}: the longest a single API request may keep the
         * database busy, all its statements together (each may run only for the time left); a
         * request that hits it answers 503 instead of holding a connection.
         * {@code 0} means no limit, as PostgreSQL's {@code statement_timeout = 0} does; otherwise
         * from 1 ms to 24 days (PostgreSQL takes at most 2,147,483,647 ms).
         */
        @WithDefault("30s")
        @WithConverter(StatementTimeout.class)
        Duration statementTimeout();
    }

    /**
     * Bounds on the free texts of one list or detail response, so that no page can exhaust the
     * heap however long the recorded prompts, tool inputs and thoughts are. Texts are cut in SQL;
     * a cut field is flagged {@code <field>_truncated: true}.
     */
    interface Texts {

        /**
         * {@code AIBRIDGE_QUERY_MAX_FIELD_CHARS}: the most characters one text field of a response
         * carries (256 Ki).
         */
        @WithDefault("262144")
        int maxFieldChars();

        /**
         * {@code AIBRIDGE_QUERY_MAX_RESPONSE_CHARS}: the budget of one response's text fields (32 Mi),
         * estimated from their stored size. Fields are given whole (up to the field cap) in response
         * order until it is spent; every later field is a 4096-character preview, out of a fixed
         * reserve of 1 Mi characters of previews per response, and empty once that is spent too.
         */
        @WithDefault("33554432")
        long maxResponseChars();
    }

    /** {@code AIBRIDGE_QUERY_PORT}: 1 to 65535. */
    final class HttpPort extends WholeNumberSetting {
        public HttpPort() {
            super("AIBRIDGE_QUERY_PORT", LEAST_PORT, GREATEST_PORT);
        }
    }

    /** {@code AIBRIDGE_DB_POOL_SIZE}: at least 1. */
    final class PoolSize extends WholeNumberSetting {
        public PoolSize() {
            super("AIBRIDGE_DB_POOL_SIZE", 1);
        }
    }

    /** {@code AIBRIDGE_IDENTITY_PUBLISH_TIMEOUT}: 1 ms to 24 days. */
    final class PublishTimeout extends DurationSetting {
        public PublishTimeout() {
            super("AIBRIDGE_IDENTITY_PUBLISH_TIMEOUT", Duration.ofMillis(1), LONGEST, null);
        }
    }

    /** {@code AIBRIDGE_IDENTITY_APPLY_TIMEOUT}: 1 ms to 24 days. */
    final class ApplyTimeout extends DurationSetting {
        public ApplyTimeout() {
            super("AIBRIDGE_IDENTITY_APPLY_TIMEOUT", Duration.ofMillis(1), LONGEST, null);
        }
    }

    /** {@code AIBRIDGE_QUERY_STATEMENT_TIMEOUT}: 0 (no limit), or 1 ms to 24 days. */
    final class StatementTimeout extends DurationSetting {
        public StatementTimeout() {
            super("AIBRIDGE_QUERY_STATEMENT_TIMEOUT", Duration.ofMillis(1), LONGEST, "no limit");
        }
    }

    /** {@code AIBRIDGE_IDENTITY_TOPIC_PARTITIONS}: at least 1. */
    final class TopicPartitions extends WholeNumberSetting {
        public TopicPartitions() {
            super("AIBRIDGE_IDENTITY_TOPIC_PARTITIONS", 1);
        }
    }

    /** {@code AIBRIDGE_IDENTITY_TOPIC_REPLICATION_FACTOR}: -1 (the broker's default) or 1 to 32767. */
    final class TopicReplicationFactor implements Converter<Short> {
        @Override
        public Short convert(String value) {
            String written = value.strip();
            try {
                short factor = Short.parseShort(written);
                if (factor == -1 || factor >= 1) {
                    return factor;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("AIBRIDGE_IDENTITY_TOPIC_REPLICATION_FACTOR: \"" + written
                    + "\" is neither -1 (the broker's default.replication.factor) nor a whole number from 1 to 32767.");
        }
    }
}

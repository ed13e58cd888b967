package io.aibridge.recorder;

import io.aibridge.telemetry.BooleanSetting;
import io.aibridge.telemetry.DurationSetting;
import io.aibridge.telemetry.WholeNumberSetting;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import org.eclipse.microprofile.config.spi.Converter;

import java.time.Duration;

/**
 * Settings of recorder-service. Each one has a public {@code AIBRIDGE_*} environment variable,
 * mapped in {@code application.properties} and listed in the README. A value out of range stops
 * the service at start with a message that names the variable (the converters below): a recorder
 * that starts with, say, a batch size of 0 reports healthy and records nothing.
 */
@ConfigMapping(prefix = "recorder")
public interface RecorderConfig {

    /**
     * HTTP port of health and metrics ({@code AIBRIDGE_RECORDER_PORT}; {@code quarkus.http.port} is
     * mapped onto this key). From 1 to 65535: Quarkus would take 0 as "any free port", which no probe
     * or scrape then finds, and a port above 65535 failed inside Vert.x without naming the variable.
     */
    @WithDefault("8082")
    @WithConverter(HttpPort.class)
    int httpPort();

    /**
     * Kafka consumer group shared by every replica ({@code AIBRIDGE_RECORDER_GROUP_ID}). Replicas of
     * one group split the partitions; a second group would record everything a second time.
     */
    @WithDefault("aibridge-recorder")
    @WithConverter(GroupId.class)
    String groupId();

    /**
     * Most records one poll returns, and so the most events one database transaction writes
     * ({@code AIBRIDGE_RECORDER_BATCH_SIZE}). Every event of a batch becomes visible at the same
     * commit. A poll returns what has arrived, so under light traffic batches stay small whatever
     * the limit; under heavy traffic a batch's fixed cost (planning and round trips, the same for
     * 50 events as for 1,000) is what limits the recorder. On the project machine, draining a
     * backlog, 6,000 stored 15,100 events/s (best 5 s: 16,500) against 12,900–13,400 with 3,000
     * and 9,000–10,000 with 1,000; 12,000 added little (15,500: a fetch then rarely holds more than
     * 5,000 records). At 1,000 interceptions/s a batch holds under a thousand events whatever the limit.
     */
    @WithDefault("6000")
    @WithConverter(BatchSize.class)
    int batchSize();

    /**
     * How long the broker may hold a fetch of interception events while less than a megabyte of
     * them is ready ({@code AIBRIDGE_RECORDER_BATCH_WAIT}; Kafka's {@code fetch.max.wait.ms} with
     * {@code fetch.min.bytes} of 1 MB; {@code 0} fetches whatever has arrived). A batch's fixed
     * cost is the same for 20 events as for 1,000, so under light traffic a recorder that writes
     * every few events spends most of its database time on that cost: at 100 interceptions/s,
     * half a core of PostgreSQL, taken from whatever shares the machine. Waiting up to this long
     * gathers them into a few batches a second; under heavy traffic a megabyte is ready at once
     * and nothing waits. Adds at most this much to the time before an interception is visible.
     * From 0 to 24 days (Kafka takes a whole number of milliseconds).
     */
    @WithDefault("200ms")
    @WithConverter(BatchWait.class)
    Duration batchWait();

    /**
     * How long a poll waits when no record is ready ({@code AIBRIDGE_RECORDER_POLL_TIMEOUT}). A poll
     * returns as soon as records arrive, so this bounds idle wake-ups, not latency. At least a
     * millisecond: with none, an idle consumer would poll in a busy loop.
     */
    @WithDefault("100ms")
    @WithConverter(PollTimeout.class)
    Duration pollTimeout();

    /**
     * Consumers of the interceptions topic in this replica, each on its own thread with its own
     * database connection ({@code AIBRIDGE_RECORDER_CONSUMERS}). More than the topic's partition
     * count leaves the extra ones idle. At least 1.
     */
    @WithDefault("1")
    @WithConverter(Consumers.class)
    int consumers();

    /** Retrying writes while PostgreSQL (or the dead-letter topic) is unavailable. */
    Retry retry();

    /**
     * Logs one INFO line per stored record (message {@code interception log}, field
     * {@code record_type}), like the reference's structured logging ({@code AIBRIDGE_STRUCTURED_LOGGING}).
     */
    @WithDefault("false")
    @WithConverter(StructuredLogging.class)
    boolean structuredLogging();

    /** Backoff between attempts while a batch cannot be written; the consumer pauses meanwhile. */
    interface Retry {

        /**
         * Wait before the first retry ({@code AIBRIDGE_RECORDER_RETRY_INITIAL_BACKOFF}); doubles on
         * every failure. At least a millisecond: with none, a failing write is retried in a busy loop.
         */
        @WithDefault("200ms")
        @WithConverter(InitialBackoff.class)
        Duration initialBackoff();

        /** Longest wait between retries ({@code AIBRIDGE_RECORDER_RETRY_MAX_BACKOFF}); at least a millisecond. */
        @WithDefault("10s")
        @WithConverter(MaxBackoff.class)
        Duration maxBackoff();
    }

    /** {@code AIBRIDGE_RECORDER_PORT}: 1 to 65535. */
    final class HttpPort extends WholeNumberSetting {
        public HttpPort() {
            super("AIBRIDGE_RECORDER_PORT", LEAST_PORT, GREATEST_PORT);
        }
    }

    /** {@code AIBRIDGE_RECORDER_GROUP_ID}: not blank. */
    final class GroupId implements Converter<String> {
        @Override
        public String convert(String value) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("AIBRIDGE_RECORDER_GROUP_ID: the value is empty. Accepted: a Kafka consumer group id.");
            }
            return value;
        }
    }

    /** {@code AIBRIDGE_RECORDER_BATCH_SIZE}: Kafka's {@code max.poll.records}, at least 1. */
    final class BatchSize extends WholeNumberSetting {
        public BatchSize() {
            super("AIBRIDGE_RECORDER_BATCH_SIZE", 1);
        }
    }

    /** {@code AIBRIDGE_RECORDER_CONSUMERS}: at least 1. */
    final class Consumers extends WholeNumberSetting {
        public Consumers() {
            super("AIBRIDGE_RECORDER_CONSUMERS", 1);
        }
    }

    /** {@code AIBRIDGE_RECORDER_BATCH_WAIT}: 0 to 24 days. */
    final class BatchWait extends DurationSetting {
        public BatchWait() {
            super("AIBRIDGE_RECORDER_BATCH_WAIT", Duration.ZERO, LONGEST, null);
        }
    }

    /** {@code AIBRIDGE_RECORDER_POLL_TIMEOUT}: at least a millisecond. */
    final class PollTimeout extends DurationSetting {
        public PollTimeout() {
            super("AIBRIDGE_RECORDER_POLL_TIMEOUT", Duration.ofMillis(1), null, null);
        }
    }

    /** {@code AIBRIDGE_RECORDER_RETRY_INITIAL_BACKOFF}: at least a millisecond. */
    final class InitialBackoff extends DurationSetting {
        public InitialBackoff() {
            super("AIBRIDGE_RECORDER_RETRY_INITIAL_BACKOFF", Duration.ofMillis(1), null, null);
        }
    }

    /** {@code AIBRIDGE_RECORDER_RETRY_MAX_BACKOFF}: at least a millisecond. */
    final class MaxBackoff extends DurationSetting {
        public MaxBackoff() {
            super("AIBRIDGE_RECORDER_RETRY_MAX_BACKOFF", Duration.ofMillis(1), null, null);
        }
    }

    /** {@code AIBRIDGE_STRUCTURED_LOGGING}: an on/off word. */
    final class StructuredLogging extends BooleanSetting {
        public StructuredLogging() {
            super("AIBRIDGE_STRUCTURED_LOGGING");
        }
    }
}

package io.aibridge.retention.config;

import io.aibridge.telemetry.BooleanSetting;
import io.aibridge.telemetry.WholeNumberSetting;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import org.eclipse.microprofile.config.spi.Converter;

import java.time.Duration;

/**
 * Settings of retention-service. The public {@code AIBRIDGE_RETENTION*} environment variables map
 * onto these keys in application.properties. An invalid value stops the service at start with a
 * message that names the variable and the accepted forms.
 */
@ConfigMapping(prefix = "retention")
public interface RetentionConfig {

    /**
     * HTTP port of health and metrics ({@code AIBRIDGE_RETENTION_PORT}; {@code quarkus.http.port} is
     * mapped onto this key). From 1 to 65535: Quarkus would take 0 as "any free port", which no probe
     * or scrape then finds, and a port above 65535 failed inside Vert.x without naming the variable.
     */
    @WithDefault("8083")
    @WithConverter(HttpPort.class)
    int httpPort();

    /**
     * How long interception data is kept ({@code AIBRIDGE_RETENTION}): an interception whose
     * {@code started_at} is older than the run's start minus this period is deleted with all its
     * prompts, token usages, tool usages and model thoughts. {@code 0} keeps everything forever and
     * skips the purge entirely. Syntax: {@link DurationSyntax}.
     */
    @WithDefault("60d")
    @WithConverter(RetentionPeriod.class)
    Duration period();

    /**
     * Time between the end of one purge run and the start of the next
     * ({@code AIBRIDGE_RETENTION_INTERVAL}); the first run starts when the service starts.
     */
    @WithDefault("10m")
    @WithConverter(Interval.class)
    Duration interval();

    /**
     * Report what a run would purge (partitions, rows per table, sessions) without deleting
     * anything ({@code AIBRIDGE_RETENTION_DRY_RUN}). A value other than an on/off word
     * ({@link BooleanSetting}) stops the service: a mistyped {@code true} must not delete for real.
     */
    @WithDefault("false")
    @WithConverter(DryRun.class)
    boolean dryRun();

    /**
     * Interceptions deleted per transaction on the boundary day, the one day that is purged row by
     * row ({@code AIBRIDGE_RETENTION_BATCH_SIZE}); their children go in the same transaction.
     */
    @WithDefault("10000")
    @WithConverter(BatchSize.class)
    int batchSize();

    /**
     * Session summaries recomputed per transaction ({@code AIBRIDGE_RETENTION_SESSION_BATCH_SIZE}).
     * Each one holds an advisory lock until its transaction ends, and advisory locks share
     * PostgreSQL's lock table (max_locks_per_transaction × max_connections), so keep it modest.
     */
    @WithDefault("250")
    @WithConverter(SessionBatchSize.class)
    int sessionBatchSize();

    /**
     * How long one statement of the purge may wait for a table or row lock
     * ({@code AIBRIDGE_RETENTION_LOCK_TIMEOUT}). Short, so that the purge never queues for long in
     * front of the recorder's or a reader's lock requests; a timed-out step is retried.
     */
    @WithDefault("1s")
    @WithConverter(LockTimeout.class)
    Duration lockTimeout();

    /**
     * How many times a step that hit the lock timeout (or a deadlock) is tried before the run
     * leaves it to the next run ({@code AIBRIDGE_RETENTION_LOCK_ATTEMPTS}).
     */
    @WithDefault("5")
    @WithConverter(LockAttempts.class)
    int lockAttempts();

    /**
     * Percent of a run's time spent on purge statements ({@code AIBRIDGE_RETENTION_DUTY_CYCLE}, 1 to
     * 100, with or without {@code %}): after each statement the run pauses so that it works at most
     * this share of the time, leaving the database to the recorder in between. 100 never pauses.
     */
    @WithDefault("50")
    @WithConverter(DutyCycle.class)
    int dutyCycle();

    /** {@code AIBRIDGE_RETENTION_PORT}: 1 to 65535. */
    final class HttpPort extends WholeNumberSetting {
        public HttpPort() {
            super("AIBRIDGE_RETENTION_PORT", LEAST_PORT, GREATEST_PORT);
        }
    }

    /** {@code AIBRIDGE_RETENTION}: a duration, or 0 for keep forever. */
    final class RetentionPeriod extends DurationSetting {
        public RetentionPeriod() {
            super("AIBRIDGE_RETENTION", true);
        }
    }

    /** {@code AIBRIDGE_RETENTION_DRY_RUN}: an on/off word. */
    final class DryRun extends BooleanSetting {
        public DryRun() {
            super("AIBRIDGE_RETENTION_DRY_RUN");
        }
    }

    /** {@code AIBRIDGE_RETENTION_INTERVAL}: a positive duration. */
    final class Interval extends DurationSetting {
        public Interval() {
            super("AIBRIDGE_RETENTION_INTERVAL", false);
        }
    }

    /**
     * {@code AIBRIDGE_RETENTION_LOCK_TIMEOUT}: a positive duration of at least a millisecond and at
     * most {@link #MAX_LOCK_TIMEOUT}: PostgreSQL's {@code lock_timeout} takes at most 2,147,483,647 ms,
     * and a longer one would fail every purge statement.
     */
    final class LockTimeout extends DurationSetting {
        /** The largest whole number of days PostgreSQL's {@code lock_timeout} takes. */
        static final Duration MAX_LOCK_TIMEOUT = Duration.ofDays(24);

        public LockTimeout() {
            super("AIBRIDGE_RETENTION_LOCK_TIMEOUT", false);
        }

        @Override
        public Duration convert(String value) {
            Duration timeout = super.convert(value);
            if (timeout.toMillis() < 1) {
                throw new IllegalArgumentException(variable + ": \"" + value.strip() + "\" is shorter than a millisecond");
            }
            if (timeout.compareTo(MAX_LOCK_TIMEOUT) > 0) {
                throw new IllegalArgumentException(variable + ": \"" + value.strip() + "\" is longer than 24d, the most PostgreSQL's lock_timeout takes");
            }
            return timeout;
        }
    }

    /** {@code AIBRIDGE_RETENTION_BATCH_SIZE}: a positive whole number. */
    final class BatchSize extends WholeNumberSetting {
        public BatchSize() {
            super("AIBRIDGE_RETENTION_BATCH_SIZE", 1);
        }
    }

    /** {@code AIBRIDGE_RETENTION_SESSION_BATCH_SIZE}: a positive whole number. */
    final class SessionBatchSize extends WholeNumberSetting {
        public SessionBatchSize() {
            super("AIBRIDGE_RETENTION_SESSION_BATCH_SIZE", 1);
        }
    }

    /** {@code AIBRIDGE_RETENTION_DUTY_CYCLE}: a percentage from 1 to 100, the sign optional. */
    final class DutyCycle implements Converter<Integer> {
        @Override
        public Integer convert(String value) {
            String written = value == null ? "" : value.strip();
            String number = written.endsWith("%") ? written.substring(0, written.length() - 1).strip() : written;
            try {
                int percent = Integer.parseInt(number);
                if (percent >= 1 && percent <= 100) {
                    return percent;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("AIBRIDGE_RETENTION_DUTY_CYCLE: \"" + written
                    + "\" is not a percentage from 1 to 100 (for example 50 or 50%).");
        }
    }

    /** {@code AIBRIDGE_RETENTION_LOCK_ATTEMPTS}: a positive whole number. */
    final class LockAttempts extends WholeNumberSetting {
        public LockAttempts() {
            super("AIBRIDGE_RETENTION_LOCK_ATTEMPTS", 1);
        }
    }

    /** Parses {@link DurationSyntax}; the message names the environment variable and the accepted forms. */
    abstract class DurationSetting implements Converter<Duration> {
        final String variable;
        private final boolean zeroAllowed;

        DurationSetting(String variable, boolean zeroAllowed) {
            this.variable = variable;
            this.zeroAllowed = zeroAllowed;
        }

        @Override
        public Duration convert(String value) {
            String accepted = zeroAllowed
                    ? "0 (keep everything forever), or " + DurationSyntax.ACCEPTED_FORMS
                    : DurationSyntax.ACCEPTED_FORMS + ", greater than zero";
            Duration duration;
            try {
                duration = DurationSyntax.parse(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(variable + ": " + e.getMessage() + ". Accepted: " + accepted + ".");
            }
            if (duration.isZero() && !zeroAllowed) {
                throw new IllegalArgumentException(variable + ": must be greater than zero. Accepted: " + accepted + ".");
            }
            return duration;
        }
    }
}

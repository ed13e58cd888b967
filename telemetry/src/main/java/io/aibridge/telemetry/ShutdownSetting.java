package io.aibridge.telemetry;

import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * The graceful-shutdown settings the proxy and query-service share, {@code AIBRIDGE_SHUTDOWN_TIMEOUT}
 * and {@code AIBRIDGE_SHUTDOWN_DELAY}, for {@code @WithConverter} on the service's own keys (which
 * {@code quarkus.shutdown.timeout} and {@code quarkus.shutdown.delay} are mapped onto). Quarkus takes
 * a negative value of either as none at all, silently: a mistyped sign would cut every request in
 * flight on the next rolling update.
 */
public final class ShutdownSetting {

    private ShutdownSetting() {
    }

    /** The two as a group of a service's {@code @ConfigMapping}: {@code <prefix>.shutdown.timeout} and {@code .delay}. */
    public interface Group {

        /**
         * {@code AIBRIDGE_SHUTDOWN_TIMEOUT}: on shutdown, how long requests in flight may finish (on
         * the proxy, before the events in memory are published or spooled). 0 does not wait (they
         * are cut); otherwise from 1 ms to 24 days.
         */
        @WithDefault("30s")
        @WithConverter(Timeout.class)
        Duration timeout();

        /**
         * {@code AIBRIDGE_SHUTDOWN_DELAY}: on shutdown, how long the service goes on serving with
         * readiness DOWN first. From 0 (none) to 24 days.
         */
        @WithDefault("0s")
        @WithConverter(Delay.class)
        Duration delay();
    }

    /** {@code AIBRIDGE_SHUTDOWN_TIMEOUT}: 0 (do not wait for requests in flight), or 1 ms to 24 days. */
    public static final class Timeout extends DurationSetting {
        private static final long serialVersionUID = 1L;

        public Timeout() {
            super("AIBRIDGE_SHUTDOWN_TIMEOUT", Duration.ofMillis(1), LONGEST, "do not wait for requests in flight");
        }
    }

    /** {@code AIBRIDGE_SHUTDOWN_DELAY}: 0 (none) to 24 days. */
    public static final class Delay extends DurationSetting {
        private static final long serialVersionUID = 1L;

        public Delay() {
            super("AIBRIDGE_SHUTDOWN_DELAY", Duration.ZERO, LONGEST, null);
        }
    }
}

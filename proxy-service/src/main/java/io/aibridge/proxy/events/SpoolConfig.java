package io.aibridge.proxy.events;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * The on-disk spool that keeps interception events while Kafka is slow or unavailable
 * ({@code proxy.spool.*}, from the {@code AIBRIDGE_SPOOL_*} variables).
 */
@ConfigMapping(prefix = "proxy.spool")
public interface SpoolConfig {

    /**
     * Directory of the spool ({@code AIBRIDGE_SPOOL_DIR}). One proxy per directory (a lock file
     * enforces it); in Kubernetes a volume of its own per pod. Relative paths are resolved against
     * the working directory; the default keeps it beside the local stack's other data.
     */
    @WithDefault(".aibridge/spool")
    String dir();

    /**
     * Largest size of the spool on disk ({@code AIBRIDGE_SPOOL_MAX_SIZE}). Keep it below the
     * volume's size (the Helm chart's default volume holds 1 GiB).
     */
    @WithDefault("512M")
    MemorySize maxSize();

    /** What happens when the spool is full ({@code AIBRIDGE_SPOOL_WHEN_FULL}). */
    @WithDefault("fail-open")
    WhenFull whenFull();

    /**
     * How long an event may wait for Kafka's acknowledgement in memory before it is written to the
     * spool ({@code AIBRIDGE_SPOOL_AFTER}); while the proxy is spooling because Kafka failed, new
     * events are written at once. Also how long a stopping proxy waits for Kafka to take a batch
     * before it leaves the rest on disk.
     */
    @WithDefault("5s")
    Duration after();

    /** The behaviour of a full spool. */
    enum WhenFull {
        /** Keep serving; events that do not fit are dropped and counted in {@code aibridge_events_dropped_total}. */
        FAIL_OPEN,
        /** Refuse new interceptions with a 503 in the provider's error shape while the spool is (90%) full. */
        FAIL_CLOSED
    }
}

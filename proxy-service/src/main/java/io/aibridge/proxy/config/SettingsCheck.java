package io.aibridge.proxy.config;

import io.aibridge.proxy.events.SpoolConfig;
import io.aibridge.proxy.mcp.McpConfig;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.MemorySize;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.interceptor.Interceptor;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The ranges of the proxy's numbers, durations and sizes (and the forms of
 * {@code AIBRIDGE_EVENTS_COMPRESSION} and {@code AIBRIDGE_MCP_EXCLUDED_MODELS}), checked once at start: a value out of range
 * stops the service before it serves, with one message that names every wrong {@code AIBRIDGE_*}
 * variable and what it accepts, instead of a proxy that starts and then answers every request
 * with an error (a 0 s upstream timeout), fails inside a library on its first call, or silently
 * takes another value. Settings whose own start-up class checks them are left to it:
 * {@code AIBRIDGE_MAX_CONCURRENCY} ({@code route.CapacityLimit}), {@code AIBRIDGE_RATE_LIMIT},
 * {@code AIBRIDGE_REQUEST_BODY_TIMEOUT} ({@code route.ProxyRoutes}), {@code AIBRIDGE_CIRCUIT_BREAKER_*},
 * and the provider and MCP server lists ({@code route.Providers}, {@code mcp.McpServers}). The port and
 * the shutdown settings are refused earlier, by their converters in {@link ProxyConfig}: the HTTP
 * server opens before this bean is made.
 */
@Startup(Interceptor.Priority.PLATFORM_BEFORE) // before the beans and observers that would fail on a bad value, without naming it
@ApplicationScoped
public class SettingsCheck {

    /** Kafka's producer compression types ({@code compression.type}). */
    static final Set<String> COMPRESSIONS = Set.of("none", "gzip", "snappy", "lz4", "zstd");
    /** {@code quarkus.http.limits.max-body-size} in application.properties: 1 GiB. */
    static final long HTTP_BODY_LIMIT = 1L << 30;

    @Inject
    public SettingsCheck(ProxyConfig proxy, McpConfig mcp, SpoolConfig spool) {
        List<String> problems = problems(proxy, mcp, spool);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    /** Every setting out of its range, each named by its variable, in the README's order; empty when all are fine. */
    static List<String> problems(ProxyConfig proxy, McpConfig mcp, SpoolConfig spool) {
        Problems p = new Problems();
        p.durationAtLeastZero("AIBRIDGE_IDENTITY_SNAPSHOT_MAX_AGE", proxy.identitySnapshotMaxAge(), "no copy");
        p.durationAtLeastZero("AIBRIDGE_IDENTITY_SNAPSHOT_AFTER", proxy.identitySnapshotAfter(), "do not wait for Kafka");
        // above Quarkus' own limit (quarkus.http.limits.max-body-size) a body would get its plain 413, not the provider's error JSON
        p.bytes("AIBRIDGE_MAX_REQUEST_BODY", proxy.maxRequestBody(), HTTP_BODY_LIMIT);
        p.durationAtLeastZero("AIBRIDGE_STREAM_KEEP_ALIVE", proxy.streamKeepAlive(), "none");
        ProxyConfig.Upstream upstream = proxy.upstream();
        // Vert.x takes the connect timeout as an int of milliseconds; 0 there would mean none (the system's own, minutes)
        p.positiveDuration("AIBRIDGE_UPSTREAM_CONNECT_TIMEOUT", upstream.connectTimeout(), Integer.MAX_VALUE);
        // 0 would time out every call at once: the relay's idle timer fires after its smallest delay, 1 ms
        p.positiveDuration("AIBRIDGE_UPSTREAM_TIMEOUT", upstream.idleTimeout(), Long.MAX_VALUE);
        p.atLeast("AIBRIDGE_UPSTREAM_MAX_RETRIES", upstream.maxRetries(), 0, "0 (no retries) or more");
        p.atLeast("AIBRIDGE_UPSTREAM_MAX_CONNECTIONS", upstream.maxConnections(), 1, "1 or more");
        ProxyConfig.Events events = proxy.events();
        p.atLeast("AIBRIDGE_EVENTS_PARTITIONS", events.partitions(), 1, "1 or more");
        if (events.replicationFactor() != -1 && events.replicationFactor() < 1) {
            p.add("AIBRIDGE_EVENTS_REPLICATION_FACTOR must be -1 (the broker's default) or 1 or more, not " + events.replicationFactor());
        }
        p.atLeast("AIBRIDGE_EVENTS_QUEUE_CAPACITY", events.queueCapacity(), 1, "1 or more");
        // Kafka takes max.request.size as an int
        p.bytes("AIBRIDGE_EVENTS_MAX_REQUEST_SIZE", events.maxRequestSize(), Integer.MAX_VALUE);
        String compression = events.compression().trim().toLowerCase(Locale.ROOT);
        if (!COMPRESSIONS.contains(compression)) {
            p.add("AIBRIDGE_EVENTS_COMPRESSION must be snappy, lz4, zstd, gzip or none, not \"" + events.compression() + "\"");
        }
        p.atLeast("AIBRIDGE_EVENTS_MAX_PROMPT_CHARS", events.maxPromptChars(), 1, "1 or more");
        p.atLeast("AIBRIDGE_METRICS_MAX_LABEL_VALUES", proxy.metrics().maxLabelValues(), 0, "0 (every value counted as other) or more");
        p.bytes("AIBRIDGE_SPOOL_MAX_SIZE", spool.maxSize(), Long.MAX_VALUE);
        p.positiveDuration("AIBRIDGE_SPOOL_AFTER", spool.after(), Long.MAX_VALUE);
        mcp.excludedModels().filter(regex -> !regex.isBlank()).ifPresent(regex -> {
            try {
                Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                p.add("AIBRIDGE_MCP_EXCLUDED_MODELS must be a regular expression (such as haiku), not \"" + regex + "\": "
                        + e.getDescription() + " near index " + e.getIndex());
            }
        });
        p.atLeast("AIBRIDGE_MCP_MAX_ROUNDS", mcp.maxRounds(), 1, "1 or more");
        p.positiveDuration("AIBRIDGE_MCP_CALL_TIMEOUT", mcp.callTimeout(), Long.MAX_VALUE);
        p.positiveDuration("AIBRIDGE_MCP_INIT_TIMEOUT", mcp.initTimeout(), Long.MAX_VALUE);
        p.atLeast("AIBRIDGE_MCP_MAX_CONCURRENT_CALLS", mcp.maxConcurrentCalls(), 1, "1 or more");
        p.atLeast("AIBRIDGE_MCP_USER_SESSIONS_MAX", mcp.userSessions().maxSessions(), 1, "1 or more");
        p.positiveDuration("AIBRIDGE_MCP_USER_SESSIONS_IDLE_TIMEOUT", mcp.userSessions().idleTimeout(), Long.MAX_VALUE);
        return p.list;
    }

    /** A duration as it is usually written: {@code 600s}, {@code 250ms}, {@code -1s}. */
    static String describe(Duration d) {
        if (d.getNano() == 0) {
            return d.getSeconds() + "s";
        }
        if (d.getNano() % 1_000_000 == 0) {
            return d.toMillis() + "ms";
        }
        return d.toString(); // finer than a millisecond: ISO-8601, PT0.0005S
    }

    private static final class Problems {
        final List<String> list = new ArrayList<>();

        void add(String problem) {
            list.add(problem);
        }

        void atLeast(String variable, long value, long min, String accepted) {
            if (value < min) {
                add(variable + " must be " + accepted + ", not " + value);
            }
        }

        /** At least a millisecond, and at most {@code maxMillis}. */
        void positiveDuration(String variable, Duration value, long maxMillis) {
            if (value.compareTo(Duration.ofMillis(1)) < 0) {
                add(variable + " must be a duration of 1ms or more (such as 30s), not " + describe(value));
            } else if (value.compareTo(Duration.ofMillis(maxMillis)) > 0) {
                add(variable + " must be at most " + maxMillis + "ms, not " + describe(value));
            }
        }

        void durationAtLeastZero(String variable, Duration value, String zeroMeans) {
            if (value.isNegative()) {
                add(variable + " must be 0 (" + zeroMeans + ") or a positive duration, not " + describe(value));
            }
        }

        /** A size of at least one byte and at most {@code max} bytes. */
        void bytes(String variable, MemorySize value, long max) {
            long bytes = value.asLongValue();
            if (bytes < 1) {
                add(variable + " must be a size of 1 byte or more (such as 16M), not " + bytes);
            } else if (bytes > max) {
                add(variable + " must be at most " + max + " bytes, not " + bytes);
            }
        }
    }
}

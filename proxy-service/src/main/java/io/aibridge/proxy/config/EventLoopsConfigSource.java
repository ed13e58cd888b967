package io.aibridge.proxy.config;

import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.Map;
import java.util.Set;

/**
 * The proxy's Vert.x event loops ({@code quarkus.vertx.event-loops-size}): {@code AIBRIDGE_EVENT_LOOPS},
 * by default one per core the JVM may use ({@link Runtime#availableProcessors()}, which follows a
 * container's CPU limit), where Quarkus would make two per core.
 *
 * <p>A proxied request and its provider call share one event loop from its first byte to its last
 * ({@code upstream.UpstreamClient}), and nothing on a loop blocks, so one loop per core already
 * keeps every core busy. A second one per core only adds threads that take turns on the same core:
 * measured at 500 streams a second on two shared cores (bench {@code --only proxy --modes
 * streaming}), two loops instead of four used less CPU and shortened the time-to-first-byte tail.
 * {@code QUARKUS_VERTX_EVENT_LOOPS_SIZE} or {@code application.properties} still win over this
 * source. A value that is not a whole number from 1 to {@value #MAX} stops the service at start,
 * naming the variable.
 */
public final class EventLoopsConfigSource implements ConfigSource {

    static final String VARIABLE = "AIBRIDGE_EVENT_LOOPS";
    static final String PROPERTY = "quarkus.vertx.event-loops-size";
    /** More loops than this is a typo, not a machine. */
    static final int MAX = 1024;

    private final Map<String, String> properties;

    /** Reads the process environment and the JVM's cores (the service loader's constructor). */
    public EventLoopsConfigSource() {
        this(System.getenv(VARIABLE), Runtime.getRuntime().availableProcessors());
    }

    EventLoopsConfigSource(String configured, int cores) {
        this.properties = Map.of(PROPERTY, Integer.toString(loops(configured, cores)));
    }

    /** {@code configured} when set, else {@code cores}; refuses what is no number of loops. */
    static int loops(String configured, int cores) {
        if (configured == null || configured.isBlank()) {
            return Math.max(1, cores);
        }
        try {
            int loops = Integer.parseInt(configured.strip());
            if (loops >= 1 && loops <= MAX) {
                return loops;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException(VARIABLE + "=" + configured + " is not a number of event loops; use a whole number from 1 to "
                + MAX + ", or leave it unset for one per core (" + Math.max(1, cores) + " here)");
    }

    @Override
    public Set<String> getPropertyNames() {
        return properties.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return properties.get(propertyName);
    }

    @Override
    public String getName() {
        return VARIABLE + " environment variable (or one event loop per core)";
    }

    /** Below {@code application.properties} (250) and the environment (300), above Quarkus's own defaults. */
    @Override
    public int getOrdinal() {
        return 200;
    }
}

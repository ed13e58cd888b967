package io.aibridge.telemetry;

import io.quarkus.runtime.configuration.DurationConverter;
import org.eclipse.microprofile.config.spi.Converter;

import java.time.Duration;

/**
 * A duration setting as Quarkus reads durations ({@code 200ms}, {@code 10s}, {@code 5m},
 * {@code PT0.2S}, or a plain number of seconds) within a range, for {@code @WithConverter}: a
 * subclass names the environment variable, which the message of a refused value names too, with
 * the range.
 */
public abstract class DurationSetting implements Converter<Duration> {

    private static final long serialVersionUID = 1L;

    /** The longest duration Kafka's and PostgreSQL's millisecond settings take, in whole days (2,147,483,647 ms). */
    public static final Duration LONGEST = Duration.ofDays(24);

    private final String variable;
    private final Duration least;
    private final Duration most;
    private final String zeroMeans;

    /**
     * @param variable  the public environment variable
     * @param least     the shortest duration accepted
     * @param most      the longest, or null for no upper bound
     * @param zeroMeans what {@code 0} means when it is accepted below {@code least} (for example
     *                  "no limit"), or null when it is not
     */
    protected DurationSetting(String variable, Duration least, Duration most, String zeroMeans) {
        this.variable = variable;
        this.least = least;
        this.most = most;
        this.zeroMeans = zeroMeans;
    }

    @Override
    public Duration convert(String value) {
        String written = value == null ? "" : value.strip();
        Duration duration;
        try {
            duration = DurationConverter.parseDuration(written);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(variable + ": \"" + written + "\" is not a duration" + accepted());
        }
        if (duration == null) {
            throw new IllegalArgumentException(variable + ": the value is empty" + accepted());
        }
        if (zeroMeans != null && duration.isZero()) {
            return duration;
        }
        if (duration.compareTo(least) < 0 || (most != null && duration.compareTo(most) > 0)) {
            throw new IllegalArgumentException(variable + ": \"" + written + "\" is out of range" + accepted());
        }
        return duration;
    }

    private String accepted() {
        String from = least.isZero() ? "0" : least.toMillis() + "ms";
        String range = most == null ? "at least " + from : "from " + from + " to " + most.toDays() + "d";
        return ". Accepted: " + (zeroMeans == null ? "" : "0 (" + zeroMeans + "), or ")
                + "a duration such as 200ms, 10s, 5m or PT0.2S (a plain number is seconds), " + range + ".";
    }
}

package io.aibridge.bench.load;

import org.HdrHistogram.Histogram;

import java.time.Instant;
import java.util.Map;

/**
 * One fixed-rate run against one target. Latency and time to first byte are measured from each
 * request's <em>intended</em> start on the schedule, in microseconds, so that a stall delays the
 * requests behind it in the numbers too (no coordinated omission).
 *
 * @param target         the target's name
 * @param rate           the scheduled rate, requests per second
 * @param sent           requests scheduled in the measured window
 * @param ok             of those, answered 200 with the expected body
 * @param errors         the others by kind ("http 502", "timeout", "body length", ...), abandoned ones excepted
 * @param hungUp         of those, abandoned by the client after their first body byte, as the target asked
 *                       ({@link LoadTarget#hangUpEvery()}); in neither {@code ok} nor the histograms
 * @param latency        intended start to last byte, µs
 * @param ttfb           intended start to first body byte, µs
 * @param achieved       successful responses per second over the window
 * @param maxSendLagMs   the most the scheduler sent a request after its intended time (the generator's own lag)
 * @param sentAll        requests of the whole run, warm-up included, whatever their outcome
 * @param runStart       first intended start of the run, warm-up included (wall clock)
 * @param runEnd         last response of the run (wall clock)
 */
public record LoadResult(String target, double rate, long sent, long ok, Map<String, Long> errors, long hungUp, Histogram latency, Histogram ttfb,
                         double achieved, double maxSendLagMs, long sentAll, Instant runStart, Instant runEnd) {

    public long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** "0", or the count and the kinds: "3 {http 502=2, timeout=1}". */
    public String errorSummary() {
        return errorCount() == 0 ? "0" : errorCount() + " " + errors;
    }

    /** A latency percentile in milliseconds. */
    public double latencyMs(double percentile) {
        return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(percentile) / 1000.0;
    }

    public double ttfbMs(double percentile) {
        return ttfb.getTotalCount() == 0 ? Double.NaN : ttfb.getValueAtPercentile(percentile) / 1000.0;
    }
}

package io.aibridge.bench.load;

import org.HdrHistogram.Histogram;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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

    /**
     * Several runs of one target at one rate as if they were one: the histograms merged (so a
     * percentile of the pool is a percentile of every request measured, not a mean of the runs'
     * percentiles, which would hide a single run's tail), counts and errors summed. The pooled
     * achieved rate is every run's successful responses over the sum of their measured windows
     * (each run's window is its {@code ok / achieved}; a run that answered nothing counts the
     * others' mean window), the send lag the worst of any run, and the span from the first run's
     * start to the last run's end. Used to pool the alternating direct and proxied runs of the
     * proxy overhead benchmark ({@code --alternations}).
     *
     * @throws IllegalArgumentException when there are no runs, or their targets or rates differ
     */
    public static LoadResult pool(List<LoadResult> runs) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs to pool");
        }
        LoadResult first = runs.get(0);
        if (runs.size() == 1) {
            return first;
        }
        Histogram latency = emptyLike(first.latency);
        Histogram ttfb = emptyLike(first.ttfb);
        Map<String, Long> errors = new TreeMap<>();
        long sent = 0;
        long ok = 0;
        long hungUp = 0;
        long sentAll = 0;
        double maxLag = 0;
        double windows = 0;
        int timed = 0;
        Instant start = first.runStart;
        Instant end = first.runEnd;
        for (LoadResult run : runs) {
            if (!run.target.equals(first.target) || run.rate != first.rate) {
                throw new IllegalArgumentException("cannot pool " + run.target + " at " + run.rate + "/s with " + first.target + " at " + first.rate + "/s");
            }
            latency.add(run.latency);
            ttfb.add(run.ttfb);
            run.errors.forEach((kind, n) -> errors.merge(kind, n, Long::sum));
            sent += run.sent;
            ok += run.ok;
            hungUp += run.hungUp;
            sentAll += run.sentAll;
            maxLag = Math.max(maxLag, run.maxSendLagMs);
            if (run.ok > 0 && run.achieved > 0) {
                windows += run.ok / run.achieved;
                timed++;
            }
            start = run.runStart.isBefore(start) ? run.runStart : start;
            end = run.runEnd.isAfter(end) ? run.runEnd : end;
        }
        double seconds = timed == 0 ? 0 : windows * runs.size() / timed;
        return new LoadResult(first.target, first.rate, sent, ok, errors, hungUp, latency, ttfb, seconds == 0 ? 0 : ok / seconds,
                maxLag, sentAll, start, end);
    }

    private static Histogram emptyLike(Histogram h) {
        return new Histogram(h.getLowestDiscernibleValue(), h.getHighestTrackableValue(), h.getNumberOfSignificantValueDigits());
    }

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

    /** This run's latency percentile minus {@code base}'s, ms: a proxied run's overhead over its direct run. */
    public double latencyOverMs(LoadResult base, double percentile) {
        return latencyMs(percentile) - base.latencyMs(percentile);
    }

    /** The same for time to first byte. */
    public double ttfbOverMs(LoadResult base, double percentile) {
        return ttfbMs(percentile) - base.ttfbMs(percentile);
    }
}

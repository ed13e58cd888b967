package io.aibridge.bench.proxy;

import io.aibridge.bench.load.LoadResult;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

/**
 * The pooling behind {@code --alternations}: runs merged into one, the alternating order, the pairs'
 * spread, and verdicts that read right when the proxied side came out faster.
 */
class PooledPairsTest {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void poolingSumsCountsAndErrorsAndMergesTheHistogramsWithoutTouchingTheRuns() {
        LoadResult a = run("proxy", 100, 10.0, Map.of("timeout", 1L), 0, 1.5, seq(1_000, 100), seq(200, 100), 0);
        LoadResult b = run("proxy", 100, 20.0, Map.of("timeout", 2L, "http 502", 1L), 60, 4.0, seq(1_100, 100), seq(300, 100), 1);

        LoadResult pooled = LoadResult.pool(List.of(a, b));

        assertThat(pooled.sent()).isEqualTo(a.sent() + b.sent());
        assertThat(pooled.ok()).isEqualTo(200);
        assertThat(pooled.sentAll()).isEqualTo(a.sentAll() + b.sentAll());
        assertThat(pooled.errors()).containsExactlyInAnyOrderEntriesOf(Map.of("timeout", 3L, "http 502", 1L));
        assertThat(pooled.errorCount()).isEqualTo(4);
        assertThat(pooled.latency().getTotalCount()).isEqualTo(200);
        assertThat(pooled.ttfb().getTotalCount()).isEqualTo(200);
        // 1,000 … 1,099 µs and 1,100 … 1,199 µs: the pool's median is the 100th of 200 values, its p99 the 198th
        assertThat(pooled.latencyMs(50)).isCloseTo(1.099, offset(0.0015));
        assertThat(pooled.latencyMs(99)).isCloseTo(1.197, offset(0.0015));
        assertThat(pooled.latencyMs(100)).isCloseTo(1.199, offset(0.0015));
        // time to first byte pooled on its own: 200 … 299 µs and 300 … 399 µs
        assertThat(pooled.ttfbMs(50)).isCloseTo(0.299, offset(0.0015));
        assertThat(pooled.ttfbMs(99)).isCloseTo(0.397, offset(0.0015));
        // 100 answers in 10 s and 100 in 5 s: 200 in 15 s
        assertThat(pooled.achieved()).isCloseTo(200 / 15.0, offset(1e-9));
        assertThat(pooled.maxSendLagMs()).isEqualTo(4.0);
        assertThat(pooled.runStart()).isEqualTo(a.runStart());
        assertThat(pooled.runEnd()).isEqualTo(b.runEnd());
        assertThat(a.latency().getTotalCount()).as("the pooled runs keep their own histograms").isEqualTo(100);
        assertThat(a.latencyMs(99)).isCloseTo(1.098, offset(0.0015));
    }

    @Test
    void poolingRefusesRunsOfDifferentTargetsOrRates() {
        LoadResult direct = run("direct", 100, 10, Map.of(), 0, 0, seq(1_000, 10), 0);
        assertThatThrownBy(() -> LoadResult.pool(List.of(direct, run("proxy", 100, 10, Map.of(), 0, 0, seq(1_000, 10), 1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LoadResult.pool(List.of(direct, run("direct", 500, 10, Map.of(), 0, 0, seq(1_000, 10), 1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LoadResult.pool(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pairsAlternateWhichSideGoesFirstStartingWithTheDirectRun() {
        assertThat(List.of(1, 2, 3, 4, 5)).extracting(PooledPairs::order).containsExactly(PooledPairs.Order.DIRECT_FIRST,
                PooledPairs.Order.PROXY_FIRST, PooledPairs.Order.DIRECT_FIRST, PooledPairs.Order.PROXY_FIRST, PooledPairs.Order.DIRECT_FIRST);
        assertThatThrownBy(() -> PooledPairs.order(0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(pairs(0.5, -0.3, 1.2).orders()).containsExactly("D P", "P D", "D P");
    }

    @Test
    void thePairsSpreadIsTheirMinimumMedianAndMaximumForOddAndEvenCounts() {
        PooledPairs odd = pairs(0.5, -0.3, 1.2);
        assertThat(odd.overheadSpread(50).min()).isCloseTo(-0.3, offset(0.002));
        assertThat(odd.overheadSpread(50).median()).isCloseTo(0.5, offset(0.002));
        assertThat(odd.overheadSpread(50).max()).isCloseTo(1.2, offset(0.002));
        assertThat(odd.overheadSpread(99).cell()).isEqualTo("-0.3 / +0.5 / +1.2");

        PooledPairs even = pairs(0.5, -0.3, 1.2, 0.1);
        assertThat(even.ttfbOverheadSpread(99).median()).as("the mean of the two middle values").isCloseTo(0.3, offset(0.002));
        assertThat(even.ttfbOverheadSpread(99).min()).isCloseTo(-0.3, offset(0.002));
        assertThat(even.ttfbOverheadSpread(99).max()).isCloseTo(1.2, offset(0.002));
        assertThat(even.size()).isEqualTo(4);
    }

    @Test
    void thePooledOverheadIsThePercentileOfEveryRequestNotAnAverageOfThePairs() {
        // pair 1: 3 of 100 proxied requests took 1.9 ms, so its p99 overhead is +0.9 ms; pair 2 adds nothing
        long[] slowTail = new long[100];
        java.util.Arrays.fill(slowTail, 1_000);
        slowTail[97] = slowTail[98] = slowTail[99] = 1_900;
        PooledPairs pooled = new PooledPairs(List.of(
                new PooledPairs.Alternation(1, PooledPairs.Order.DIRECT_FIRST, constant("direct", 1_000, 0), run("proxy", 100, 10, Map.of(), 0, 0, slowTail, 1)),
                new PooledPairs.Alternation(2, PooledPairs.Order.PROXY_FIRST, constant("direct", 1_000, 3), constant("proxy", 1_000, 2))));

        assertThat(pooled.overheadSpread(99).median()).isCloseTo(0.45, offset(0.002));
        // 3 of 200 requests at 1.9 ms is 1.5 %: still the pool's p99
        assertThat(pooled.overhead(99)).isCloseTo(0.9, offset(0.002));
        assertThat(pooled.overhead(50)).isCloseTo(0, offset(1e-9));
        assertThat(pooled.direct().ok()).isEqualTo(200);
        assertThat(pooled.proxy().ok()).isEqualTo(200);
    }

    @Test
    void negativeOverheadsStaySignedAndTheVerdictSaysTheProxiedSideCameOutLower() {
        PooledPairs faster = pairs(-0.4, -0.9, 0.2);
        assertThat(faster.overhead(50)).as("the pool's median: 0.6 ms through the proxy against 1 ms direct").isCloseTo(-0.4, offset(0.002));
        assertThat(faster.overheadSpread(99).min()).isCloseTo(-0.9, offset(0.002));
        assertThat(faster.overheadSpread(99).cell()).isEqualTo("-0.9 / -0.4 / +0.2");

        String met = ProxyBenchmark.verdict("streaming TTFB overhead p99 at 500 req/s", -0.42, 2.0, 3, faster.ttfbOverheadSpread(99));
        assertThat(met).startsWith("Target met: streaming TTFB overhead p99 at 500 req/s -0.42 ms")
                .contains("pooled over 3 pairs", "-0.9 / -0.4 / +0.2 ms", "0.42 ms lower through the proxy than direct")
                .doesNotContain("tail");

        String single = ProxyBenchmark.verdict("blocking overhead p50 at 500 req/s", -0.05, 1.0, 1, faster.overheadSpread(50));
        assertThat(single).startsWith("Target met:").doesNotContain("pooled").contains("0.05 ms lower through the proxy");

        assertThat(ProxyBenchmark.verdict("blocking overhead p99 at 500 req/s", 6.5, 5.0, 2, faster.overheadSpread(99)))
                .startsWith("TARGET MISSED: blocking overhead p99 at 500 req/s +6.50 ms (pooled over 2 pairs").contains("1.50 ms (1.3×) over");
        assertThat(ProxyBenchmark.verdict("blocking overhead p50 at 500 req/s", 1.0, 1.0, 1, faster.overheadSpread(50)))
                .as("the target is strictly below the limit").startsWith("TARGET MISSED");
        assertThat(ProxyBenchmark.verdict("blocking overhead p50 at 500 req/s", 0.3, 1.0, 1, faster.overheadSpread(50)))
                .isEqualTo("Target met: blocking overhead p50 at 500 req/s +0.30 ms (target < 1 ms).");
    }

    @Test
    void aPairWithNoAnswersIsLeftOutOfTheSpread() {
        LoadResult none = run("proxy", 100, 0, Map.of("timeout", 100L), 0, 0, new long[0], 1);
        PooledPairs pooled = new PooledPairs(List.of(
                new PooledPairs.Alternation(1, PooledPairs.Order.DIRECT_FIRST, constant("direct", 1_000, 0), constant("proxy", 1_500, 1)),
                new PooledPairs.Alternation(2, PooledPairs.Order.PROXY_FIRST, constant("direct", 1_000, 3), none)));

        assertThat(pooled.overheadSpread(50).min()).isCloseTo(0.5, offset(1e-9));
        assertThat(pooled.overheadSpread(50).max()).isCloseTo(0.5, offset(1e-9));
        assertThat(pooled.proxy().errors()).containsEntry("timeout", 100L);
        assertThat(pooled.proxy().achieved()).as("the answering run's rate over both runs' windows").isCloseTo(5.0, offset(1e-9));
        assertThat(PooledPairs.Spread.of(new double[]{Double.NaN}).median()).isNaN();
    }

    // ------------------------------------------------------------------------------------ helpers

    /** Pairs whose direct runs all take 1 ms and whose proxied runs take 1 ms plus the given overhead, latency and TTFB alike. */
    private static PooledPairs pairs(double... overheadsMs) {
        List<PooledPairs.Alternation> list = new ArrayList<>();
        for (int i = 0; i < overheadsMs.length; i++) {
            list.add(new PooledPairs.Alternation(i + 1, PooledPairs.order(i + 1), constant("direct", 1_000, 2 * i),
                    constant("proxy", 1_000 + Math.round(overheadsMs[i] * 1000), 2 * i + 1)));
        }
        return new PooledPairs(list);
    }

    private static LoadResult constant(String target, long micros, int slot) {
        long[] values = new long[100];
        java.util.Arrays.fill(values, micros);
        return run(target, 100, 10, Map.of(), 0, 0, values, slot);
    }

    private static long[] seq(long from, int count) {
        long[] values = new long[count];
        for (int i = 0; i < count; i++) {
            values[i] = from + i;
        }
        return values;
    }

    /** A run of 10 s whose successful requests took {@code micros} (latency and TTFB alike), placed in time slot {@code slot}. */
    private static LoadResult run(String target, double rate, double achieved, Map<String, Long> errors, long hungUp, double maxLagMs,
                                  long[] micros, int slot) {
        return run(target, rate, achieved, errors, hungUp, maxLagMs, micros, micros, slot);
    }

    private static LoadResult run(String target, double rate, double achieved, Map<String, Long> errors, long hungUp, double maxLagMs,
                                  long[] micros, long[] ttfbMicros, int slot) {
        Histogram latency = new ConcurrentHistogram(1, 120_000_000L, 3);
        Histogram ttfb = new ConcurrentHistogram(1, 120_000_000L, 3);
        for (long v : micros) {
            latency.recordValue(v);
        }
        for (long v : ttfbMicros) {
            ttfb.recordValue(v);
        }
        long failed = errors.values().stream().mapToLong(Long::longValue).sum();
        Instant start = T0.plusSeconds(30L * slot);
        return new LoadResult(target, rate, micros.length + failed + hungUp, micros.length, errors, hungUp, latency, ttfb, achieved, maxLagMs,
                micros.length + failed + hungUp + 20, start, start.plusSeconds(12));
    }
}

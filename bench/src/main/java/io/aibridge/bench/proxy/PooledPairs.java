package io.aibridge.bench.proxy;

import io.aibridge.bench.Table;
import io.aibridge.bench.load.LoadResult;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The direct/proxied pairs of one mode and rate ({@code --alternations}), pooled. On a shared
 * two-core machine one pair of runs says little: the time-to-first-byte p99 overhead of identical
 * runs moved between +4 and +16 ms. So the benchmark runs several pairs, alternating which side
 * goes first (D P, P D, D P, ...) so that a machine that slowly warms up or gets busier does not
 * always favour the same side, and judges the overhead on all the direct requests against all the
 * proxied ones: their histograms merged ({@link LoadResult#pool}), so a pooled p99 is the p99 of
 * every request measured. Each pair's own overhead is kept too, and its minimum, median and maximum
 * show the reader how far one pair alone could have been from the pooled answer.
 */
public final class PooledPairs {

    /** Which side of a pair ran first. */
    public enum Order {
        DIRECT_FIRST("D P"),
        PROXY_FIRST("P D");

        private final String label;

        Order(String label) {
            this.label = label;
        }

        /** "D P" or "P D", as the tables and the JSON show it. */
        public String label() {
            return label;
        }
    }

    /**
     * The order of the pair with this 1-based index: odd pairs run the direct target first, even
     * ones the proxy, so with one pair the benchmark does what it always did (direct, then proxy).
     */
    public static Order order(int index) {
        if (index < 1) {
            throw new IllegalArgumentException("pairs are numbered from 1; got " + index);
        }
        return index % 2 == 1 ? Order.DIRECT_FIRST : Order.PROXY_FIRST;
    }

    /** One pair: its 1-based index, which side ran first, and the two runs. */
    public record Alternation(int index, Order order, LoadResult direct, LoadResult proxy) {

        /** Proxied latency percentile − direct latency percentile, ms. */
        public double overhead(double percentile) {
            return proxy.latencyOverMs(direct, percentile);
        }

        /** Proxied time-to-first-byte percentile − direct, ms. */
        public double ttfbOverhead(double percentile) {
            return proxy.ttfbOverMs(direct, percentile);
        }
    }

    /**
     * The smallest, median and largest of the pairs' values (NaN, from a run that answered nothing,
     * left out; all NaN when every value was). The median of an even count is the mean of the two
     * middle values.
     */
    public record Spread(double min, double median, double max) {

        static Spread of(double[] values) {
            double[] known = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
            if (known.length == 0) {
                return new Spread(Double.NaN, Double.NaN, Double.NaN);
            }
            int middle = known.length / 2;
            double median = known.length % 2 == 1 ? known[middle] : (known[middle - 1] + known[middle]) / 2;
            return new Spread(known[0], median, known[known.length - 1]);
        }

        /** "-1.2 / +0.4 / +3.0", signed ms as in the overhead columns. */
        public String cell() {
            return Table.deltaMs(min) + " / " + Table.deltaMs(median) + " / " + Table.deltaMs(max);
        }

        Map<String, Double> toMap() {
            Map<String, Double> map = new LinkedHashMap<>();
            map.put("min", min);
            map.put("median", median);
            map.put("max", max);
            return map;
        }
    }

    private final List<Alternation> pairs;
    private final LoadResult direct;
    private final LoadResult proxy;

    /** @param pairs at least one, in the order they ran */
    public PooledPairs(List<Alternation> pairs) {
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("no pairs");
        }
        this.pairs = List.copyOf(pairs);
        this.direct = LoadResult.pool(pairs.stream().map(Alternation::direct).toList());
        this.proxy = LoadResult.pool(pairs.stream().map(Alternation::proxy).toList());
    }

    public List<Alternation> pairs() {
        return pairs;
    }

    public int size() {
        return pairs.size();
    }

    /** Every direct run pooled. */
    public LoadResult direct() {
        return direct;
    }

    /** Every proxied run pooled. */
    public LoadResult proxy() {
        return proxy;
    }

    /** The pairs' orders in the order they ran: "D P", "P D", ... */
    public List<String> orders() {
        return pairs.stream().map(p -> p.order().label()).toList();
    }

    /** Pooled proxied latency percentile − pooled direct latency percentile, ms: the benchmark's answer. */
    public double overhead(double percentile) {
        return proxy.latencyOverMs(direct, percentile);
    }

    /** The same for time to first byte. */
    public double ttfbOverhead(double percentile) {
        return proxy.ttfbOverMs(direct, percentile);
    }

    /** How the pairs' own latency overheads at this percentile spread. */
    public Spread overheadSpread(double percentile) {
        return spread(p -> p.overhead(percentile));
    }

    /** How the pairs' own time-to-first-byte overheads at this percentile spread. */
    public Spread ttfbOverheadSpread(double percentile) {
        return spread(p -> p.ttfbOverhead(percentile));
    }

    private Spread spread(ToDoubleFunction<Alternation> value) {
        return Spread.of(pairs.stream().mapToDouble(value).toArray());
    }

    /** The spreads for the JSON file: latency p50, p99, p99.9 and TTFB p50, p99. */
    Map<String, Object> spreadMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("overhead_p50", overheadSpread(50).toMap());
        map.put("overhead_p99", overheadSpread(99).toMap());
        map.put("overhead_p99_9", overheadSpread(99.9).toMap());
        map.put("ttfb_overhead_p50", ttfbOverheadSpread(50).toMap());
        map.put("ttfb_overhead_p99", ttfbOverheadSpread(99).toMap());
        return map;
    }
}

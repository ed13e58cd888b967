package io.aibridge.bench.stack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Reads a service's {@code /q/metrics} (Prometheus text format): counters for what was done, and
 * histogram buckets, which subtracted between two scrapes give the distribution of one time window
 * (quantiles as Prometheus' {@code histogram_quantile} computes them).
 */
public final class Prometheus {

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    /** All samples of one scrape, taken at {@code nanos} (System.nanoTime) and {@code epochMillis}. */
    public record Scrape(long nanos, long epochMillis, List<Sample> samples) {

        /** Sum of every sample of this name whose labels pass the filter. */
        public double sum(String name, Predicate<Map<String, String>> labels) {
            double sum = 0;
            for (Sample s : samples) {
                if (s.name.equals(name) && labels.test(s.labels)) {
                    sum += s.value;
                }
            }
            return sum;
        }

        public double sum(String name) {
            return sum(name, l -> true);
        }

        /** Cumulative bucket counts of a histogram by upper bound (+Inf included), summed over label sets that pass. */
        public Histogram histogram(String baseName, Predicate<Map<String, String>> labels) {
            TreeMap<Double, Double> buckets = new TreeMap<>();
            for (Sample s : samples) {
                if (s.name.equals(baseName + "_bucket") && labels.test(s.labels)) {
                    String le = s.labels.get("le");
                    double bound = "+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
                    buckets.merge(bound, s.value, Double::sum);
                }
            }
            return new Histogram(buckets, sum(baseName + "_sum", labels), sum(baseName + "_count", labels));
        }
    }

    /** A (cumulative) histogram: counts per upper bound, the sum and the count of observations. */
    public record Histogram(TreeMap<Double, Double> buckets, double sum, double count) {

        /** This histogram minus an earlier one of the same series: the observations in between. */
        public Histogram minus(Histogram earlier) {
            TreeMap<Double, Double> diff = new TreeMap<>();
            buckets.forEach((bound, value) -> diff.put(bound, value - earlier.buckets.getOrDefault(bound, 0.0)));
            return new Histogram(diff, sum - earlier.sum, count - earlier.count);
        }

        public double mean() {
            return count <= 0 ? Double.NaN : sum / count;
        }

        /**
         * The q-quantile, interpolated linearly inside its bucket (as {@code histogram_quantile});
         * NaN when empty. Bucket bounds limit its precision: say so next to the number.
         */
        public double quantile(double q) {
            if (count <= 0 || buckets.isEmpty()) {
                return Double.NaN;
            }
            double total = buckets.lastEntry().getValue();
            double rank = q * total;
            double lowerBound = 0;
            double lowerCount = 0;
            for (Map.Entry<Double, Double> bucket : buckets.entrySet()) {
                if (bucket.getValue() >= rank) {
                    if (bucket.getKey().isInfinite()) {
                        return lowerBound;
                    }
                    double inBucket = bucket.getValue() - lowerCount;
                    return inBucket <= 0 ? bucket.getKey()
                            : lowerBound + (bucket.getKey() - lowerBound) * (rank - lowerCount) / inBucket;
                }
                lowerBound = bucket.getKey();
                lowerCount = bucket.getValue();
            }
            return lowerBound;
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Prometheus() {
    }

    /** Scrapes {@code <baseUrl>/q/metrics}. */
    public static Scrape scrape(String baseUrl) {
        long nanos = System.nanoTime();
        long millis = System.currentTimeMillis();
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/q/metrics"))
                    .timeout(Duration.ofSeconds(10)).header("Accept", "text/plain").GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + baseUrl + "/q/metrics answered " + response.statusCode());
            }
            return new Scrape(nanos, millis, parse(response.body()));
        } catch (IOException e) {
            throw new IllegalStateException("could not scrape " + baseUrl + "/q/metrics: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Parses the text exposition format (comments skipped; label values unescaped). */
    static List<Sample> parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space;
            String name;
            Map<String, String> labels = new LinkedHashMap<>();
            if (brace >= 0 && brace < line.indexOf(' ')) {
                name = line.substring(0, brace);
                int i = brace + 1;
                while (line.charAt(i) != '}') {
                    int eq = line.indexOf('=', i);
                    String key = line.substring(i, eq).trim();
                    StringBuilder value = new StringBuilder();
                    int j = eq + 2; // past ="
                    while (line.charAt(j) != '"') {
                        char ch = line.charAt(j);
                        if (ch == '\\') {
                            char next = line.charAt(++j);
                            value.append(next == 'n' ? '\n' : next);
                        } else {
                            value.append(ch);
                        }
                        j++;
                    }
                    labels.put(key, value.toString());
                    i = j + 1;
                    if (line.charAt(i) == ',') {
                        i++;
                    }
                }
                space = line.indexOf(' ', i);
            } else {
                space = line.indexOf(' ');
                name = line.substring(0, space);
            }
            String[] rest = line.substring(space + 1).trim().split(" ");
            double value = switch (rest[0]) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(rest[0]);
            };
            samples.add(new Sample(name, labels, value));
        }
        return samples;
    }
}

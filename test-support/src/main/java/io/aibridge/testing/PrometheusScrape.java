package io.aibridge.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One scrape of a {@code /q/metrics} endpoint (Prometheus text format 0.0.4), parsed into samples,
 * so that tests assert names, labels and values instead of searching the text.
 *
 * <pre>
 * PrometheusScrape before = PrometheusScrape.parse(get("/q/metrics"));
 * ... traffic ...
 * PrometheusScrape after = PrometheusScrape.parse(get("/q/metrics"));
 * after.delta(before, "aibridge_interceptions_total", Map.of("status", "failed"))   // 1.0
 * </pre>
 */
public final class PrometheusScrape {

    /** One sample line: {@code name{labels} value}. */
    public record Sample(String name, Map<String, String> labels, double value) {

        /** True when every given label has the given value (a subset match). */
        public boolean matches(Map<String, String> subset) {
            return subset.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
        }
    }

    private final List<Sample> samples;
    private final Map<String, String> types;

    private PrometheusScrape(List<Sample> samples, Map<String, String> types) {
        this.samples = samples;
        this.types = types;
    }

    public static PrometheusScrape parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty()) {
                continue;
            }
            if (l.startsWith("# TYPE ")) {
                String[] parts = l.substring(7).split(" ");
                types.put(parts[0], parts[1]);
                continue;
            }
            if (l.startsWith("#")) {
                continue;
            }
            samples.add(sample(l));
        }
        return new PrometheusScrape(List.copyOf(samples), Map.copyOf(types));
    }

    private static Sample sample(String line) {
        int brace = line.indexOf('{');
        int space;
        String name;
        Map<String, String> labels = new LinkedHashMap<>();
        if (brace >= 0 && brace < line.indexOf(' ')) {
            name = line.substring(0, brace);
            int i = brace + 1;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String key = line.substring(i, eq).strip();
                StringBuilder value = new StringBuilder();
                int j = eq + 2; // past ="
                while (line.charAt(j) != '"') {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char next = line.charAt(++j);
                        value.append(next == 'n' ? '\n' : next);
                    } else {
                        value.append(c);
                    }
                    j++;
                }
                labels.put(key, value.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            space = i + 1;
        } else {
            space = line.indexOf(' ');
            name = line.substring(0, space);
        }
        String rest = line.substring(space).strip();
        int end = rest.indexOf(' ');
        String value = end < 0 ? rest : rest.substring(0, end); // a timestamp or exemplar may follow
        return new Sample(name, Map.copyOf(labels), parseValue(value));
    }

    private static double parseValue(String value) {
        return switch (value) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(value);
        };
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The samples of one series name ({@code aibridge_interceptions_total}, {@code ..._bucket}). */
    public List<Sample> series(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    /** The samples of one series name whose labels include {@code labels}. */
    public List<Sample> series(String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name) && s.matches(labels)).toList();
    }

    /** The sum of the matching samples; 0 when there are none. */
    public double value(String name, Map<String, String> labels) {
        return series(name, labels).stream().mapToDouble(Sample::value).sum();
    }

    /** How much the matching samples grew since {@code before}. */
    public double delta(PrometheusScrape before, String name, Map<String, String> labels) {
        return value(name, labels) - before.value(name, labels);
    }

    /** Every sample name. */
    public Set<String> names() {
        Set<String> names = new LinkedHashSet<>();
        samples.forEach(s -> names.add(s.name()));
        return names;
    }

    /** The {@code # TYPE} of a metric family ({@code counter}, {@code gauge}, {@code histogram}, ...), or null. */
    public String type(String family) {
        return types.get(family);
    }

    /** The label names used by the series of one name. */
    public Set<String> labelNames(String name) {
        Set<String> keys = new LinkedHashSet<>();
        series(name).forEach(s -> keys.addAll(s.labels().keySet()));
        return keys;
    }
}

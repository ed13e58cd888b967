package io.aibridge.testing;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The metric names a PromQL expression reads, for the tests of the shipped dashboard and alerting rules. */
public final class PromQl {

    /** PromQL's functions, aggregations and keywords the shipped expressions use: every other identifier is a metric. */
    private static final Set<String> KEYWORDS = Set.of("sum", "max", "min", "avg", "count", "increase", "rate", "time",
            "histogram_quantile", "max_over_time", "min_over_time", "clamp_min", "absent", "and", "or", "unless", "bool");
    /** What is not an identifier of the expression: label matchers, ranges, strings, grouping clauses. */
    private static final Pattern NOT_NAMES = Pattern.compile("\\{[^}]*}|\\[[^]]*]|\"[^\"]*\"|\\b(by|on|without|ignoring)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("\\b[a-zA-Z_:][a-zA-Z0-9_:]*\\b");

    private PromQl() {
    }

    /** The metric names {@code expr} reads, e.g. {@code aibridge_recorder_consumer_lag}. */
    public static Set<String> metricNames(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher identifier = IDENTIFIER.matcher(NOT_NAMES.matcher(expr).replaceAll(" "));
        while (identifier.find()) {
            if (!KEYWORDS.contains(identifier.group())) {
                names.add(identifier.group());
            }
        }
        return names;
    }

    /**
     * Every metric name the shipped Grafana dashboard charts or an alerting rule reads: what the
     * services' metrics tests check they export.
     */
    public static Set<String> monitoredMetricNames() {
        Set<String> names = new TreeSet<>(GrafanaDashboard.load().metricNames());
        names.addAll(AlertRules.load().metricNames());
        return names;
    }
}

package io.aibridge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The shipped Prometheus alerting rules ({@code helm/aibridge/files/aibridge-alerts.yml}) as tests
 * see them: the alerts, and the metric names their expressions read. Each service checks that the
 * metrics it owns are the ones it exports, as it does for the Grafana dashboard's.
 */
public final class AlertRules {

    /** The repository path of the rules file. */
    public static final String FILE = "helm/aibridge/files/aibridge-alerts.yml";

    private final List<JsonNode> alerts;

    private AlertRules(List<JsonNode> alerts) {
        this.alerts = alerts;
    }

    /** Loads the rules from the repository, found from a module's working directory or the root. */
    public static AlertRules load() {
        for (Path candidate : List.of(Path.of("..").resolve(FILE), Path.of(FILE))) {
            if (Files.isRegularFile(candidate)) {
                return load(candidate);
            }
        }
        throw new IllegalStateException(FILE + " not found from " + Path.of("").toAbsolutePath());
    }

    public static AlertRules load(Path file) {
        try {
            List<JsonNode> alerts = new ArrayList<>();
            new YAMLMapper().readTree(file.toFile()).path("groups").forEach(group -> group.path("rules").forEach(alerts::add));
            return new AlertRules(List.copyOf(alerts));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every rule, in file order: {@code alert}, {@code expr}, {@code for}, {@code labels}, {@code annotations}. */
    public List<JsonNode> alerts() {
        return alerts;
    }

    /** The metric names the expressions read, e.g. {@code aibridge_recorder_consumer_lag}. */
    public Set<String> metricNames() {
        Set<String> names = new TreeSet<>();
        for (JsonNode alert : alerts) {
            names.addAll(PromQl.metricNames(alert.path("expr").asText()));
        }
        return names;
    }
}

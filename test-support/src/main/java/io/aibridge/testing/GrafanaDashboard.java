package io.aibridge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The shipped Grafana dashboard ({@code deploy/grafana/aibridge-dashboard.json}) as tests see it:
 * its SQL (panel targets and template variables, with the panel or variable they belong to) and
 * the metric names its PromQL reads. The schema module runs every query against a migrated
 * PostgreSQL; each service checks that the metrics it owns are the ones it exports.
 */
public final class GrafanaDashboard {

    /** The data-source variable of the PostgreSQL panels. */
    public static final String POSTGRES = "${DS_POSTGRES}";
    /** The data-source variable of the Prometheus panels. */
    public static final String PROMETHEUS = "${DS_PROMETHEUS}";

    /** One SQL query and where it sits: {@code panel "Tool Calls"} or {@code variable $model}. */
    public record Sql(String where, String sql) {
    }

    private final JsonNode root;

    private GrafanaDashboard(JsonNode root) {
        this.root = root;
    }

    /**
     * Loads the dashboard from the repository: {@code deploy/grafana/aibridge-dashboard.json},
     * found from the working directory of a module's tests (the module) or the repository root.
     */
    public static GrafanaDashboard load() {
        for (Path candidate : List.of(Path.of("..", "deploy", "grafana", "aibridge-dashboard.json"),
                Path.of("deploy", "grafana", "aibridge-dashboard.json"))) {
            if (Files.isRegularFile(candidate)) {
                return load(candidate);
            }
        }
        throw new IllegalStateException("deploy/grafana/aibridge-dashboard.json not found from " + Path.of("").toAbsolutePath());
    }

    public static GrafanaDashboard load(Path file) {
        try {
            return new GrafanaDashboard(new ObjectMapper().readTree(Files.readString(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public JsonNode json() {
        return root;
    }

    /** Every panel, rows' nested panels included. */
    public List<JsonNode> panels() {
        List<JsonNode> all = new ArrayList<>();
        for (JsonNode panel : root.path("panels")) {
            all.add(panel);
            panel.path("panels").forEach(all::add);
        }
        return all;
    }

    /** The template variables' SQL queries, then every SQL panel target's, in dashboard order. */
    public List<Sql> sqlQueries() {
        List<Sql> queries = new ArrayList<>(variableQueries());
        for (JsonNode panel : panels()) {
            for (JsonNode target : panel.path("targets")) {
                if (POSTGRES.equals(dataSource(target, panel))) {
                    queries.add(new Sql("panel \"" + panel.path("title").asText() + "\"", target.path("rawSql").asText()));
                }
            }
        }
        return queries;
    }

    /** The SQL of the query variables, by name. */
    public List<Sql> variableQueries() {
        List<Sql> queries = new ArrayList<>();
        for (JsonNode variable : root.path("templating").path("list")) {
            if ("query".equals(variable.path("type").asText())
                    && POSTGRES.equals(variable.path("datasource").path("uid").asText())) {
                JsonNode query = variable.path("query");
                queries.add(new Sql("variable $" + variable.path("name").asText(),
                        query.isTextual() ? query.asText() : query.path("rawSql").asText()));
            }
        }
        return queries;
    }

    /** Every PromQL expression of the Prometheus panels. */
    public List<String> promQl() {
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : panels()) {
            for (JsonNode target : panel.path("targets")) {
                if (PROMETHEUS.equals(dataSource(target, panel))) {
                    expressions.add(target.path("expr").asText());
                }
            }
        }
        return expressions;
    }

    /** Our metric names ({@code aibridge_}) the PromQL reads, e.g. {@code aibridge_interceptions_duration_seconds_bucket}. */
    public Set<String> metricNames() {
        Set<String> names = new TreeSet<>();
        for (String expr : promQl()) {
            PromQl.metricNames(expr).stream().filter(name -> name.startsWith("aibridge_")).forEach(names::add);
        }
        return names;
    }

    private static String dataSource(JsonNode target, JsonNode panel) {
        JsonNode own = target.path("datasource").path("uid");
        return own.isMissingNode() ? panel.path("datasource").path("uid").asText() : own.asText();
    }
}

package io.aibridge.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.testing.AlertRules;
import io.aibridge.testing.PromQl;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The alerting rules, {@code helm/aibridge/files/aibridge-alerts.yml}: complete, aggregated per
 * deployment, each one unit-tested, and loaded by the local Prometheus. Where promtool is installed
 * (Debian's package {@code prometheus}), Prometheus's own parser checks the rules and the
 * configuration and runs the unit tests of {@code deploy/prometheus/aibridge-alerts-test.yml};
 * each service's metrics test checks that the metrics the rules read are the ones it exports.
 */
class PrometheusAlertsTest {

    private static final Path ROOT = RenderedChart.CHART.getParent().getParent();
    private static final Path RULES = RenderedChart.CHART.resolve("files/aibridge-alerts.yml");
    private static final Path UNIT_TESTS = ROOT.resolve("deploy/prometheus/aibridge-alerts-test.yml");
    private static final Path LOCAL_CONFIG = ROOT.resolve("deploy/prometheus/prometheus.yml");

    /** Every aggregation ({@code by (...)}) and vector match ({@code on (...)}) in an expression. */
    private static final Pattern GROUPING = Pattern.compile("\\b(by|on)\\s*\\(([^)]*)\\)");
    private static List<JsonNode> alerts;

    @BeforeAll
    static void load() {
        alerts = AlertRules.load(RULES).alerts();
    }

    @Test
    void everyAlertHasAUniqueNameASeverityAndTextForThePersonPaged() {
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(10);
        Set<String> names = new HashSet<>();
        for (JsonNode alert : alerts) {
            String name = alert.path("alert").asText();
            assertThat(name).matches("AIBridge[A-Z][A-Za-z]+");
            assertThat(names.add(name)).as("%s is unique", name).isTrue();
            assertThat(alert.path("expr").asText()).as(name).isNotBlank();
            assertThat(alert.at("/labels/severity").asText()).as(name).isIn("warning", "critical");
            assertThat(alert.at("/annotations/summary").asText()).as(name).isNotBlank().doesNotEndWith(".");
            assertThat(alert.at("/annotations/description").asText()).as(name).hasSizeGreaterThan(60);
        }
    }

    /**
     * One alert per deployment of a service: every aggregation keeps namespace and job, so two
     * releases in one cluster (or staging beside production) are never summed together.
     */
    @Test
    void everyExpressionAggregatesPerNamespaceAndJob() {
        for (JsonNode alert : alerts) {
            String expr = alert.path("expr").asText();
            Matcher grouping = GROUPING.matcher(expr);
            int found = 0;
            while (grouping.find()) {
                found++;
                assertThat(List.of(grouping.group(2).split("\\s*,\\s*"))).as("%s: %s", alert.path("alert").asText(), grouping.group())
                        .contains("namespace", "job");
            }
            assertThat(found).as("%s aggregates", alert.path("alert").asText()).isPositive();
        }
    }

    /** Only our own metrics, which the services' tests check they export (AlertRules); no scrape-config label such as up. */
    @Test
    void everyAlertReadsOnlyAiBridgeMetrics() {
        assertThat(PromQl.metricNames("sum by (namespace, job) (rate(aibridge_x_total{status=~\"5..\"}[5m])) / on (job) max(up) > 0.1"))
                .as("the names an expression reads").containsExactly("aibridge_x_total", "up");
        for (JsonNode alert : alerts) {
            assertThat(PromQl.metricNames(alert.path("expr").asText())).as(alert.path("alert").asText())
                    .isNotEmpty().allMatch(name -> name.startsWith("aibridge_"));
        }
    }

    /** Each alert is shown firing in deploy/prometheus/aibridge-alerts-test.yml (promtool runs it below). */
    @Test
    void everyAlertHasAUnitTestInWhichItFires() throws IOException {
        Set<String> firing = new HashSet<>();
        for (JsonNode test : RenderedChart.YAML.readTree(UNIT_TESTS.toFile()).path("tests")) {
            for (JsonNode check : test.path("alert_rule_test")) {
                if (!check.path("exp_alerts").isEmpty()) {
                    firing.add(check.path("alertname").asText());
                }
            }
        }
        assertThat(firing).containsExactlyInAnyOrderElementsOf(alerts.stream().map(a -> a.path("alert").asText()).toList());
    }

    @Test
    void theLocalPrometheusLoadsTheRules() throws IOException {
        JsonNode config = RenderedChart.YAML.readTree(LOCAL_CONFIG.toFile());
        List<Path> loaded = new ArrayList<>();
        config.path("rule_files").forEach(file -> loaded.add(LOCAL_CONFIG.getParent().resolve(file.asText()).normalize()));
        assertThat(loaded).containsExactly(RULES.normalize());
    }

    @Test
    void promtoolAcceptsTheRulesAndTheLocalConfiguration() throws Exception {
        assertThat(promtool("check", "rules", RULES.toString())).contains("SUCCESS: " + alerts.size() + " rules found");
        assertThat(promtool("check", "config", LOCAL_CONFIG.toString())).contains("SUCCESS: " + alerts.size() + " rules found");
    }

    @Test
    void promtoolRunsTheAlertsUnitTests() throws Exception {
        assertThat(promtool("test", "rules", UNIT_TESTS.toString())).contains("SUCCESS");
    }

    /** Runs promtool (skipping the test where it is not installed); fails on a non-zero exit. */
    private static String promtool(String... arguments) throws Exception {
        Path promtool = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(directory -> Path.of(directory, "promtool")).filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(promtool != null, "promtool is not installed (Debian: apt-get install prometheus)");
        List<String> command = new ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean ended = process.waitFor(60, TimeUnit.SECONDS);
        assertThat(ended).as("promtool %s ended", String.join(" ", arguments)).isTrue();
        assertThat(process.exitValue()).as("promtool %s:%n%s", String.join(" ", arguments), output).isZero();
        return output;
    }
}

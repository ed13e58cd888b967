package io.aibridge.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import static io.aibridge.deploy.RenderedChart.container;
import static io.aibridge.deploy.RenderedChart.env;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Renders helm/aibridge with Helm itself (helm-java runs Helm's Go code in this JVM) with the
 * default values and with ci/production-values.yaml, lints it, and checks the rendered objects.
 */
class HelmChartTest {

    private static final List<String> SERVICES = List.of("proxy-service", "query-service", "recorder-service", "retention-service");
    private static final String PREFIX = RenderedChart.RELEASE + "-aibridge-";

    private static RenderedChart defaults;
    private static RenderedChart production;

    @BeforeAll
    static void renderOnce() {
        defaults = RenderedChart.render("default values", null, Map.of());
        production = RenderedChart.render("production values", RenderedChart.PRODUCTION_VALUES, Map.of());
    }

    static Stream<RenderedChart> renderings() {
        return Stream.of(defaults, production);
    }

    // ------------------------------------------------------------------ lint

    @Test
    void lintFindsNothingWithTheDefaultValues() {
        LintResult result = new Helm(RenderedChart.CHART).lint().strict().call();

        assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
    }

    @Test
    void lintFindsNothingWithTheProductionValues(@TempDir Path copy) throws Exception {
        Path chart = RenderedChart.chartWithValues(copy.resolve("aibridge"), RenderedChart.PRODUCTION_VALUES);

        LintResult result = new Helm(chart).lint().strict().call();

        assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
    }

    // ------------------------------------------------------------------ deployments

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void rendersOneDeploymentAndServicePerService(RenderedChart chart) {
        assertThat(chart.workloads()).extracting(d -> d.path("metadata").path("name").asText())
                .containsExactlyInAnyOrderElementsOf(SERVICES.stream().map(s -> PREFIX + s).toList());
        assertThat(chart.ofKind("Service")).filteredOn(s -> !"None".equals(s.at("/spec/clusterIP").asText()))
                .extracting(d -> d.path("metadata").path("name").asText())
                .containsExactlyInAnyOrderElementsOf(SERVICES.stream().map(s -> PREFIX + s).toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void everyDeploymentProbesQuarkusHealthForStartedLiveAndReady(RenderedChart chart) {
        for (JsonNode deployment : chart.workloads()) {
            JsonNode container = container(deployment);
            assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/q/health/started");
            assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/q/health/live");
            assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/q/health/ready");
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                assertThat(container.at("/" + probe + "/httpGet/port").asText()).isEqualTo("http");
            }
            assertThat(container.at("/ports/0/name").asText()).isEqualTo("http");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void everyDeploymentRequestsCpuAndMemoryAndCapsMemory(RenderedChart chart) {
        for (JsonNode deployment : chart.workloads()) {
            JsonNode resources = container(deployment).path("resources");
            assertThat(resources.at("/requests/cpu").asText()).as(name(deployment)).isNotEmpty();
            assertThat(resources.at("/requests/memory").asText()).as(name(deployment)).isNotEmpty();
            assertThat(resources.at("/limits/memory").asText()).as(name(deployment)).isNotEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void everyDeploymentRunsAsNonRootOnAReadOnlyRootFilesystemWithoutCapabilities(RenderedChart chart) {
        for (JsonNode deployment : chart.workloads()) {
            JsonNode pod = deployment.at("/spec/template/spec");
            JsonNode container = container(deployment);
            assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).as(name(deployment)).isTrue();
            assertThat(pod.at("/securityContext/runAsUser").asInt()).as(name(deployment)).isPositive();
            assertThat(pod.at("/securityContext/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
            assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).as(name(deployment)).isTrue();
            assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean(true)).as(name(deployment)).isFalse();
            assertThat(texts(container.at("/securityContext/capabilities/drop"))).containsExactly("ALL");
            assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();
            // a read-only root needs a writable /tmp (JVM, Vert.x file cache)
            assertThat(mountPaths(container)).contains("/tmp");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void rollingUpdatesNeverTakeAReadyPodAwayFirst(RenderedChart chart) {
        for (JsonNode deployment : chart.ofKind("Deployment")) {
            assertThat(deployment.at("/spec/strategy/rollingUpdate/maxUnavailable").asInt(-1)).as(name(deployment)).isZero();
        }
        // a StatefulSet's pod must go before its successor can take its claim: one pod at a time, the others serve
        for (JsonNode statefulSet : chart.ofKind("StatefulSet")) {
            assertThat(statefulSet.at("/spec/updateStrategy/type").asText()).as(name(statefulSet)).isEqualTo("RollingUpdate");
            assertThat(statefulSet.at("/spec/updateStrategy/rollingUpdate/maxUnavailable").asInt(1)).as(name(statefulSet)).isEqualTo(1);
        }
    }

    // ------------------------------------------------------------------ secrets

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void rendersNoSecretAndTakesEveryCredentialFromASecretKeyRef(RenderedChart chart) {
        assertThat(chart.ofKind("Secret")).isEmpty();
        for (JsonNode deployment : chart.workloads()) {
            for (JsonNode variable : container(deployment).path("env")) {
                String name = variable.path("name").asText();
                // *_USER_TOKEN is a flag (users bring their own MCP token), not a credential
                if (name.matches(".*(KEY|PASSWORD|TOKEN|_USER|SECRET).*") && !name.endsWith("_USER_TOKEN")) {
                    assertThat(variable.has("value")).as("%s in %s has an inline value", name, name(deployment)).isFalse();
                    assertThat(variable.at("/valueFrom/secretKeyRef/name").asText()).as(name).isNotEmpty();
                    assertThat(variable.at("/valueFrom/secretKeyRef/key").asText()).as(name).isNotEmpty();
                }
            }
        }
        for (JsonNode configMap : chart.ofKind("ConfigMap")) {
            assertThat(fieldNames(configMap.path("data"))).as(name(configMap))
                    .noneMatch(key -> key.matches(".*(KEY|PASSWORD|TOKEN|SECRET).*") && !key.endsWith("_USER_TOKEN"));
        }
    }

    @Test
    void productionCredentialsReferenceTheirSecretsByNameAndKey() {
        JsonNode proxy = container(production.workload(PREFIX + "proxy-service"));
        JsonNode query = container(production.workload(PREFIX + "query-service"));
        JsonNode recorder = container(production.workload(PREFIX + "recorder-service"));

        assertSecretRef(env(proxy, "AIBRIDGE_OPENAI_KEY"), "aibridge-provider-keys", "openai");
        assertSecretRef(env(proxy, "AIBRIDGE_ANTHROPIC_KEY"), "aibridge-provider-keys", "anthropic");
        assertSecretRef(env(proxy, "AIBRIDGE_BOOTSTRAP_TOKEN"), "aibridge-bootstrap", "token");
        assertSecretRef(env(query, "AIBRIDGE_BOOTSTRAP_TOKEN"), "aibridge-bootstrap", "token");
        assertSecretRef(env(recorder, "AIBRIDGE_DB_USER"), "aibridge-db-app", "username");
        assertSecretRef(env(recorder, "AIBRIDGE_DB_PASSWORD"), "aibridge-db-app", "password");
        assertThat(env(recorder, "AIBRIDGE_BOOTSTRAP_TOKEN").isMissingNode()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void theProxyGetsNoDatabaseSettings(RenderedChart chart) {
        JsonNode proxy = container(chart.workload(PREFIX + "proxy-service"));

        assertThat(env(proxy, "AIBRIDGE_DB_USER").isMissingNode()).isTrue();
        assertThat(env(proxy, "AIBRIDGE_DB_PASSWORD").isMissingNode()).isTrue();
        assertThat(configMapRefs(proxy)).noneMatch(name -> name.endsWith("-database"));
    }

    @Test
    void withoutProviderKeySecretsTheProxyGetsNoKeyVariables() {
        JsonNode proxy = container(defaults.workload(PREFIX + "proxy-service"));

        assertThat(env(proxy, "AIBRIDGE_OPENAI_KEY").isMissingNode()).isTrue();
        assertThat(env(proxy, "AIBRIDGE_ANTHROPIC_KEY").isMissingNode()).isTrue();
        assertThat(env(proxy, "AIBRIDGE_BOOTSTRAP_TOKEN").isMissingNode()).isTrue();
    }

    // ------------------------------------------------------------------ routing

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void ingressSendsProviderRoutesToTheProxyAndTheRestOfTheApiToQueryService(RenderedChart chart) {
        JsonNode ingress = chart.get("Ingress", "bridge-aibridge");
        Map<String, String> backends = new java.util.HashMap<>();
        for (JsonNode rule : ingress.at("/spec/rules")) {
            for (JsonNode path : rule.at("/http/paths")) {
                assertThat(path.path("pathType").asText()).isEqualTo("Prefix");
                backends.put(path.path("path").asText(), path.at("/backend/service/name").asText() + ":" + path.at("/backend/service/port/name").asText());
            }
        }

        assertThat(backends).containsExactlyInAnyOrderEntriesOf(Map.of(
                "/api/v2/aibridge/openai", PREFIX + "proxy-service:http",
                "/api/v2/aibridge/anthropic", PREFIX + "proxy-service:http",
                "/api/v2/aibridge/copilot", PREFIX + "proxy-service:http",
                "/api/v2", PREFIX + "query-service:http"));
        // the named port exists on each target Service
        for (String service : List.of("proxy-service", "query-service")) {
            assertThat(texts(chart.get("Service", PREFIX + service).at("/spec/ports"), "name")).contains("http");
        }
        // the services' ports are the ones the containers listen on
        assertThat(chart.get("Service", PREFIX + "proxy-service").at("/spec/ports/0/port").asInt()).isEqualTo(8080);
        assertThat(chart.get("Service", PREFIX + "query-service").at("/spec/ports/0/port").asInt()).isEqualTo(8081);
    }

    @Test
    void productionIngressServesItsHostWithTls() {
        JsonNode ingress = production.get("Ingress", "bridge-aibridge");

        assertThat(ingress.at("/spec/ingressClassName").asText()).isEqualTo("nginx");
        assertThat(ingress.at("/spec/rules/0/host").asText()).isEqualTo("aibridge.example.com");
        assertThat(ingress.at("/spec/tls/0/secretName").asText()).isEqualTo("aibridge-tls");
        // streaming answers must not be buffered by ingress-nginx
        assertThat(ingress.at("/metadata/annotations").path("nginx.ingress.kubernetes.io/proxy-buffering").asText()).isEqualTo("off");
    }

    /** ingress-nginx would otherwise cut a quiet OpenAI stream (which gets no pings) before the proxy gives up on it. */
    @ParameterizedTest
    @MethodSource("renderings")
    void theIngressWaitsAtLeastAsLongAsTheProxyWaitsForItsProvider(RenderedChart chart) {
        String timeout = chart.get("ConfigMap", PREFIX + "proxy-service").at("/data/AIBRIDGE_UPSTREAM_TIMEOUT").asText();
        assertThat(timeout).endsWith("s");
        long upstreamSeconds = Long.parseLong(timeout.substring(0, timeout.length() - 1));
        JsonNode annotations = chart.get("Ingress", "bridge-aibridge").at("/metadata/annotations");
        for (String annotation : List.of("proxy-read-timeout", "proxy-send-timeout")) {
            assertThat(Long.parseLong(annotations.path("nginx.ingress.kubernetes.io/" + annotation).asText())).as(annotation)
                    .isGreaterThanOrEqualTo(upstreamSeconds);
        }
    }

    @Test
    void httpRouteRoutesLikeTheIngress() {
        JsonNode route = production.get("HTTPRoute", "bridge-aibridge");
        Map<String, String> backends = new java.util.HashMap<>();
        for (JsonNode rule : route.at("/spec/rules")) {
            for (JsonNode match : rule.path("matches")) {
                assertThat(match.at("/path/type").asText()).isEqualTo("PathPrefix");
                backends.put(match.at("/path/value").asText(), rule.at("/backendRefs/0/name").asText() + ":" + rule.at("/backendRefs/0/port").asInt());
            }
        }

        assertThat(route.at("/spec/parentRefs/0/name").asText()).isEqualTo("shared-gateway");
        assertThat(backends).containsExactlyInAnyOrderEntriesOf(Map.of(
                "/api/v2/aibridge/openai", PREFIX + "proxy-service:8080",
                "/api/v2/aibridge/anthropic", PREFIX + "proxy-service:8080",
                "/api/v2/aibridge/copilot", PREFIX + "proxy-service:8080",
                "/api/v2", PREFIX + "query-service:8081"));
        assertThat(defaults.ofKind("HTTPRoute")).isEmpty();
    }

    // ------------------------------------------------------------------ scaling and monitoring

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void theProxyScalesOnCpuAndKeepsAPodThroughDisruptions(RenderedChart chart) {
        JsonNode hpa = chart.get("HorizontalPodAutoscaler", PREFIX + "proxy-service");
        JsonNode pdb = chart.get("PodDisruptionBudget", PREFIX + "proxy-service");
        JsonNode proxy = chart.workload(PREFIX + "proxy-service");

        assertThat(hpa.at("/spec/scaleTargetRef/name").asText()).isEqualTo(PREFIX + "proxy-service");
        assertThat(hpa.at("/spec/minReplicas").asInt()).isLessThanOrEqualTo(hpa.at("/spec/maxReplicas").asInt());
        assertThat(hpa.at("/spec/metrics/0/resource/name").asText()).isEqualTo("cpu");
        // with an autoscaler the Deployment leaves the replica count to it
        assertThat(proxy.at("/spec/replicas").isMissingNode()).isTrue();
        assertThat(pdb.at("/spec/minAvailable").asInt()).isLessThan(hpa.at("/spec/minReplicas").asInt());
        assertThat(pdb.at("/spec/selector/matchLabels")).isEqualTo(proxy.at("/spec/selector/matchLabels"));
    }

    @Test
    void aSingleReplicaGetsNoDisruptionBudgetThatWouldBlockNodeDrains() {
        RenderedChart single = RenderedChart.render("one replica", null, Map.of(
                "proxy.autoscaling.enabled", false, "proxy.replicaCount", 1, "query.replicaCount", 1));

        assertThat(single.ofKind("PodDisruptionBudget")).isEmpty();
        assertThat(single.ofKind("HorizontalPodAutoscaler")).isEmpty();
        assertThat(single.workload(PREFIX + "proxy-service").at("/spec/replicas").asInt()).isEqualTo(1);
    }

    @Test
    void serviceMonitorScrapesMetricsOfAllFourServicesWhenEnabled() {
        JsonNode monitor = production.get("ServiceMonitor", "bridge-aibridge");

        assertThat(monitor.at("/metadata/labels/release").asText()).isEqualTo("kube-prometheus-stack");
        assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/q/metrics");
        assertThat(monitor.at("/spec/endpoints/0/port").asText()).isEqualTo("http");
        for (JsonNode service : production.ofKind("Service")) {
            JsonNode labels = service.at("/metadata/labels");
            monitor.at("/spec/selector/matchLabels").fields().forEachRemaining(selector ->
                    assertThat(labels.path(selector.getKey()).asText()).as(name(service)).isEqualTo(selector.getValue().asText()));
        }
        assertThat(defaults.ofKind("ServiceMonitor")).isEmpty();
    }

    @Test
    void prometheusRuleCarriesTheAlertingRulesFileWhenEnabled() throws Exception {
        JsonNode rule = production.get("PrometheusRule", "bridge-aibridge");
        JsonNode file = RenderedChart.YAML.readTree(RenderedChart.CHART.resolve("files/aibridge-alerts.yml").toFile());

        assertThat(rule.at("/metadata/labels/release").asText()).isEqualTo("kube-prometheus-stack");
        assertThat(rule.at("/spec/groups").findValuesAsText("name"))
                .containsExactlyElementsOf(file.path("groups").findValuesAsText("name"));
        Map<String, JsonNode> rendered = new HashMap<>();
        rule.at("/spec/groups").forEach(group -> group.path("rules").forEach(r -> rendered.put(r.path("alert").asText(), r)));
        List<String> alerts = new ArrayList<>();
        for (JsonNode group : file.path("groups")) {
            for (JsonNode alert : group.path("rules")) {
                String name = alert.path("alert").asText();
                alerts.add(name);
                if (name.equals("AIBridgeUpstreamFailing")) {
                    assertThat(rendered).as("left out by prometheusRule.disabled").doesNotContainKey(name);
                    continue;
                }
                JsonNode copy = rendered.get(name);
                assertThat(copy).as(name).isNotNull();
                // the expression and the annotations' Prometheus templates come through unchanged
                assertThat(copy.path("expr")).as(name).isEqualTo(alert.path("expr"));
                assertThat(copy.path("for")).as(name).isEqualTo(alert.path("for"));
                assertThat(copy.path("annotations")).as(name).isEqualTo(alert.path("annotations"));
                assertThat(copy.at("/labels/severity")).as(name + ": its own severity").isEqualTo(alert.at("/labels/severity"));
                assertThat(copy.at("/labels/team").asText()).as(name + ": prometheusRule.alertLabels").isEqualTo("platform");
            }
        }
        assertThat(rendered).hasSize(alerts.size() - 1);
        assertThat(defaults.ofKind("PrometheusRule")).isEmpty();
    }

    @Test
    void anAlertLabelNeverReplacesAnAlertsOwnSeverity() {
        RenderedChart chart = RenderedChart.render("alert labels", null, Map.of(
                "prometheusRule.enabled", true, "prometheusRule.alertLabels.severity", "page"));

        chart.get("PrometheusRule", "bridge-aibridge").at("/spec/groups").forEach(group -> group.path("rules").forEach(rule ->
                assertThat(rule.at("/labels/severity").asText()).as(rule.path("alert").asText()).isIn("warning", "critical")));
    }

    @Test
    void aGroupWhoseAlertsAreAllDisabledIsLeftOut() {
        RenderedChart chart = RenderedChart.render("retention alerts off", null, Map.of("prometheusRule.enabled", true,
                "prometheusRule.disabled[0]", "AIBridgeRetentionPurgeStale", "prometheusRule.disabled[1]", "AIBridgeRetentionNeverPurged",
                "prometheusRule.disabled[2]", "AIBridgeRetentionPurgeFailing"));

        JsonNode groups = chart.get("PrometheusRule", "bridge-aibridge").at("/spec/groups");
        assertThat(groups.findValuesAsText("name")).containsExactly("aibridge-proxy", "aibridge-recorder");
        groups.forEach(group -> assertThat(group.path("rules")).as(group.path("name").asText()).isNotEmpty());
    }

    @Test
    void theSchemaRefusesAnAlertNameThatIsNotOne() {
        assertThatThrownBy(() -> RenderedChart.render("bad alert name", null, Map.of(
                "prometheusRule.enabled", true, "prometheusRule.disabled[0]", "UpstreamFailing")))
                .hasMessageContaining("prometheusRule");
    }

    // ------------------------------------------------------------------ settings

    /**
     * Every AIBRIDGE_* variable the chart gives a service is one that service reads: a name that
     * drifted (renamed in the service, misspelt in the chart) would be ignored without a word.
     * Indexed variables (AIBRIDGE_PROVIDER_0_TYPE...) and the key pool's parts are left out: the
     * proxy reads them by pattern, and their tests render them.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void everySettingTheChartGivesAServiceIsOneThatServiceReads(RenderedChart chart) throws Exception {
        for (String service : SERVICES) {
            JsonNode container = container(chart.workload(PREFIX + service));
            String sources = mainSources(service.replace("-service", "") + "-service") + mainSources("telemetry");
            List<String> names = new ArrayList<>();
            container.path("env").forEach(e -> names.add(e.path("name").asText()));
            for (String configMap : configMapRefs(container)) {
                chart.get("ConfigMap", configMap).path("data").fieldNames().forEachRemaining(names::add);
            }
            List<String> shared = new ArrayList<>();
            chart.get("ConfigMap", PREFIX + "shared").path("data").fieldNames().forEachRemaining(shared::add);
            for (String name : names) {
                boolean indexed = name.matches(".*_[0-9]+(_.*)?") || name.startsWith("AIBRIDGE_KEYS_");
                if (!name.startsWith("AIBRIDGE_") || indexed || shared.contains(name)) {
                    continue;
                }
                assertThat(sources).as("%s reads %s", service, name).contains(name);
            }
        }
        // the shared ones: each read by some service
        String all = mainSources("proxy-service") + mainSources("query-service") + mainSources("recorder-service")
                + mainSources("retention-service") + mainSources("telemetry");
        chart.get("ConfigMap", PREFIX + "shared").path("data").fieldNames().forEachRemaining(name -> {
            if (name.startsWith("AIBRIDGE_")) {
                assertThat(all).as("some service reads %s", name).contains(name);
            }
        });
    }

    private static final Map<String, String> SOURCES = new HashMap<>();

    /** A module's main sources and resources, concatenated. */
    private static String mainSources(String module) {
        return SOURCES.computeIfAbsent(module, m -> {
            Path main = RenderedChart.CHART.resolve("../../" + m + "/src/main").normalize();
            try (Stream<Path> files = Files.walk(main)) {
                StringBuilder text = new StringBuilder();
                for (Path file : files.filter(Files::isRegularFile).filter(f -> f.toString().endsWith(".java")
                        || f.toString().endsWith(".properties")).toList()) {
                    text.append(Files.readString(file)).append('\n');
                }
                return text.toString();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(main.toString(), e);
            }
        });
    }

    @Test
    void settingsReachTheServicesThroughConfigMaps() {
        JsonNode shared = production.get("ConfigMap", "bridge-aibridge-shared").path("data");
        JsonNode retention = production.get("ConfigMap", PREFIX + "retention-service").path("data");
        JsonNode database = production.get("ConfigMap", "bridge-aibridge-database").path("data");

        assertThat(shared.path("KAFKA_BOOTSTRAP_SERVERS").asText()).isEqualTo("aibridge-kafka-bootstrap.kafka.svc:9093,aibridge-kafka-1.kafka.svc:9093");
        assertThat(shared.path("AIBRIDGE_TRACE_ENABLE").asText()).isEqualTo("true");
        assertThat(shared.path("OTEL_EXPORTER_OTLP_ENDPOINT").asText()).isEqualTo("http://otel-collector.observability.svc:4317");
        assertThat(shared.path("AIBRIDGE_TRACE_ENDPOINT").asText()).isEqualTo("http://otel-collector.observability.svc:4317");
        assertThat(retention.path("AIBRIDGE_RETENTION").asText()).isEqualTo("90d");
        assertThat(retention.path("AIBRIDGE_RETENTION_INTERVAL").asText()).isEqualTo("30m");
        assertThat(retention.path("AIBRIDGE_RETENTION_DRY_RUN").asText()).isEqualTo("false");
        assertThat(database.path("AIBRIDGE_DB_URL").asText()).startsWith("jdbc:postgresql://aibridge-db-rw.databases.svc:5432/aibridge");

        JsonNode retentionService = container(production.workload(PREFIX + "retention-service"));
        assertThat(configMapRefs(retentionService)).containsExactlyInAnyOrder(
                "bridge-aibridge-shared", "bridge-aibridge-database", PREFIX + "retention-service");
        assertThat(env(retentionService, "AIBRIDGE_RETENTION_PORT").path("value").asText()).isEqualTo("8083");
        assertThat(defaults.get("ConfigMap", "bridge-aibridge-shared").path("data").has("OTEL_EXPORTER_OTLP_ENDPOINT")).isFalse();
    }

    @Test
    void mcpServersReachTheProxyWithTheirTokensFromSecrets() {
        JsonNode settings = production.get("ConfigMap", PREFIX + "proxy-service").path("data");
        JsonNode proxy = container(production.workload(PREFIX + "proxy-service"));

        assertThat(settings.path("AIBRIDGE_MCP_SERVER_0_NAME").asText()).isEqualTo("docs");
        assertThat(settings.path("AIBRIDGE_MCP_SERVER_0_URL").asText()).isEqualTo("https://docs-mcp.internal.example.com/mcp");
        assertThat(settings.path("AIBRIDGE_MCP_SERVER_0_DENY").asText()).isEqualTo("^admin_");
        assertThat(settings.has("AIBRIDGE_MCP_SERVER_0_ALLOW")).isFalse();
        assertThat(settings.path("AIBRIDGE_MCP_SERVER_0_USER_TOKEN").asText()).isEqualTo("false");
        assertThat(settings.path("AIBRIDGE_MCP_SERVER_1_NAME").asText()).isEqualTo("github");
        assertThat(settings.path("AIBRIDGE_MCP_SERVER_1_USER_TOKEN").asText()).isEqualTo("true");
        assertThat(settings.path("AIBRIDGE_MCP_EXCLUDED_MODELS").asText()).isEqualTo("haiku|mini");
        assertThat(settings.path("AIBRIDGE_MCP_MAX_ROUNDS").asText()).isEqualTo("8");
        assertThat(settings.path("AIBRIDGE_MCP_CALL_TIMEOUT").asText()).isEqualTo("90s");
        assertSecretRef(env(proxy, "AIBRIDGE_MCP_SERVER_0_TOKEN"), "aibridge-mcp-tokens", "docs");
        assertThat(env(proxy, "AIBRIDGE_MCP_SERVER_1_TOKEN").isMissingNode()).isTrue();
        assertThat(defaults.get("ConfigMap", PREFIX + "proxy-service").path("data").has("AIBRIDGE_MCP_SERVER_0_NAME")).isFalse();
        for (String service : List.of("query-service", "recorder-service", "retention-service")) {
            assertThat(container(production.workload(PREFIX + service)).path("env").toString()).doesNotContain("AIBRIDGE_MCP_");
        }
    }

    @Test
    void providerInstancesReachTheProxyWithTheirKeysFromSecretsAndTheirPrefixesAreRoutedToIt() {
        RenderedChart chart = RenderedChart.render("provider instances", null, Map.of(
                "providers.instances[0].name", "anthropic-corp", "providers.instances[0].type", "anthropic",
                "providers.instances[0].apiKey.secretName", "anthropic-corp", "providers.instances[0].apiKey.key", "api-key",
                "providers.instances[1].name", "openai-eu", "providers.instances[1].type", "openai",
                "providers.instances[1].baseUrl", "https://eu.llm-gateway.example.com/v1/",
                "ingress.enabled", true, "httpRoute.enabled", true, "httpRoute.parentRefs[0].name", "gateway"));
        JsonNode settings = chart.get("ConfigMap", PREFIX + "proxy-service").path("data");
        assertThat(settings.path("AIBRIDGE_PROVIDER_0_TYPE").asText()).isEqualTo("anthropic");
        assertThat(settings.path("AIBRIDGE_PROVIDER_0_NAME").asText()).isEqualTo("anthropic-corp");
        assertThat(settings.has("AIBRIDGE_PROVIDER_0_BASE_URL")).as("the type's public API").isFalse();
        assertThat(settings.path("AIBRIDGE_PROVIDER_1_BASE_URL").asText()).isEqualTo("https://eu.llm-gateway.example.com/v1/");
        JsonNode proxy = container(chart.workload(PREFIX + "proxy-service"));
        assertSecretRef(env(proxy, "AIBRIDGE_PROVIDER_0_KEY"), "anthropic-corp", "api-key");
        assertThat(env(proxy, "AIBRIDGE_PROVIDER_1_KEY").isMissingNode()).isTrue();

        List<String> ingressPaths = new java.util.ArrayList<>();
        chart.get("Ingress", "bridge-aibridge").at("/spec/rules/0/http/paths").forEach(path -> {
            if (path.at("/backend/service/name").asText().equals(PREFIX + "proxy-service")) {
                ingressPaths.add(path.path("path").asText());
            }
        });
        assertThat(ingressPaths).containsExactlyInAnyOrder("/api/v2/aibridge/openai", "/api/v2/aibridge/anthropic",
                "/api/v2/aibridge/copilot", "/api/v2/aibridge/anthropic-corp", "/api/v2/aibridge/openai-eu");
        List<String> routePaths = new java.util.ArrayList<>();
        chart.get("HTTPRoute", "bridge-aibridge").at("/spec/rules").forEach(rule -> {
            if (rule.at("/backendRefs/0/name").asText().equals(PREFIX + "proxy-service")) {
                rule.path("matches").forEach(match -> routePaths.add(match.at("/path/value").asText()));
            }
        });
        assertThat(routePaths).containsExactlyInAnyOrderElementsOf(ingressPaths);
        assertThat(defaults.get("ConfigMap", PREFIX + "proxy-service").path("data").has("AIBRIDGE_PROVIDER_0_TYPE")).isFalse();
    }

    @Test
    void copilotNeedsNoKeyAndTakesItsPlanFromItsBaseUrlWithByokSwitchedOn() {
        JsonNode settings = production.get("ConfigMap", PREFIX + "proxy-service").path("data");
        assertThat(settings.path("AIBRIDGE_COPILOT_BASE_URL").asText()).isEqualTo("https://api.business.githubcopilot.com");
        assertThat(settings.path("AIBRIDGE_ALLOW_BYOK").asText()).isEqualTo("true");
        JsonNode defaultSettings = defaults.get("ConfigMap", PREFIX + "proxy-service").path("data");
        assertThat(defaultSettings.path("AIBRIDGE_COPILOT_BASE_URL").asText()).isEqualTo("https://api.individual.githubcopilot.com");
        assertThat(defaultSettings.path("AIBRIDGE_ALLOW_BYOK").asText()).as("off, as the service's own default").isEqualTo("false");
        assertThat(container(production.workload(PREFIX + "proxy-service")).path("env").toString()).doesNotContain("COPILOT");

        RenderedChart enterprise = RenderedChart.render("copilot instance", null, Map.of(
                "providers.instances[0].name", "copilot-enterprise", "providers.instances[0].type", "copilot",
                "providers.instances[0].baseUrl", "https://api.enterprise.githubcopilot.com"));
        JsonNode instance = enterprise.get("ConfigMap", PREFIX + "proxy-service").path("data");
        assertThat(instance.path("AIBRIDGE_PROVIDER_0_TYPE").asText()).isEqualTo("copilot");
        assertThat(instance.path("AIBRIDGE_PROVIDER_0_BASE_URL").asText()).isEqualTo("https://api.enterprise.githubcopilot.com");
        assertThatThrownBy(() -> RenderedChart.render("copilot instance with a key", null, Map.of(
                "providers.instances[0].name", "copilot-enterprise", "providers.instances[0].type", "copilot",
                "providers.instances[0].apiKey.secretName", "copilot", "providers.instances[0].apiKey.key", "token")))
                .hasMessageContaining("\"copilot-enterprise\" is a copilot provider, which takes no apiKey");
    }

    @Test
    void bedrockInstancesReachTheProxyWithTheirModelsAndTheirAwsKeysFromSecretsInsteadOfAKey() {
        RenderedChart chart = RenderedChart.render("Bedrock instances", null, Map.ofEntries(
                Map.entry("providers.instances[0].name", "claude-aws"), Map.entry("providers.instances[0].type", "anthropic"),
                Map.entry("providers.instances[0].bedrock.region", "us-east-1"),
                Map.entry("providers.instances[0].bedrock.model", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
                Map.entry("providers.instances[0].bedrock.smallFastModel", "us.anthropic.claude-haiku-4-5-20251001-v1:0"),
                Map.entry("providers.instances[0].bedrock.credentials.secretName", "aibridge-bedrock"),
                Map.entry("providers.instances[0].bedrock.credentials.sessionTokenKey", "session-token"),
                Map.entry("providers.instances[1].name", "claude-vpc"), Map.entry("providers.instances[1].type", "anthropic"),
                Map.entry("providers.instances[1].bedrock.baseUrl", "https://vpce-0a1b2c3d.bedrock-runtime.eu-west-1.vpce.amazonaws.com"),
                Map.entry("providers.instances[1].bedrock.model", "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"),
                Map.entry("providers.instances[1].bedrock.smallFastModel", "eu.anthropic.claude-haiku-4-5-20251001-v1:0"),
                Map.entry("providers.instances[1].bedrock.credentials.secretName", "bedrock-eu"),
                Map.entry("providers.instances[1].bedrock.credentials.accessKeyIdKey", "id"),
                Map.entry("providers.instances[1].bedrock.credentials.secretAccessKeyKey", "secret"),
                Map.entry("providers.instances[2].name", "claude-irsa"), Map.entry("providers.instances[2].type", "anthropic"),
                Map.entry("providers.instances[2].bedrock.region", "us-west-2"),
                Map.entry("providers.instances[2].bedrock.model", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
                Map.entry("providers.instances[2].bedrock.smallFastModel", "us.anthropic.claude-haiku-4-5-20251001-v1:0")));
        JsonNode settings = chart.get("ConfigMap", PREFIX + "proxy-service").path("data");
        assertThat(settings.path("AIBRIDGE_PROVIDER_0_TYPE").asText()).isEqualTo("anthropic");
        assertThat(settings.path("AIBRIDGE_PROVIDER_0_BEDROCK_REGION").asText()).isEqualTo("us-east-1");
        assertThat(settings.path("AIBRIDGE_PROVIDER_0_BEDROCK_MODEL").asText()).isEqualTo("us.anthropic.claude-sonnet-4-5-20250929-v1:0");
        assertThat(settings.path("AIBRIDGE_PROVIDER_0_BEDROCK_SMALL_FAST_MODEL").asText()).isEqualTo("us.anthropic.claude-haiku-4-5-20251001-v1:0");
        assertThat(settings.has("AIBRIDGE_PROVIDER_0_BEDROCK_BASE_URL")).isFalse();
        assertThat(settings.has("AIBRIDGE_PROVIDER_0_BASE_URL")).isFalse();
        assertThat(settings.path("AIBRIDGE_PROVIDER_1_BEDROCK_BASE_URL").asText())
                .isEqualTo("https://vpce-0a1b2c3d.bedrock-runtime.eu-west-1.vpce.amazonaws.com");
        assertThat(settings.has("AIBRIDGE_PROVIDER_1_BEDROCK_REGION")).as("taken from the endpoint's host name").isFalse();
        assertThat(settings.path("AIBRIDGE_PROVIDER_1_BEDROCK_MODEL").asText()).isEqualTo("eu.anthropic.claude-sonnet-4-5-20250929-v1:0");
        assertThat(settings.path("AIBRIDGE_PROVIDER_2_BEDROCK_REGION").asText()).isEqualTo("us-west-2");
        assertThat(fieldNames(settings)).noneMatch(key -> key.contains("ACCESS_KEY") || key.contains("SESSION_TOKEN"));

        JsonNode proxy = container(chart.workload(PREFIX + "proxy-service"));
        assertSecretRef(env(proxy, "AIBRIDGE_PROVIDER_0_BEDROCK_ACCESS_KEY"), "aibridge-bedrock", "access-key-id");
        assertSecretRef(env(proxy, "AIBRIDGE_PROVIDER_0_BEDROCK_ACCESS_KEY_SECRET"), "aibridge-bedrock", "secret-access-key");
        assertSecretRef(env(proxy, "AIBRIDGE_PROVIDER_0_BEDROCK_SESSION_TOKEN"), "aibridge-bedrock", "session-token");
        assertSecretRef(env(proxy, "AIBRIDGE_PROVIDER_1_BEDROCK_ACCESS_KEY"), "bedrock-eu", "id");
        assertSecretRef(env(proxy, "AIBRIDGE_PROVIDER_1_BEDROCK_ACCESS_KEY_SECRET"), "bedrock-eu", "secret");
        assertThat(env(proxy, "AIBRIDGE_PROVIDER_1_BEDROCK_SESSION_TOKEN").isMissingNode()).isTrue();
        // without credentials, the pod's AWS identity (IRSA, Pod Identity)
        assertThat(env(proxy, "AIBRIDGE_PROVIDER_2_BEDROCK_ACCESS_KEY").isMissingNode()).isTrue();
        assertThat(env(proxy, "AIBRIDGE_PROVIDER_2_BEDROCK_ACCESS_KEY_SECRET").isMissingNode()).isTrue();
        for (int i = 0; i < 3; i++) {
            assertThat(env(proxy, "AIBRIDGE_PROVIDER_" + i + "_KEY").isMissingNode()).as("instance %d's KEY", i).isTrue();
        }
        for (String service : List.of("query-service", "recorder-service", "retention-service")) {
            assertThat(container(chart.workload(PREFIX + service)).path("env").toString()).doesNotContain("BEDROCK");
        }
    }

    @Test
    void theProxyTakesItsAwsIdentityFromItsServiceAccountForIrsa(@TempDir Path dir) throws Exception {
        Path values = dir.resolve("irsa.yaml");
        Files.writeString(values, """
                serviceAccount:
                  annotations:
                    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/aibridge-bedrock
                """);

        RenderedChart chart = RenderedChart.render("IRSA", values, Map.of());

        JsonNode account = chart.get("ServiceAccount", "bridge-aibridge");
        assertThat(account.at("/metadata/annotations").path("eks.amazonaws.com/role-arn").asText())
                .isEqualTo("arn:aws:iam::123456789012:role/aibridge-bedrock");
        assertThat(chart.workload(PREFIX + "proxy-service").at("/spec/template/spec/serviceAccountName").asText())
                .isEqualTo("bridge-aibridge");
    }

    static Stream<Arguments> bedrockInstancesThatCannotWork() {
        return Stream.of(
                Arguments.of("on an openai provider", bedrockInstance("providers.instances[0].type", "openai"),
                        "\"claude-aws\" has bedrock settings but is of type openai; only anthropic providers can call Claude on AWS Bedrock"),
                Arguments.of("on a copilot provider", bedrockInstance("providers.instances[0].type", "copilot"),
                        "\"claude-aws\" has bedrock settings but is of type copilot"),
                Arguments.of("with an apiKey", bedrockInstance("providers.instances[0].apiKey.secretName", "anthropic",
                                "providers.instances[0].apiKey.key", "api-key"),
                        "\"claude-aws\" calls AWS Bedrock, which takes no apiKey"),
                Arguments.of("with a baseUrl of its own", bedrockInstance("providers.instances[0].baseUrl", "https://api.anthropic.com/"),
                        "\"claude-aws\" calls AWS Bedrock, whose endpoint is bedrock.baseUrl (or its region's); remove its baseUrl"),
                Arguments.of("without a model", bedrockInstance("providers.instances[0].bedrock.model", null),
                        "\"claude-aws\" calls AWS Bedrock and needs bedrock.model"),
                Arguments.of("without a small, fast model", bedrockInstance("providers.instances[0].bedrock.smallFastModel", null),
                        "\"claude-aws\" calls AWS Bedrock and needs bedrock.smallFastModel"),
                Arguments.of("without a region or an endpoint", bedrockInstance("providers.instances[0].bedrock.region", null),
                        "\"claude-aws\" calls AWS Bedrock and needs bedrock.region or bedrock.baseUrl"));
    }

    @ParameterizedTest(name = "a Bedrock instance {0}")
    @MethodSource("bedrockInstancesThatCannotWork")
    void aBedrockInstanceThatCannotWorkFailsWithAClearMessage(String what, Map<String, Object> set, String message) {
        assertThatThrownBy(() -> RenderedChart.render("Bedrock instance " + what, null, set))
                .hasMessageContaining("providers.instances: " + message);
    }

    // ------------------------------------------------------------------ key pools (apiKeys)

    @Test
    void anInstanceWithTwoKeysGetsOneVariablePerSecretAndThenItsKeysComposedFromThem() {
        RenderedChart chart = RenderedChart.render("key pool instance", null, Map.of(
                "providers.instances[0].name", "openai-eu", "providers.instances[0].type", "openai",
                "providers.instances[0].apiKey.secretName", "openai-eu", "providers.instances[0].apiKey.key", "api-key",
                "providers.instances[1].name", "anthropic-corp", "providers.instances[1].type", "anthropic",
                "providers.instances[1].apiKeys[0].secretName", "anthropic-corp-2025-09", "providers.instances[1].apiKeys[0].key", "api-key",
                "providers.instances[1].apiKeys[1].secretName", "anthropic-corp-2025-06", "providers.instances[1].apiKeys[1].key", "key"));
        JsonNode proxy = container(chart.workload(PREFIX + "proxy-service"));

        assertKeyPool(proxy, "AIBRIDGE_PROVIDER_1_KEYS", "AIBRIDGE_KEYS_PROVIDER_1",
                List.of("anthropic-corp-2025-09", "api-key"), List.of("anthropic-corp-2025-06", "key"));
        assertThat(env(proxy, "AIBRIDGE_PROVIDER_1_KEY").isMissingNode()).as("KEY and KEYS exclude each other").isTrue();
        // the instance with one apiKey is as before
        assertSecretRef(env(proxy, "AIBRIDGE_PROVIDER_0_KEY"), "openai-eu", "api-key");
        assertThat(env(proxy, "AIBRIDGE_PROVIDER_0_KEYS").isMissingNode()).isTrue();
        // the proxy refuses any AIBRIDGE_PROVIDER_<N>_ variable that is not one of its settings
        assertThat(envNames(proxy)).filteredOn(name -> name.startsWith("AIBRIDGE_PROVIDER_"))
                .containsExactly("AIBRIDGE_PROVIDER_0_KEY", "AIBRIDGE_PROVIDER_1_KEYS");
        assertThat(fieldNames(chart.get("ConfigMap", PREFIX + "proxy-service").path("data"))).noneMatch(key -> key.contains("KEY"));
        for (String service : List.of("query-service", "recorder-service", "retention-service")) {
            assertThat(container(chart.workload(PREFIX + service)).path("env").toString()).doesNotContain("KEYS");
        }
    }

    @Test
    void theBuiltInProvidersTakeAKeyPoolInsteadOfTheirKey() {
        RenderedChart chart = RenderedChart.render("built-in key pools", null, Map.of(
                "providers.openai.apiKeys[0].secretName", "openai-primary", "providers.openai.apiKeys[0].key", "api-key",
                "providers.openai.apiKeys[1].secretName", "openai-fallback", "providers.openai.apiKeys[1].key", "api-key",
                "providers.anthropic.apiKeys[0].secretName", "anthropic-keys", "providers.anthropic.apiKeys[0].key", "a",
                "providers.anthropic.apiKeys[1].secretName", "anthropic-keys", "providers.anthropic.apiKeys[1].key", "b",
                "providers.anthropic.apiKeys[2].secretName", "anthropic-keys", "providers.anthropic.apiKeys[2].key", "c"));
        JsonNode proxy = container(chart.workload(PREFIX + "proxy-service"));

        assertKeyPool(proxy, "AIBRIDGE_OPENAI_KEYS", "AIBRIDGE_KEYS_OPENAI",
                List.of("openai-primary", "api-key"), List.of("openai-fallback", "api-key"));
        assertKeyPool(proxy, "AIBRIDGE_ANTHROPIC_KEYS", "AIBRIDGE_KEYS_ANTHROPIC",
                List.of("anthropic-keys", "a"), List.of("anthropic-keys", "b"), List.of("anthropic-keys", "c"));
        assertThat(env(proxy, "AIBRIDGE_OPENAI_KEY").isMissingNode()).isTrue();
        assertThat(env(proxy, "AIBRIDGE_ANTHROPIC_KEY").isMissingNode()).isTrue();
        assertThat(envNames(proxy)).noneMatch(name -> name.startsWith("AIBRIDGE_PROVIDER_"));
    }

    @Test
    void anEmptyKeyPoolIsNoKeyPool(@TempDir Path dir) throws Exception {
        Path values = dir.resolve("empty-pools.yaml");
        Files.writeString(values, """
                providers:
                  openai:
                    apiKey: {secretName: openai, key: api-key}
                    apiKeys: []
                  instances:
                    - name: corp
                      type: anthropic
                      apiKey: {secretName: corp, key: api-key}
                      apiKeys: []
                    - name: copilot-enterprise
                      type: copilot
                      apiKeys: []
                """);

        JsonNode proxy = container(RenderedChart.render("empty key pools", values, Map.of()).workload(PREFIX + "proxy-service"));

        assertSecretRef(env(proxy, "AIBRIDGE_OPENAI_KEY"), "openai", "api-key");
        assertSecretRef(env(proxy, "AIBRIDGE_PROVIDER_0_KEY"), "corp", "api-key");
        assertThat(envNames(proxy)).noneMatch(name -> name.contains("KEYS"));
    }

    /** A working instance with a key pool of two, changed by key-value pairs (a null value removes the key). */
    private static Map<String, Object> keyPoolInstance(Object... changes) {
        Map<String, Object> set = new HashMap<>(Map.of(
                "providers.instances[0].name", "corp", "providers.instances[0].type", "openai",
                "providers.instances[0].apiKeys[0].secretName", "corp-key-a", "providers.instances[0].apiKeys[0].key", "api-key",
                "providers.instances[0].apiKeys[1].secretName", "corp-key-b", "providers.instances[0].apiKeys[1].key", "api-key"));
        return change(set, changes);
    }

    static Stream<Arguments> keyPoolsThatCannotWork() {
        Map<String, Object> six = keyPoolInstance();
        for (int j = 2; j < 6; j++) {
            six.put("providers.instances[0].apiKeys[" + j + "].secretName", "corp-key-" + j);
            six.put("providers.instances[0].apiKeys[" + j + "].key", "api-key");
        }
        Map<String, Object> bedrock = bedrockInstance("providers.instances[0].apiKeys[0].secretName", "anthropic",
                "providers.instances[0].apiKeys[0].key", "api-key");
        // what, --set pairs, the template's message, the field the schema refuses first (null: the schema lets it through)
        return Stream.of(
                Arguments.of("together with an apiKey", keyPoolInstance("providers.instances[0].apiKey.secretName", "corp",
                                "providers.instances[0].apiKey.key", "api-key"),
                        "providers.instances: \"corp\" has both apiKey and apiKeys; give one key in apiKey or several in apiKeys, not both", null),
                Arguments.of("of six keys", six,
                        "providers.instances: \"corp\" has 6 apiKeys; the proxy takes at most 5 keys per provider", "apiKeys"),
                Arguments.of("with a key twice", keyPoolInstance("providers.instances[0].apiKeys[1].secretName", "corp-key-a"),
                        "providers.instances: \"corp\" lists the key \"api-key\" of the Secret \"corp-key-a\" twice in apiKeys", null),
                Arguments.of("on a copilot instance", keyPoolInstance("providers.instances[0].type", "copilot"),
                        "providers.instances: \"corp\" is a copilot provider, which takes no apiKeys", null),
                Arguments.of("on a Bedrock instance", bedrock,
                        "providers.instances: \"claude-aws\" calls AWS Bedrock, which takes no apiKeys", null),
                Arguments.of("with an entry without a secretName", keyPoolInstance("providers.instances[0].apiKeys[1].secretName", null),
                        "providers.instances: \"corp\" has apiKeys[1] without a secretName", "secretName"),
                Arguments.of("with an entry without a key", keyPoolInstance("providers.instances[0].apiKeys[1].key", null),
                        "providers.instances: \"corp\" has apiKeys[1] without a key", "missing property 'key'"),
                Arguments.of("of the built-in openai together with its apiKey", Map.of(
                                "providers.openai.apiKey.secretName", "openai", "providers.openai.apiKey.key", "api-key",
                                "providers.openai.apiKeys[0].secretName", "openai-b", "providers.openai.apiKeys[0].key", "api-key"),
                        "providers.openai has both apiKey and apiKeys", null),
                Arguments.of("of the built-in anthropic with a key twice", Map.of(
                                "providers.anthropic.apiKeys[0].secretName", "anthropic", "providers.anthropic.apiKeys[0].key", "a",
                                "providers.anthropic.apiKeys[1].secretName", "anthropic", "providers.anthropic.apiKeys[1].key", "a"),
                        "providers.anthropic lists the key \"a\" of the Secret \"anthropic\" twice in apiKeys", null));
    }

    @ParameterizedTest(name = "a key pool {0}")
    @MethodSource("keyPoolsThatCannotWork")
    void aKeyPoolThatCannotWorkFailsWithAClearMessage(String what, Map<String, Object> set, String message, String schemaField) {
        if (schemaField == null) {
            assertThatThrownBy(() -> RenderedChart.render("key pool " + what, null, set)).hasMessageContaining(message);
        } else {
            assertThatThrownBy(() -> RenderedChart.render("key pool " + what, null, set))
                    .hasMessageContaining("schema")
                    .hasMessageContaining(schemaField);
        }
    }

    @ParameterizedTest(name = "a key pool {0}")
    @MethodSource("keyPoolsThatCannotWork")
    void theTemplatesRefuseABrokenKeyPoolEvenWithoutTheSchema(String what, Map<String, Object> set, String message, String schemaField,
                                                              @TempDir Path copy) throws Exception {
        Path chart = RenderedChart.chartWithoutSchema(copy.resolve("aibridge"));

        assertThatThrownBy(() -> RenderedChart.renderCopy("key pool " + what + " without the schema", chart, set)).hasMessageContaining(message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void theShippedValuesCallNoBedrock(RenderedChart chart) {
        for (JsonNode configMap : chart.ofKind("ConfigMap")) {
            assertThat(fieldNames(configMap.path("data"))).as(name(configMap)).noneMatch(key -> key.contains("BEDROCK"));
        }
        for (JsonNode deployment : chart.workloads()) {
            assertThat(container(deployment).path("env").toString()).as(name(deployment)).doesNotContain("BEDROCK");
        }
    }

    @Test
    void theProxysUpstreamTimeoutAndRetriesComeFromTheirValues() {
        JsonNode shipped = defaults.get("ConfigMap", PREFIX + "proxy-service").path("data");
        assertThat(shipped.path("AIBRIDGE_UPSTREAM_TIMEOUT").asText()).as("the service's own default").isEqualTo("600s");
        assertThat(shipped.path("AIBRIDGE_UPSTREAM_MAX_RETRIES").asText()).isEqualTo("2");
        JsonNode tuned = production.get("ConfigMap", PREFIX + "proxy-service").path("data");
        assertThat(tuned.path("AIBRIDGE_UPSTREAM_TIMEOUT").asText()).isEqualTo("900s");
        assertThat(tuned.path("AIBRIDGE_UPSTREAM_MAX_RETRIES").asText()).isEqualTo("1");
        assertThat(env(container(production.workload(PREFIX + "proxy-service")), "AIBRIDGE_UPSTREAM_CONNECT_TIMEOUT")
                .path("value").asText()).as("extraEnv still reaches the container").isEqualTo("5s");
    }

    /**
     * The images start the JVM through run-java.sh, which puts {@code -XX:MaxRAMPercentage=80} and
     * {@code -XX:+UseParallelGC} on the command line: options in JAVA_TOOL_OPTIONS lose to them, and
     * a second collector there stops the JVM ("Multiple garbage collectors selected").
     */
    @ParameterizedTest
    @MethodSource("renderings")
    void jvmOptionsComeAfterTheImagesOwnAndTheCollectorReplacesItsCollector(RenderedChart chart) {
        Map<String, String> collectors = Map.of("proxy", "-XX:+UseG1GC", "query", "-XX:+UseG1GC", "recorder", "-XX:+UseG1GC",
                "retention", "-XX:+UseSerialGC");
        collectors.forEach((service, collector) -> {
            JsonNode container = container(chart.workload(PREFIX + service + "-service"));
            assertThat(env(container, "JAVA_TOOL_OPTIONS").isMissingNode()).as(service).isTrue();
            assertThat(env(container, "GC_CONTAINER_OPTIONS").path("value").asText()).as(service).isEqualTo(collector);
            assertThat(env(container, "JAVA_OPTS_APPEND").path("value").asText()).as(service)
                    .startsWith("-XX:MaxRAMPercentage=70").doesNotContain("GC");
        });
        assertThat(env(container(chart.workload(PREFIX + "retention-service")), "JAVA_OPTS_APPEND").path("value").asText())
                .contains("-XX:TieredStopAtLevel=1");
    }

    @Test
    void theTopicsTheServicesCreateTakeTheBrokersReplicationFactorUnlessTold() {
        JsonNode shipped = defaults.get("ConfigMap", PREFIX + "shared").path("data");
        assertThat(shipped.path("AIBRIDGE_EVENTS_REPLICATION_FACTOR").asText()).isEqualTo("-1");
        assertThat(shipped.path("AIBRIDGE_IDENTITY_TOPIC_REPLICATION_FACTOR").asText()).isEqualTo("-1");
        JsonNode three = RenderedChart.render("replication 3", null, Map.of("kafka.replicationFactor", 3))
                .get("ConfigMap", PREFIX + "shared").path("data");
        assertThat(three.path("AIBRIDGE_IDENTITY_TOPIC_REPLICATION_FACTOR").asText()).isEqualTo("3");
        assertThatThrownBy(() -> RenderedChart.render("replication 0", null, Map.of("kafka.replicationFactor", 0)))
                .hasMessageContaining("replicationFactor");
    }

    @Test
    void theProxyServesNotReadyForAMomentThenLetsStreamsFinishWithinItsGracePeriod() {
        JsonNode shipped = defaults.get("ConfigMap", PREFIX + "proxy-service").path("data");
        assertThat(shipped.path("AIBRIDGE_SHUTDOWN_DELAY").asText()).isEqualTo("5s");
        assertThat(shipped.path("AIBRIDGE_SHUTDOWN_TIMEOUT").asText()).as("120 s - 5 s - 30 s drain - 5 s").isEqualTo("80s");
        assertThat(defaults.workload(PREFIX + "proxy-service").at("/spec/template/spec/terminationGracePeriodSeconds").asInt())
                .isEqualTo(120);
        JsonNode longer = RenderedChart.render("grace 600", null, Map.of("proxy.terminationGracePeriodSeconds", 600, "proxy.shutdownDelay", "10s"))
                .get("ConfigMap", PREFIX + "proxy-service").path("data");
        assertThat(longer.path("AIBRIDGE_SHUTDOWN_TIMEOUT").asText()).isEqualTo("555s");
        assertThatThrownBy(() -> RenderedChart.render("grace 30", null, Map.of("proxy.terminationGracePeriodSeconds", 30)))
                .hasMessageContaining("leaves no time for requests in flight");
    }

    @Test
    void queryServiceServesNotReadyForAMomentThenLetsRequestsFinishWithinItsGracePeriod() {
        JsonNode shipped = defaults.get("ConfigMap", PREFIX + "query-service").path("data");
        assertThat(shipped.path("AIBRIDGE_SHUTDOWN_DELAY").asText()).isEqualTo("5s");
        assertThat(shipped.path("AIBRIDGE_SHUTDOWN_TIMEOUT").asText()).as("45 s - 5 s - 5 s").isEqualTo("35s");
        JsonNode workload = defaults.workload(PREFIX + "query-service");
        assertThat(workload.at("/spec/template/spec/terminationGracePeriodSeconds").asInt()).isEqualTo(45);
        assertThat(configMapRefs(container(workload))).contains(PREFIX + "query-service");
        JsonNode longer = RenderedChart.render("query grace 90", null, Map.of("query.terminationGracePeriodSeconds", 90, "query.shutdownDelay", "10s"))
                .get("ConfigMap", PREFIX + "query-service").path("data");
        assertThat(longer.path("AIBRIDGE_SHUTDOWN_DELAY").asText()).isEqualTo("10s");
        assertThat(longer.path("AIBRIDGE_SHUTDOWN_TIMEOUT").asText()).isEqualTo("75s");
        assertThatThrownBy(() -> RenderedChart.render("query grace 10", null, Map.of("query.terminationGracePeriodSeconds", 10)))
                .hasMessageContaining("query.terminationGracePeriodSeconds (10) leaves no time for requests in flight");
    }

    @Test
    void aSecuredKafkaClusterIsReachedWithItsSettingsItsJaasLineAndItsCaFromSecrets() {
        JsonNode plain = defaults.get("ConfigMap", PREFIX + "shared").path("data");
        assertThat(plain.has("KAFKA_SECURITY_PROTOCOL")).isFalse();
        assertThat(plain.has("KAFKA_SSL_TRUSTSTORE_LOCATION")).isFalse();

        JsonNode shared = production.get("ConfigMap", PREFIX + "shared").path("data");
        assertThat(shared.path("KAFKA_SECURITY_PROTOCOL").asText()).isEqualTo("SASL_SSL");
        assertThat(shared.path("KAFKA_SASL_MECHANISM").asText()).isEqualTo("SCRAM-SHA-512");
        assertThat(shared.path("KAFKA_SSL_TRUSTSTORE_TYPE").asText()).isEqualTo("PEM");
        assertThat(shared.path("KAFKA_SSL_TRUSTSTORE_LOCATION").asText()).isEqualTo("/etc/aibridge/kafka-ca/ca.crt");
        for (String service : List.of("proxy", "query", "recorder")) {
            JsonNode workload = production.workload(PREFIX + service + "-service");
            JsonNode container = container(workload);
            assertSecretRef(env(container, "KAFKA_SASL_JAAS_CONFIG"), "aibridge-kafka-user", "sasl.jaas.config");
            assertThat(mount(container, "kafka-ca").path("mountPath").asText()).as(service).isEqualTo("/etc/aibridge/kafka-ca");
            assertThat(mount(container, "kafka-ca").path("readOnly").asBoolean()).isTrue();
            assertThat(volume(workload, "kafka-ca").at("/secret/secretName").asText()).isEqualTo("aibridge-cluster-ca-cert");
            assertThat(volume(workload, "kafka-ca").at("/secret/items/0/path").asText()).isEqualTo("ca.crt");
        }
        JsonNode retention = production.workload(PREFIX + "retention-service");
        assertThat(env(container(retention), "KAFKA_SASL_JAAS_CONFIG").isMissingNode()).as("it has no Kafka client").isTrue();

        assertThatThrownBy(() -> RenderedChart.render("truststore twice", RenderedChart.PRODUCTION_VALUES,
                Map.of("kafka.config.ssl\\.truststore\\.type", "JKS"))).hasMessageContaining("come from kafka.caCertificate");
    }

    @Test
    void aClientCertificateReachesEveryServiceWithAKafkaClientFromItsSecretAsAPemKeystore() {
        RenderedChart chart = RenderedChart.render("client certificate", null, Map.of(
                "kafka.config.security\\.protocol", "SSL", "kafka.clientCertificate.secretName", "aibridge-kafka-tls"));
        for (String service : List.of("proxy", "query", "recorder")) {
            JsonNode container = container(chart.workload(PREFIX + service + "-service"));
            assertThat(env(container, "KAFKA_SSL_KEYSTORE_TYPE").path("value").asText()).as(service).isEqualTo("PEM");
            assertSecretRef(env(container, "KAFKA_SSL_KEYSTORE_CERTIFICATE_CHAIN"), "aibridge-kafka-tls", "tls.crt");
            assertSecretRef(env(container, "KAFKA_SSL_KEYSTORE_KEY"), "aibridge-kafka-tls", "tls.key");
        }
        JsonNode retention = container(chart.workload(PREFIX + "retention-service"));
        assertThat(envNames(retention)).as("it has no Kafka client").noneMatch(name -> name.startsWith("KAFKA_SSL_KEYSTORE"));

        // a Strimzi KafkaUser's Secret, next to the cluster CA and over SASL_SSL
        RenderedChart strimzi = RenderedChart.render("Strimzi user", RenderedChart.PRODUCTION_VALUES, Map.of(
                "kafka.clientCertificate.secretName", "aibridge", "kafka.clientCertificate.certificateKey", "user.crt",
                "kafka.clientCertificate.keyKey", "user.key"));
        JsonNode recorder = container(strimzi.workload(PREFIX + "recorder-service"));
        assertSecretRef(env(recorder, "KAFKA_SSL_KEYSTORE_CERTIFICATE_CHAIN"), "aibridge", "user.crt");
        assertSecretRef(env(recorder, "KAFKA_SSL_KEYSTORE_KEY"), "aibridge", "user.key");
        assertSecretRef(env(recorder, "KAFKA_SASL_JAAS_CONFIG"), "aibridge-kafka-user", "sasl.jaas.config");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void withoutAClientCertificateNoServiceGetsAKeystore(RenderedChart chart) {
        for (JsonNode workload : chart.workloads()) {
            assertThat(envNames(container(workload))).as(name(workload)).noneMatch(name -> name.startsWith("KAFKA_SSL_KEYSTORE"));
        }
        assertThat(fieldNames(chart.get("ConfigMap", PREFIX + "shared").path("data"))).noneMatch(name -> name.startsWith("KAFKA_SSL_KEYSTORE"));
    }

    static Stream<Arguments> clientCertificateConflicts() {
        return Stream.of(
                Arguments.of("a keystore file as well", Map.of("kafka.config.ssl\\.keystore\\.location", "/etc/kafka/user.p12"),
                        "ssl.keystore.location and ssl.keystore.type come from kafka.clientCertificate"),
                Arguments.of("another keystore type", Map.of("kafka.config.ssl\\.keystore\\.type", "PKCS12"),
                        "ssl.keystore.location and ssl.keystore.type come from kafka.clientCertificate"),
                Arguments.of("the key in a service's extraEnv as well", Map.of("recorder.extraEnv[0].name", "KAFKA_SSL_KEYSTORE_KEY",
                        "recorder.extraEnv[0].valueFrom.secretKeyRef.name", "other", "recorder.extraEnv[0].valueFrom.secretKeyRef.key", "tls.key"),
                        "recorder.extraEnv: KAFKA_SSL_KEYSTORE_KEY comes from kafka.clientCertificate"),
                Arguments.of("no TLS", Map.of("kafka.config.security\\.protocol", "SASL_PLAINTEXT"),
                        "kafka.clientCertificate is only used over TLS: set kafka.config security.protocol to SSL (or SASL_SSL), not SASL_PLAINTEXT"));
    }

    @ParameterizedTest(name = "refuses {0}")
    @MethodSource("clientCertificateConflicts")
    void aClientCertificateThatConflictsWithOtherKafkaSettingsFailsWithAClearMessage(String what, Map<String, Object> set, String message) {
        Map<String, Object> values = new HashMap<>(Map.of("kafka.config.security\\.protocol", "SSL",
                "kafka.clientCertificate.secretName", "aibridge-kafka-tls"));
        values.putAll(set);

        assertThatThrownBy(() -> RenderedChart.render(what, null, values)).hasMessageContaining(message);
    }

    @Test
    void aClientCertificateIsRefusedOverPlaintextWhichIsKafkasDefault() {
        assertThatThrownBy(() -> RenderedChart.render("plaintext", null, Map.of("kafka.clientCertificate.secretName", "aibridge-kafka-tls")))
                .hasMessageContaining("set kafka.config security.protocol to SSL (or SASL_SSL), not PLAINTEXT");
    }

    @Test
    void twoProviderInstancesWithTheSameNameFailWithAClearMessage() {
        assertThatThrownBy(() -> RenderedChart.render("duplicate provider", null, Map.of(
                "providers.instances[0].name", "corp", "providers.instances[0].type", "anthropic",
                "providers.instances[1].name", "corp", "providers.instances[1].type", "openai")))
                .hasMessageContaining("providers.instances: the name \"corp\" is used twice");
    }

    @Test
    void twoMcpServersWithTheSameNameFailWithAClearMessage() {
        assertThatThrownBy(() -> RenderedChart.render("duplicate MCP server", null, Map.of(
                "mcp.servers[0].name", "docs", "mcp.servers[0].url", "https://a.example.com/mcp",
                "mcp.servers[1].name", "docs", "mcp.servers[1].url", "https://b.example.com/mcp")))
                .hasMessageContaining("mcp.servers: the name \"docs\" is used twice");
    }

    @Test
    void imagesComeFromTheConfiguredRegistryAndTag() {
        assertThat(container(production.workload(PREFIX + "query-service")).path("image").asText())
                .isEqualTo("registry.example.com/platform/aibridge/query-service:1.4.2");
        assertThat(container(defaults.workload(PREFIX + "query-service")).path("image").asText())
                .isEqualTo("aibridge/query-service:0.1.0-SNAPSHOT");
        RenderedChart pinned = RenderedChart.render("pinned proxy", null, Map.of("proxy.image.tag", "hotfix-1"));
        assertThat(container(pinned.workload(PREFIX + "proxy-service")).path("image").asText())
                .isEqualTo("aibridge/proxy-service:hotfix-1");
    }

    @Test
    void theSpoolIsAnEmptyDirByDefaultAndAClaimPerPodThatOutlivesItOnRequest() {
        JsonNode byDefault = defaults.workload(PREFIX + "proxy-service");
        assertThat(byDefault.path("kind").asText()).isEqualTo("Deployment");
        assertThat(volume(byDefault, "spool").at("/emptyDir/sizeLimit").asText()).isEqualTo("1Gi");
        assertThat(env(container(byDefault), "AIBRIDGE_SPOOL_DIR").isMissingNode()).isTrue(); // from the proxy ConfigMap
        assertThat(defaults.get("ConfigMap", PREFIX + "proxy-service").at("/data/AIBRIDGE_SPOOL_DIR").asText()).isEqualTo("/var/lib/aibridge/spool");
        assertThat(defaults.get("HorizontalPodAutoscaler", PREFIX + "proxy-service").at("/spec/scaleTargetRef/kind").asText())
                .isEqualTo("Deployment");

        // a Deployment's replacement pod is named anew and would never find its predecessor's spool: a StatefulSet's keeps its name
        JsonNode stateful = production.workload(PREFIX + "proxy-service");
        assertThat(stateful.path("kind").asText()).isEqualTo("StatefulSet");
        assertThat(stateful.at("/spec/serviceName").asText()).isEqualTo(PREFIX + "proxy-service-pods");
        assertThat(stateful.at("/spec/podManagementPolicy").asText()).isEqualTo("Parallel");
        assertThat(stateful.at("/spec/strategy").isMissingNode()).as("a Deployment's field").isTrue();
        JsonNode claim = stateful.at("/spec/volumeClaimTemplates/0");
        assertThat(claim.at("/metadata/name").asText()).isEqualTo("spool");
        assertThat(claim.at("/spec/accessModes/0").asText()).isEqualTo("ReadWriteOnce");
        assertThat(claim.at("/spec/storageClassName").asText()).isEqualTo("gp3");
        assertThat(claim.at("/spec/resources/requests/storage").asText()).isEqualTo("5Gi");
        assertThat(stateful.at("/spec/template/spec/volumes").findValuesAsText("name")).doesNotContain("spool");
        JsonNode mount = mount(container(stateful), "spool");
        assertThat(mount.path("mountPath").asText()).isEqualTo("/var/lib/aibridge/spool");
        assertThat(mount.has("subPathExpr")).isFalse();
        JsonNode governing = production.get("Service", PREFIX + "proxy-service-pods");
        assertThat(governing.at("/spec/clusterIP").asText()).isEqualTo("None");
        assertThat(governing.at("/spec/ports").isMissingNode()).as("never a second scrape target").isTrue();
        assertThat(production.get("HorizontalPodAutoscaler", PREFIX + "proxy-service").at("/spec/scaleTargetRef/kind").asText())
                .isEqualTo("StatefulSet");
        assertThat(production.get("PodDisruptionBudget", PREFIX + "proxy-service").at("/spec/selector/matchLabels"))
                .isEqualTo(stateful.at("/spec/selector/matchLabels"));
    }

    @Test
    void theSpoolClaimTemplateCarriesOnlyLabelsThatAnUpgradeLeavesAlone(@TempDir Path dir) throws Exception {
        // Kubernetes refuses any change to a StatefulSet's volumeClaimTemplates: a chart or app version
        // in the claim's labels would make the next helm upgrade fail
        JsonNode stateful = production.workload(PREFIX + "proxy-service");
        JsonNode labels = stateful.at("/spec/volumeClaimTemplates/0/metadata/labels");
        assertThat(labels).isEqualTo(stateful.at("/spec/selector/matchLabels"));
        assertThat(labels.has("helm.sh/chart")).isFalse();
        assertThat(labels.has("app.kubernetes.io/version")).isFalse();

        Map<String, Object> claimPerPod = Map.of("proxy.spool.type", "volumeClaimTemplate");
        JsonNode installed = RenderedChart.render("claim per pod", null, claimPerPod).workload(PREFIX + "proxy-service");
        JsonNode upgraded = RenderedChart.renderCopy("claim per pod, next release",
                RenderedChart.chartWithVersions(dir, "9.8.7", "9.8.7"), claimPerPod).workload(PREFIX + "proxy-service");
        assertThat(upgraded.at("/metadata/labels/app.kubernetes.io~1version").asText()).as("the release did change").isEqualTo("9.8.7");
        assertThat(upgraded.at("/spec/volumeClaimTemplates")).isEqualTo(installed.at("/spec/volumeClaimTemplates"));
        assertThat(upgraded.at("/spec/selector")).isEqualTo(installed.at("/spec/selector"));
    }

    @Test
    void theProxysCapacityAndRateLimitAreOffByDefaultAndSetFromTheirValues() {
        JsonNode unbounded = defaults.get("ConfigMap", PREFIX + "proxy-service").path("data");
        assertThat(unbounded.path("AIBRIDGE_MAX_CONCURRENCY").asText()).isEqualTo("0");
        assertThat(unbounded.path("AIBRIDGE_RATE_LIMIT").asText()).isEqualTo("0");
        JsonNode bounded = RenderedChart.render("bounded proxy", null, Map.of("proxy.maxConcurrency", 400, "proxy.rateLimit", 20))
                .get("ConfigMap", PREFIX + "proxy-service").path("data");
        assertThat(bounded.path("AIBRIDGE_MAX_CONCURRENCY").asText()).isEqualTo("400");
        assertThat(bounded.path("AIBRIDGE_RATE_LIMIT").asText()).isEqualTo("20");
    }

    @Test
    void theProxysRequestBodyDeadlineIsSixtySecondsUnlessItsValueSaysOtherwise() {
        assertThat(defaults.get("ConfigMap", PREFIX + "proxy-service").path("data").path("AIBRIDGE_REQUEST_BODY_TIMEOUT").asText())
                .isEqualTo("60s");
        assertThat(RenderedChart.render("slow uploads", null, Map.of("proxy.requestBodyTimeout", "5m"))
                .get("ConfigMap", PREFIX + "proxy-service").path("data").path("AIBRIDGE_REQUEST_BODY_TIMEOUT").asText()).isEqualTo("5m");
    }

    @Test
    void quietAnthropicStreamsArePingedEveryTenSecondsUnlessTheValueSaysOtherwise() {
        assertThat(defaults.get("ConfigMap", PREFIX + "proxy-service").path("data").path("AIBRIDGE_STREAM_KEEP_ALIVE").asText())
                .isEqualTo("10s");
        assertThat(RenderedChart.render("short ingress timeout", null, Map.of("proxy.streamKeepAlive", "5s"))
                .get("ConfigMap", PREFIX + "proxy-service").path("data").path("AIBRIDGE_STREAM_KEEP_ALIVE").asText()).isEqualTo("5s");
    }

    @Test
    void theProxysCopyOfTheIdentityTopicIsUsedAfterFiveSecondsWithoutKafkaIfADayOldUnlessTheValuesSayOtherwise() {
        JsonNode shipped = defaults.get("ConfigMap", PREFIX + "proxy-service").path("data");
        assertThat(shipped.path("AIBRIDGE_IDENTITY_SNAPSHOT_AFTER").asText()).isEqualTo("5s");
        assertThat(shipped.path("AIBRIDGE_IDENTITY_SNAPSHOT_MAX_AGE").asText()).isEqualTo("24h");
        JsonNode set = RenderedChart.render("identity snapshot", null,
                        Map.of("proxy.spool.identitySnapshotAfter", "15s", "proxy.spool.identitySnapshotMaxAge", "0s"))
                .get("ConfigMap", PREFIX + "proxy-service").path("data");
        assertThat(set.path("AIBRIDGE_IDENTITY_SNAPSHOT_AFTER").asText()).isEqualTo("15s");
        assertThat(set.path("AIBRIDGE_IDENTITY_SNAPSHOT_MAX_AGE").asText()).isEqualTo("0s");
    }

    @Test
    void theProxysCircuitBreakersAreOffByDefaultWithTheReferencesSettingsAndSetFromTheirValues() {
        JsonNode off = defaults.get("ConfigMap", PREFIX + "proxy-service").path("data");
        assertThat(off.path("AIBRIDGE_CIRCUIT_BREAKER_ENABLED").asText()).isEqualTo("false");
        assertThat(off.path("AIBRIDGE_CIRCUIT_BREAKER_FAILURE_THRESHOLD").asText()).isEqualTo("5");
        assertThat(off.path("AIBRIDGE_CIRCUIT_BREAKER_INTERVAL").asText()).isEqualTo("10s");
        assertThat(off.path("AIBRIDGE_CIRCUIT_BREAKER_TIMEOUT").asText()).isEqualTo("30s");
        assertThat(off.path("AIBRIDGE_CIRCUIT_BREAKER_MAX_REQUESTS").asText()).isEqualTo("3");
        JsonNode set = RenderedChart.render("circuit breakers", null, Map.of("proxy.circuitBreaker.enabled", true,
                        "proxy.circuitBreaker.failureThreshold", 10, "proxy.circuitBreaker.interval", "0", "proxy.circuitBreaker.timeout", "1h30m"))
                .get("ConfigMap", PREFIX + "proxy-service").path("data");
        assertThat(set.path("AIBRIDGE_CIRCUIT_BREAKER_ENABLED").asText()).isEqualTo("true");
        assertThat(set.path("AIBRIDGE_CIRCUIT_BREAKER_FAILURE_THRESHOLD").asText()).isEqualTo("10");
        assertThat(set.path("AIBRIDGE_CIRCUIT_BREAKER_INTERVAL").asText()).isEqualTo("0");
        assertThat(set.path("AIBRIDGE_CIRCUIT_BREAKER_TIMEOUT").asText()).isEqualTo("1h30m");
    }

    @Test
    void theRecorderHasTimeToMigrateBeforeItsStartupProbeGivesUp() {
        JsonNode recorder = container(defaults.workload(PREFIX + "recorder-service"));
        JsonNode proxy = container(defaults.workload(PREFIX + "proxy-service"));

        int recorderSeconds = recorder.at("/startupProbe/periodSeconds").asInt() * recorder.at("/startupProbe/failureThreshold").asInt();
        int proxySeconds = proxy.at("/startupProbe/periodSeconds").asInt() * proxy.at("/startupProbe/failureThreshold").asInt();
        assertThat(recorderSeconds).isGreaterThan(proxySeconds).isGreaterThanOrEqualTo(300);
    }

    // ------------------------------------------------------------------ the schema

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of("a negative replica count", Map.of("query.replicaCount", -1), "replicaCount"),
                Arguments.of("a replica count that is not a number", Map.of("recorder.replicaCount", "two"), "replicaCount"),
                Arguments.of("a retention period in words", Map.of("retention.period", "60 days"), "period"),
                Arguments.of("a retention period with an unknown unit", Map.of("retention.period", "3y"), "period"),
                Arguments.of("a retention period in microseconds, which the service refuses", Map.of("retention.period", "5us"), "period"),
                Arguments.of("a retention period in nanoseconds, which the service refuses", Map.of("retention.period", "5ns"), "period"),
                Arguments.of("a collector among the JVM options (two collectors stop the JVM)",
                        Map.of("proxy.javaOptions", "-XX:MaxRAMPercentage=70 -XX:+UseSerialGC"), "javaOptions"),
                Arguments.of("a Kafka JAAS line with its password written into the values",
                        Map.of("kafka.config.sasl\\.jaas\\.config", "PlainLoginModule required password=\"x\";"), "sasl.jaas.config"),
                Arguments.of("a Kafka keystore password written into the values",
                        Map.of("kafka.config.ssl\\.keystore\\.password", "changeit"), "ssl.keystore.password"),
                Arguments.of("a Kafka setting that is not about the connection", Map.of("kafka.config.acks", "1"), "acks"),
                Arguments.of("a Kafka client key written into the values", Map.of("kafka.config.ssl\\.keystore\\.key", "-----BEGIN PRIVATE KEY-----"),
                        "ssl.keystore.key"),
                Arguments.of("a client certificate's key without the Secret's key name", Map.of("kafka.clientCertificate.secretName", "tls",
                        "kafka.clientCertificate.keyKey", ""), "keyKey"),
                Arguments.of("a misspelt client certificate setting", Map.of("kafka.clientCertificate.secret", "tls"), "secret"),
                Arguments.of("a garbage collector that is not one", Map.of("retention.garbageCollector", "-Xmx1g"), "garbageCollector"),
                Arguments.of("a provider instance named like the usage API", Map.of("providers.instances[0].name", "usage",
                        "providers.instances[0].type", "openai"), "name"),
                Arguments.of("a provider key written into the values", Map.of("providers.openai.apiKey", "sk-live-1234"), "apiKey"),
                Arguments.of("a database password written into the values", Map.of("database.credentials.password", "hunter2"), "password"),
                Arguments.of("a misspelt setting", Map.of("proxy.replicas", 3), "replicas"),
                Arguments.of("a spool on a claim shared by pods (a replaced pod would never find its predecessor's events)",
                        Map.of("proxy.spool.type", "persistentVolumeClaim"), "type"),
                Arguments.of("a spool claim without a size", Map.of("proxy.spool.type", "volumeClaimTemplate",
                        "proxy.spool.volumeClaimTemplate.size", ""), "size"),
                Arguments.of("an unknown spool volume type", Map.of("proxy.spool.type", "hostPath"), "type"),
                Arguments.of("a Kafka address without a port", Map.of("kafka.bootstrapServers", "kafka"), "bootstrapServers"),
                Arguments.of("a database URL that is not JDBC", Map.of("database.jdbcUrl", "postgres://db/aibridge"), "jdbcUrl"),
                Arguments.of("an ingress path without a leading slash", Map.of("ingress.proxyPaths[0]", "api/v2/aibridge/openai"), "proxyPaths"),
                Arguments.of("a target CPU above 100 percent", Map.of("proxy.autoscaling.targetCPUUtilizationPercentage", 150), "targetCPUUtilizationPercentage"),
                Arguments.of("an HTTPRoute without a gateway", Map.of("httpRoute.enabled", true), "parentRefs"),
                Arguments.of("an MCP server name with capitals and spaces", Map.of("mcp.servers[0].name", "Docs Server",
                        "mcp.servers[0].url", "https://docs.example.com/mcp"), "name"),
                Arguments.of("an MCP server without a URL", Map.of("mcp.servers[0].name", "docs"), "url"),
                Arguments.of("an MCP token written into the values", Map.of("mcp.servers[0].name", "docs",
                        "mcp.servers[0].url", "https://docs.example.com/mcp", "mcp.servers[0].token", "ghp_secret"), "token"),
                Arguments.of("zero MCP rounds", Map.of("mcp.maxRounds", 0), "maxRounds"),
                Arguments.of("a negative proxy capacity", Map.of("proxy.maxConcurrency", -1), "maxConcurrency"),
                Arguments.of("a rate limit that is not a whole number", Map.of("proxy.rateLimit", 2.5), "rateLimit"),
                Arguments.of("a keep-alive without a unit", Map.of("proxy.streamKeepAlive", "10"), "streamKeepAlive"),
                Arguments.of("a request body deadline in words", Map.of("proxy.requestBodyTimeout", "one minute"), "requestBodyTimeout"),
                Arguments.of("an identity snapshot age in words", Map.of("proxy.spool.identitySnapshotMaxAge", "one day"),
                        "identitySnapshotMaxAge"),
                Arguments.of("an identity snapshot wait without a unit", Map.of("proxy.spool.identitySnapshotAfter", "5"),
                        "identitySnapshotAfter"),
                Arguments.of("a circuit breaker that opens at zero failures", Map.of("proxy.circuitBreaker.failureThreshold", 0),
                        "failureThreshold"),
                Arguments.of("a circuit breaker timeout without a unit", Map.of("proxy.circuitBreaker.timeout", "30"), "timeout"),
                // the proxy reads its durations with Quarkus, which refuses days with hours and seconds with milliseconds
                Arguments.of("a circuit breaker timeout of days and hours", Map.of("proxy.circuitBreaker.timeout", "1d12h"), "timeout"),
                Arguments.of("a circuit breaker interval of seconds and milliseconds", Map.of("proxy.circuitBreaker.interval", "1s500ms"),
                        "interval"),
                Arguments.of("an MCP call timeout of minutes and milliseconds", Map.of("mcp.callTimeout", "1m500ms"), "callTimeout"),
                Arguments.of("a misspelt circuit breaker setting", Map.of("proxy.circuitBreaker.enable", true), "enable"),
                Arguments.of("a provider instance of an unknown type", Map.of("providers.instances[0].name", "aws",
                        "providers.instances[0].type", "bedrock"), "type"),
                Arguments.of("a Copilot base URL without a scheme", Map.of("providers.copilot.baseUrl", "api.business.githubcopilot.com"),
                        "baseUrl"),
                Arguments.of("BYOK as a string", Map.of("proxy.allowByok", "yes"), "allowByok"),
                Arguments.of("an upstream timeout in words", Map.of("proxy.upstream.timeout", "ten minutes"), "timeout"),
                Arguments.of("an upstream timeout of zero, which times out every call", Map.of("proxy.upstream.timeout", "0s"), "timeout"),
                Arguments.of("an upstream timeout of zero milliseconds", Map.of("proxy.upstream.timeout", "0ms"), "timeout"),
                Arguments.of("negative upstream retries", Map.of("proxy.upstream.maxRetries", -1), "maxRetries"),
                Arguments.of("a provider instance named like a query API path", Map.of("providers.instances[0].name", "sessions",
                        "providers.instances[0].type", "openai"), "name"),
                Arguments.of("a provider instance name with capitals", Map.of("providers.instances[0].name", "Corp",
                        "providers.instances[0].type", "openai"), "name"),
                Arguments.of("a provider key written into the instance", Map.of("providers.instances[0].name", "corp",
                        "providers.instances[0].type", "openai", "providers.instances[0].apiKey", "sk-live-1234"), "apiKey"),
                Arguments.of("a provider key written into a key pool", Map.of("providers.openai.apiKeys[0]", "sk-live-1234"), "apiKeys"),
                Arguments.of("a key pool given as one reference", Map.of("providers.anthropic.apiKeys.secretName", "anthropic",
                        "providers.anthropic.apiKeys.key", "api-key"), "apiKeys"),
                Arguments.of("a misspelt key pool setting", Map.of("providers.instances[0].name", "corp",
                        "providers.instances[0].type", "openai", "providers.instances[0].apiKeys[0].secret", "corp",
                        "providers.instances[0].apiKeys[0].key", "api-key"), "secret"),
                Arguments.of("a misspelt Bedrock setting", bedrockInstance("providers.instances[0].bedrock.accessKeyId", "access-key-id"),
                        "accessKeyId"),
                Arguments.of("a Bedrock region that is no AWS region", bedrockInstance("providers.instances[0].bedrock.region", "us-east"),
                        "region"),
                Arguments.of("a Bedrock endpoint without a scheme", bedrockInstance("providers.instances[0].bedrock.baseUrl",
                        "bedrock-runtime.us-east-1.amazonaws.com"), "baseUrl"),
                Arguments.of("AWS keys written into the values", bedrockInstance("providers.instances[0].bedrock.credentials",
                        "AKIAIOSFODNN7EXAMPLE"), "credentials"),
                Arguments.of("Bedrock credentials without a Secret", bedrockInstance(
                        "providers.instances[0].bedrock.credentials.sessionTokenKey", "session-token"), "secretName"),
                Arguments.of("a misspelt Bedrock credentials setting", bedrockInstance(
                        "providers.instances[0].bedrock.credentials.secretName", "aibridge-bedrock",
                        "providers.instances[0].bedrock.credentials.accessKeyKey", "id"), "accessKeyKey"));
    }

    @ParameterizedTest(name = "rejects {0}")
    @MethodSource("badValues")
    void theSchemaRejectsAWrongValueBeforeAnythingIsRendered(String what, Map<String, Object> set, String field) {
        assertThatThrownBy(() -> RenderedChart.render(what, null, set))
                .hasMessageContaining("schema")
                .hasMessageContaining(field);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "60d", "2w", "1440h", "90d12h", "45m", "1.5d", "P60D", "PT1440H", "P2W", "P1DT12H"})
    void theSchemaAcceptsEveryRetentionFormatTheServiceUnderstands(String period) {
        RenderedChart chart = RenderedChart.render("retention " + period, null, Map.of("retention.period", period));

        assertThat(chart.get("ConfigMap", PREFIX + "retention-service").at("/data/AIBRIDGE_RETENTION").asText()).isEqualTo(period);
    }

    @Test
    void anAutoscalerWhoseMinimumExceedsItsMaximumFailsWithAClearMessage() {
        assertThatThrownBy(() -> RenderedChart.render("min above max", null,
                Map.of("proxy.autoscaling.minReplicas", 5, "proxy.autoscaling.maxReplicas", 3)))
                .hasMessageContaining("proxy.autoscaling.minReplicas (5) must not exceed proxy.autoscaling.maxReplicas (3)");
    }

    // ------------------------------------------------------------------ helpers

    private static String name(JsonNode object) {
        return object.path("kind").asText() + " " + object.at("/metadata/name").asText();
    }

    /** A working Bedrock instance's --set pairs, changed by key-value pairs (a null value removes the key). */
    private static Map<String, Object> bedrockInstance(Object... changes) {
        Map<String, Object> set = new HashMap<>(Map.of(
                "providers.instances[0].name", "claude-aws", "providers.instances[0].type", "anthropic",
                "providers.instances[0].bedrock.region", "us-east-1",
                "providers.instances[0].bedrock.model", "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "providers.instances[0].bedrock.smallFastModel", "us.anthropic.claude-haiku-4-5-20251001-v1:0"));
        return change(set, changes);
    }

    /** Applies key-value pairs to --set pairs; a null value removes the key. */
    private static Map<String, Object> change(Map<String, Object> set, Object... changes) {
        for (int i = 0; i < changes.length; i += 2) {
            if (changes[i + 1] == null) {
                set.remove((String) changes[i]);
            } else {
                set.put((String) changes[i], changes[i + 1]);
            }
        }
        return set;
    }

    /**
     * A key pool as the proxy gets it: one variable per reference, part_0, part_1, ..., each from
     * its Secret, and after them the proxy's variable, which holds no key but only references to
     * them, in the list's order, for Kubernetes to expand ($(VAR) sees only earlier variables).
     */
    @SafeVarargs
    private static void assertKeyPool(JsonNode container, String variable, String part, List<String>... references) {
        List<String> names = envNames(container);
        List<String> expanded = new ArrayList<>();
        for (int j = 0; j < references.length; j++) {
            String name = part + "_" + j;
            assertSecretRef(env(container, name), references[j].get(0), references[j].get(1));
            assertThat(names.indexOf(name)).as("%s comes before %s", name, variable).isLessThan(names.indexOf(variable));
            expanded.add("$(" + name + ")");
        }
        assertThat(env(container, part + "_" + references.length).isMissingNode()).as("no more parts than references").isTrue();
        JsonNode composed = env(container, variable);
        assertThat(composed.path("value").asText()).isEqualTo(String.join(",", expanded));
        assertThat(composed.has("valueFrom")).isFalse();
        assertThat(names).filteredOn(variable::equals).hasSize(1);
    }

    private static List<String> envNames(JsonNode container) {
        return texts(container.path("env"), "name");
    }

    private static void assertSecretRef(JsonNode variable, String secret, String key) {
        assertThat(variable.isMissingNode()).as("variable is missing").isFalse();
        assertThat(variable.has("value")).isFalse();
        assertThat(variable.at("/valueFrom/secretKeyRef/name").asText()).isEqualTo(secret);
        assertThat(variable.at("/valueFrom/secretKeyRef/key").asText()).isEqualTo(key);
    }

    private static List<String> texts(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    private static List<String> texts(JsonNode array, String field) {
        return StreamSupport.stream(array.spliterator(), false).map(n -> n.path(field).asText()).toList();
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> mountPaths(JsonNode container) {
        return texts(container.path("volumeMounts"), "mountPath");
    }

    private static List<String> configMapRefs(JsonNode container) {
        return StreamSupport.stream(container.path("envFrom").spliterator(), false)
                .map(e -> e.at("/configMapRef/name").asText()).filter(n -> !n.isEmpty()).toList();
    }

    private static JsonNode volume(JsonNode deployment, String name) {
        return StreamSupport.stream(deployment.at("/spec/template/spec/volumes").spliterator(), false)
                .filter(v -> name.equals(v.path("name").asText())).findFirst().orElseThrow();
    }

    private static JsonNode mount(JsonNode container, String name) {
        return StreamSupport.stream(container.path("volumeMounts").spliterator(), false)
                .filter(v -> name.equals(v.path("name").asText())).findFirst().orElseThrow();
    }
}

package io.aibridge.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.UnaryOperator;
import java.util.stream.StreamSupport;

/** The objects {@code helm template} renders for the chart, parsed from its multi-document YAML. */
final class RenderedChart {

    static final Path CHART = Path.of(System.getProperty("aibridge.chart.dir", "../helm/aibridge")).toAbsolutePath().normalize();
    static final Path PRODUCTION_VALUES = CHART.resolve("ci/production-values.yaml");
    static final String RELEASE = "bridge";
    static final YAMLMapper YAML = new YAMLMapper();
    /** Helm's template default is an old Kubernetes; render for a current one. */
    static final String KUBE_VERSION = "1.31.0";

    private final String name;
    private final List<JsonNode> objects;

    private RenderedChart(String name, List<JsonNode> objects) {
        this.name = name;
        this.objects = objects;
    }

    /** Renders with the chart's defaults plus an optional values file and {@code --set} pairs. */
    static RenderedChart render(String name, Path valuesFile, Map<String, Object> set) {
        return render(name, command -> {
            if (valuesFile != null) {
                command.withValuesFile(valuesFile);
            }
            set.forEach(command::set);
            return command;
        });
    }

    static RenderedChart render(String name, UnaryOperator<TemplateCommand> options) {
        return render(name, CHART, options);
    }

    /** Renders a copy of the chart, e.g. {@link #chartWithoutSchema}, with --set pairs. */
    static RenderedChart renderCopy(String name, Path chart, Map<String, Object> set) {
        return render(name, chart, command -> {
            set.forEach(command::set);
            return command;
        });
    }

    private static RenderedChart render(String name, Path chart, UnaryOperator<TemplateCommand> options) {
        String manifest = options.apply(new Helm(chart).template().withName(RELEASE).withNamespace("aibridge").withKubeVersion(KUBE_VERSION)).call();
        List<JsonNode> objects = new ArrayList<>();
        try {
            Iterator<JsonNode> documents = YAML.readerFor(JsonNode.class).readValues(manifest);
            documents.forEachRemaining(document -> {
                if (document != null && document.isObject() && document.has("kind")) {
                    objects.add(document);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("helm rendered YAML that does not parse", e);
        }
        return new RenderedChart(name, objects);
    }

    List<JsonNode> all() {
        return objects;
    }

    List<JsonNode> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    JsonNode get(String kind, String objectName) {
        return ofKind(kind).stream()
                .filter(o -> objectName.equals(o.path("metadata").path("name").asText()))
                .findFirst()
                .orElseThrow(() -> new NoSuchElementException(kind + " " + objectName + " was not rendered (" + name + ")"));
    }

    /** The Deployments and StatefulSets (the proxy is one when its spool has a claim per pod). */
    List<JsonNode> workloads() {
        return objects.stream().filter(o -> List.of("Deployment", "StatefulSet").contains(o.path("kind").asText())).toList();
    }

    /** The Deployment or StatefulSet of that name. */
    JsonNode workload(String objectName) {
        return workloads().stream()
                .filter(o -> objectName.equals(o.path("metadata").path("name").asText()))
                .findFirst()
                .orElseThrow(() -> new NoSuchElementException("no workload " + objectName + " was rendered (" + name + ")"));
    }

    /** The single container of a Deployment. */
    static JsonNode container(JsonNode deployment) {
        JsonNode containers = deployment.path("spec").path("template").path("spec").path("containers");
        if (containers.size() != 1) {
            throw new AssertionError(deployment.path("metadata").path("name").asText() + " has " + containers.size() + " containers");
        }
        return containers.get(0);
    }

    /** A container's environment variable by name, or a missing node. */
    static JsonNode env(JsonNode container, String variable) {
        return StreamSupport.stream(container.path("env").spliterator(), false)
                .filter(e -> variable.equals(e.path("name").asText()))
                .findFirst()
                .orElse(YAML.missingNode());
    }

    /**
     * A copy of the chart whose values.yaml is the defaults overlaid with a values file, for
     * {@code helm lint}, which takes no values file of its own.
     */
    static Path chartWithValues(Path target, Path valuesFile) throws IOException {
        copy(target, null);
        JsonNode merged = merge(YAML.readTree(CHART.resolve("values.yaml").toFile()), YAML.readTree(valuesFile.toFile()));
        YAML.writeValue(target.resolve("values.yaml").toFile(), merged);
        return target;
    }

    /**
     * A copy of the chart without values.schema.json, as {@code --skip-schema-validation} renders
     * it: for the templates' own checks of what the schema already refuses.
     */
    static Path chartWithoutSchema(Path target) throws IOException {
        return copy(target, "values.schema.json");
    }

    /**
     * A copy of the chart whose Chart.yaml gives another chart version and appVersion, as the next
     * release of the chart would: for what an upgrade changes.
     */
    static Path chartWithVersions(Path target, String version, String appVersion) throws IOException {
        copy(target, null);
        Path chartYaml = target.resolve("Chart.yaml");
        String original = Files.readString(chartYaml);
        String changed = original.replaceFirst("(?m)^version: .*$", "version: " + version)
                .replaceFirst("(?m)^appVersion: .*$", "appVersion: \"" + appVersion + "\"");
        if (!changed.contains("\nversion: " + version + "\n") || !changed.contains("appVersion: \"" + appVersion + "\"")) {
            throw new IllegalStateException("Chart.yaml has no version or appVersion line to replace");
        }
        Files.writeString(chartYaml, changed);
        return target;
    }

    /** Copies the chart to target, leaving out one file (a path inside the chart; null for none). */
    private static Path copy(Path target, String leaveOut) throws IOException {
        try (var files = Files.walk(CHART)) {
            for (Path source : files.toList()) {
                String relative = CHART.relativize(source).toString();
                if (relative.equals(leaveOut)) {
                    continue;
                }
                Path copy = target.resolve(relative);
                if (Files.isDirectory(source)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(source, copy);
                }
            }
        }
        return target;
    }

    /** Helm's rule for values files: maps merge key by key, anything else is replaced. */
    private static JsonNode merge(JsonNode base, JsonNode override) {
        if (!(base instanceof ObjectNode baseObject) || !override.isObject()) {
            return override;
        }
        ObjectNode result = baseObject.deepCopy();
        override.fields().forEachRemaining(field ->
                result.set(field.getKey(), result.has(field.getKey()) ? merge(result.get(field.getKey()), field.getValue()) : field.getValue()));
        return result;
    }

    @Override
    public String toString() {
        return name;
    }
}

package io.aibridge.bench;

import io.aibridge.bench.stack.Stack;
import io.aibridge.testing.Database;
import io.aibridge.testing.KafkaBroker;
import io.aibridge.testing.fake.FakeProvider;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A small stack for the smoke test, shaped like the one {@code bench/run.sh} starts: the packaged
 * proxy-, recorder- and query-service as child processes on free ports, over an in-JVM Kafka
 * broker, an embedded PostgreSQL and the fake provider, with an {@code AIBRIDGE_HOME} holding the
 * bootstrap token and the services' pid files (where the benchmarks find them). The services'
 * logs go to {@code target/smoke-stack/logs/}.
 */
final class SmokeStack implements AutoCloseable {

    private static final List<String> SERVICES = List.of("proxy-service", "recorder-service", "query-service");

    private final KafkaBroker kafka;
    private final Database database;
    private final FakeProvider fake;
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Path home;
    private Stack stack;

    private SmokeStack(Path home) {
        this.home = home;
        this.kafka = KafkaBroker.start();
        this.database = Database.start().migrate();
        this.fake = FakeProvider.start(FakeProvider.Options.defaults().maxRecorded(100));
    }

    static SmokeStack start(Path repo, Path home) throws Exception {
        deleteRecursively(home);
        Files.createDirectories(home.resolve("run"));
        Files.createDirectories(home.resolve("logs"));
        Files.createDirectories(home.resolve("tmp"));
        SmokeStack s = new SmokeStack(home);
        try {
            s.launch(repo);
        } catch (Exception | AssertionError e) {
            s.close();
            throw e;
        }
        return s;
    }

    Stack stack() {
        return stack;
    }

    private void launch(Path repo) throws Exception {
        String token = "bench-smoke-" + UUID.randomUUID();
        Files.writeString(home.resolve("bootstrap-token"), token);
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (String service : SERVICES) {
            ports.put(service, freePort());
        }
        for (String service : SERVICES) {
            Path jar = repo.resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is missing: build it in the same run (./mvnw -B -pl bench -am verify)");
            }
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx384m", "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=" + home.resolve("tmp"), "-jar", jar.toString()));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(home.resolve("logs").resolve(service + ".log").toFile());
            Map<String, String> env = builder.environment();
            env.keySet().removeIf(k -> k.startsWith("AIBRIDGE_") || k.startsWith("KAFKA_") || k.startsWith("QUARKUS_"));
            env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
            env.put("AIBRIDGE_DB_URL", database.jdbcUrl());
            env.put("AIBRIDGE_DB_USER", database.user());
            env.put("AIBRIDGE_DB_PASSWORD", database.password());
            env.put("AIBRIDGE_BOOTSTRAP_TOKEN", token);
            env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
            env.put("AIBRIDGE_PROXY_PORT", ports.get("proxy-service").toString());
            env.put("AIBRIDGE_RECORDER_PORT", ports.get("recorder-service").toString());
            env.put("AIBRIDGE_QUERY_PORT", ports.get("query-service").toString());
            env.put("AIBRIDGE_OPENAI_BASE_URL", fake.openAiBaseUrl());
            env.put("AIBRIDGE_ANTHROPIC_BASE_URL", fake.anthropicBaseUrl());
            env.put("AIBRIDGE_OPENAI_KEY", "smoke-openai-key");
            env.put("AIBRIDGE_ANTHROPIC_KEY", "smoke-anthropic-key");
            Process process = builder.start();
            processes.put(service, process);
            Files.writeString(home.resolve("run").resolve(service + ".pid"), Long.toString(process.pid()));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> processes.values().forEach(Process::destroyForcibly)));
        for (String service : SERVICES) {
            awaitReady(service, ports.get(service), Duration.ofSeconds(180));
        }
        stack = new Stack(repo, home, url(ports.get("proxy-service")), fake.baseUrl(), url(ports.get("query-service")),
                url(ports.get("recorder-service")), kafka.bootstrapServers(), database.jdbcUrl(), database.user(), database.password(),
                freePort());
    }

    private void awaitReady(String service, int port, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Process process = processes.get(service);
            if (!process.isAlive()) {
                throw new IllegalStateException(service + " exited with " + process.exitValue() + "; see " + home.resolve("logs"));
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url(port) + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notListeningYet) {
                // starting
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(service + " was not ready within " + timeout.toSeconds() + " s; see " + home.resolve("logs"));
    }

    private static String url(int port) {
        return "http://127.0.0.1:" + port;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public void close() {
        for (Process process : processes.values()) {
            process.destroy();
        }
        for (Process process : processes.values()) {
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        fake.close();
        kafka.close();
        database.close();
    }
}

package io.aibridge.cli.testing;

import io.aibridge.testing.Database;
import io.aibridge.testing.KafkaBroker;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The real query-service, as shipped: its packaged {@code quarkus-run.jar} started as a child
 * process on a free port, over an embedded PostgreSQL with the schema applied and an in-JVM Kafka
 * broker, with a bootstrap token. Started once for the whole test run; its log goes to
 * {@code target/query-service-test.log}.
 */
public final class QueryServiceProcess implements AutoCloseable {

    private final Database database;
    private final KafkaBroker kafka;
    private final Process process;
    private final String url;
    private final String bootstrapToken;
    private final Path log;

    private QueryServiceProcess(Database database, KafkaBroker kafka, Process process, String url, String bootstrapToken, Path log) {
        this.database = database;
        this.kafka = kafka;
        this.process = process;
        this.url = url;
        this.bootstrapToken = bootstrapToken;
        this.log = log;
    }

    public static QueryServiceProcess start() {
        Path jar = Path.of(System.getProperty("aibridge.query-service.jar", "../query-service/target/quarkus-app/quarkus-run.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build it in the same run, e.g. ./mvnw -B -pl cli -am verify");
        }
        Database database = Database.start().migrate();
        KafkaBroker kafka = KafkaBroker.start();
        int port = freePort();
        String token = "cli-test-bootstrap-" + UUID.randomUUID();
        Path log = Path.of(System.getProperty("aibridge.test.logs", "target")).resolve("query-service-test.log");
        ProcessBuilder builder = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-jar", jar.toAbsolutePath().toString()));
        Map<String, String> env = builder.environment();
        env.put("AIBRIDGE_DB_URL", database.jdbcUrl());
        env.put("AIBRIDGE_DB_USER", database.user());
        env.put("AIBRIDGE_DB_PASSWORD", database.password());
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("AIBRIDGE_BOOTSTRAP_TOKEN", token);
        env.put("AIBRIDGE_QUERY_PORT", String.valueOf(port));
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        Process process;
        try {
            Files.createDirectories(log.getParent());
            process = builder.start();
        } catch (IOException e) {
            kafka.close();
            database.close();
            throw new IllegalStateException("could not start query-service", e);
        }
        QueryServiceProcess service = new QueryServiceProcess(database, kafka, process, "http://127.0.0.1:" + port, token, log);
        // a test JVM that dies must not leave the service running
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        try {
            service.awaitReady(Duration.ofSeconds(120));
        } catch (RuntimeException e) {
            service.close();
            throw e;
        }
        return service;
    }

    /** Ready when the bootstrap admin shows in the users list: the identity topic is read and written. */
    private void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("query-service exited with " + process.exitValue() + "; log:\n" + tail());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/api/v2/users"))
                        .header("Authorization", "Bearer " + bootstrapToken).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"admin\"")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(250);
        }
        throw new IllegalStateException("query-service was not ready within " + timeout.toSeconds() + "s; log:\n" + tail());
    }

    public String url() {
        return url;
    }

    public String bootstrapToken() {
        return bootstrapToken;
    }

    public Database database() {
        return database;
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(Duration.ofSeconds(20).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            kafka.close();
            database.close();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

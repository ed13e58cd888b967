package io.aibridge.system.stack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One of the four services, run from its packaged {@code quarkus-run.jar}. */
public final class Service {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final int port;
    private final ChildProcess process;

    Service(String name, int port, List<String> command, Map<String, String> environment, java.nio.file.Path logs,
            java.nio.file.Path workingDirectory) {
        this.name = name;
        this.port = port;
        this.process = new ChildProcess(name, command, environment, logs.resolve(name + ".log"), workingDirectory);
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public ChildProcess process() {
        return process;
    }

    public Service start() {
        process.start();
        return this;
    }

    /** Starts with some settings changed for this incarnation only (the next {@link #start()} has the usual ones). */
    public Service start(Map<String, String> environmentOverrides) {
        process.start(environmentOverrides);
        return this;
    }

    /** Waits until {@code /q/health/ready} answers 200. */
    public Service awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.alive()) {
                throw new IllegalStateException(name + " exited during start:\n" + process.tail(60));
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return this;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " was not ready within " + timeout + ":\n" + process.tail(60));
            }
            KafkaServer.sleep(200);
        }
    }

    /** The Prometheus text of {@code /q/metrics}; fails on any other answer (which would read as every metric at 0). */
    public String metricsText() {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/q/metrics")).timeout(Duration.ofSeconds(5))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                String body = r.body();
                throw new IllegalStateException(name + "'s /q/metrics answered " + r.statusCode() + ": "
                        + body.substring(0, Math.min(300, body.length())));
            }
            return r.body();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The sum of every series of a metric (all label sets). */
    public double metric(String name) {
        return sum(metricsText(), name);
    }

    static double sum(String text, String metric) {
        Pattern p = Pattern.compile("^" + Pattern.quote(metric) + "(\\{[^}]*\\})? ([0-9.eE+-]+|NaN)$", Pattern.MULTILINE);
        Matcher m = p.matcher(text);
        double total = 0;
        while (m.find()) {
            if (!m.group(2).equals("NaN")) {
                total += Double.parseDouble(m.group(2));
            }
        }
        return total;
    }

    /** Every series of a metric, as label text to value. */
    static List<String> series(String text, String metric) {
        List<String> out = new ArrayList<>();
        text.lines().filter(l -> l.startsWith(metric + "{") || l.startsWith(metric + " ")).forEach(out::add);
        return out;
    }
}

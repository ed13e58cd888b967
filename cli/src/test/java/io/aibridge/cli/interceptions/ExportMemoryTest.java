package io.aibridge.cli.interceptions;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Memory stays flat: a separate JVM with a 32 MB heap exports 64 MB of interceptions (pages of
 * 8 MB, each interception with an 8 KB prompt). Holding a page, let alone the whole result, would
 * not fit; streaming each interception to the file as it is parsed does.
 */
class ExportMemoryTest {

    static final int ROWS = 8000;
    static final int PROMPT = 8 * 1024;

    @TempDir
    Path dir;

    @Test
    void exportsSixtyFourMegabytesThroughAThirtyTwoMegabyteHeap() throws Exception {
        HttpServer api = syntheticApi();
        try {
            Path out = dir.resolve("big.jsonl");
            Path log = dir.resolve("stderr.txt");
            Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx32m", "-cp", System.getProperty("java.class.path"), "io.aibridge.cli.AibridgeCommand",
                    "interceptions", "export", "--url", "http://127.0.0.1:" + api.getAddress().getPort(), "--token", "t",
                    "--output", out.toString()))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();

            assertThat(p.exitValue()).as(Files.readString(log)).isZero();
            assertThat(Files.size(out)).isGreaterThan((long) ROWS * PROMPT);
            long lines;
            try (var stream = Files.lines(out)) {
                lines = stream.count();
            }
            assertThat(lines).isEqualTo(ROWS);
            assertThat(Files.readString(log)).contains("Exported 8,000 interceptions");
        } finally {
            api.stop(0);
        }
    }

    /** Pages of {@code limit} interceptions after {@code after_id}, generated while they are written. */
    private static HttpServer syntheticApi() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String prompt = "x".repeat(PROMPT);
        Instant newest = Instant.parse("2026-03-01T00:00:00Z");
        server.createContext("/api/v2/aibridge/interceptions", exchange -> {
            Map<String, String> q = query(exchange.getRequestURI().getRawQuery());
            int limit = Integer.parseInt(q.getOrDefault("limit", "100"));
            int from = q.containsKey("after_id") ? Integer.parseInt(q.get("after_id").substring(24)) + 1 : 0;
            int to = Math.min(ROWS, from + limit);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream body = new BufferedOutputStream(exchange.getResponseBody(), 64 * 1024)) {
                body.write(("{\"count\":" + ROWS + ",\"results\":[").getBytes(StandardCharsets.UTF_8));
                for (int i = from; i < to; i++) {
                    String id = String.format("00000000-0000-4000-8000-%012d", i);
                    String row = (i > from ? "," : "") + "{\"id\":\"" + id + "\",\"started_at\":\"" + newest.minusSeconds(i)
                            + "\",\"initiator\":{\"id\":\"" + id + "\",\"username\":\"u\"},\"user_prompts\":[{\"prompt\":\"" + prompt
                            + "\"}],\"token_usages\":[{\"input_tokens\":" + i + "}]}";
                    body.write(row.getBytes(StandardCharsets.UTF_8));
                }
                body.write("]}".getBytes(StandardCharsets.UTF_8));
            }
            try (InputStream ignored = exchange.getRequestBody()) {
                exchange.close();
            }
        });
        server.start();
        return server;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                q.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return q;
    }
}

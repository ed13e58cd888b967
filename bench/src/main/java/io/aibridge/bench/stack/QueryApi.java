package io.aibridge.bench.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;

/** query-service's REST API as a client sees it: HTTP/1.1, a bearer token, JSON answers. */
public final class QueryApi {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;
    private final String token;

    public QueryApi(String baseUrl, String token) {
        this.baseUrl = baseUrl;
        this.token = token;
    }

    /** The URL of a path under the API with these query parameters (values encoded). */
    public URI uri(String path, Map<String, String> params) {
        StringJoiner query = new StringJoiner("&");
        params.forEach((k, v) -> query.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return URI.create(baseUrl + path + (params.isEmpty() ? "" : "?" + query));
    }

    /** GET, expecting 200; the body parsed. */
    public JsonNode get(String path, Map<String, String> params) {
        URI uri = uri(path, params);
        try {
            return JSON.readTree(getRaw(uri));
        } catch (IOException e) {
            throw new IllegalStateException("GET " + uri + " did not answer JSON: " + e.getMessage(), e);
        }
    }

    /** GET, expecting 200; the body as it came (for timing: the caller decides whether to parse). */
    public String getRaw(URI uri) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(120))
                .header("Authorization", "Bearer " + token).header("Accept", "application/json").GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + uri + " answered " + response.statusCode() + ": " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException("GET " + uri + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The exact {@code count} of ended interceptions started in [from, to], as the list endpoint reports it. */
    public long interceptionCount(java.time.Instant from, java.time.Instant to) {
        return get("/api/v2/aibridge/interceptions", Map.of("started_after", from.toString(), "started_before", to.toString(),
                "limit", "1")).path("count").asLong();
    }

    /**
     * Counts the interceptions started in [from, to] until there are {@code expected}, or the count
     * has not moved for 15 s, or two minutes have passed; returns the last count (what is missing
     * is then reported as missing).
     */
    public long awaitInterceptions(java.time.Instant from, java.time.Instant to, long expected) throws InterruptedException {
        long last = -1;
        long unchangedSince = System.nanoTime();
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(120).toNanos();
        while (true) {
            long count = interceptionCount(from, to);
            if (count >= expected || System.nanoTime() > deadline) {
                return count;
            }
            if (count != last) {
                last = count;
                unchangedSince = System.nanoTime();
            } else if (System.nanoTime() - unchangedSince > java.time.Duration.ofSeconds(15).toNanos()) {
                return count;
            }
            Thread.sleep(250);
        }
    }
}

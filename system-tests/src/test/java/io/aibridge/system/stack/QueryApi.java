package io.aibridge.system.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** query-service's REST API as the tests use it: users and keys (admin), interceptions and sessions (read). */
public final class QueryApi {

    public static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String baseUrl;
    private final String adminToken;
    /** Every token this run created: the secret scan looks for each of them. */
    private final java.util.Set<String> tokens = java.util.concurrent.ConcurrentHashMap.newKeySet();

    QueryApi(String baseUrl, String adminToken) {
        this.baseUrl = baseUrl;
        this.adminToken = adminToken;
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** A user with one API key. */
    public record User(String id, String username, String keyId, String token) {
    }

    /** Creates a member and a key for it through the admin API. */
    public User createUser(String username) {
        JsonNode user = json(send("POST", "/api/v2/users", "{\"username\":\"" + username + "\",\"name\":\"System test " + username
                + "\",\"role\":\"member\"}", adminToken), 201);
        JsonNode key = json(send("POST", "/api/v2/users/" + username + "/keys", "{\"name\":\"system-test\"}", adminToken), 201);
        String token = key.path("token").asText();
        if (token.isBlank()) {
            throw new IllegalStateException("the new key of " + username + " came without its token: " + key);
        }
        tokens.add(token);
        return new User(user.path("id").asText(), username, key.path("id").asText(), token);
    }

    /** The tokens of every key created through {@link #createUser}. */
    public java.util.Set<String> createdTokens() {
        return java.util.Set.copyOf(tokens);
    }

    public void revoke(User user) {
        json(send("DELETE", "/api/v2/users/" + user.username() + "/keys/" + user.keyId(), null, adminToken), 200);
    }

    /** Every interception of this user, all pages (oldest first within the API's newest-first pages, as returned). */
    public List<JsonNode> interceptions(String username) {
        List<JsonNode> out = new ArrayList<>();
        String after = null;
        while (true) {
            String path = "/api/v2/aibridge/interceptions?initiator=" + encode(username) + "&limit=1000"
                    + (after == null ? "" : "&after_id=" + after);
            JsonNode page = json(send("GET", path, null, adminToken), 200);
            page.path("results").forEach(out::add);
            if (page.path("results").size() < 1000) {
                return out;
            }
            after = page.path("results").get(page.path("results").size() - 1).path("id").asText();
        }
    }

    /** The exact number of this user's visible interceptions. */
    public long count(String username) {
        return json(send("GET", "/api/v2/aibridge/interceptions?initiator=" + encode(username) + "&limit=1", null, adminToken), 200)
                .path("count").asLong();
    }

    public JsonNode sessions(String username) {
        return json(send("GET", "/api/v2/aibridge/sessions?initiator=" + encode(username) + "&limit=1000", null, adminToken), 200);
    }

    /** Any request; the body is sent as JSON when given. */
    public HttpResponse<String> send(String method, String path, String body, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(HttpResponse<String> r, int expected) {
        if (r.statusCode() != expected) {
            throw new IllegalStateException(r.request().method() + " " + r.uri() + " answered " + r.statusCode() + ": " + r.body());
        }
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}

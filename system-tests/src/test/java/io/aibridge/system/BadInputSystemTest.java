package io.aibridge.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.system.stack.QueryApi;
import io.aibridge.system.stack.StackExtension;
import io.aibridge.system.stack.SystemStack;
import io.aibridge.system.traffic.Clients;
import io.aibridge.system.traffic.Expected;
import io.aibridge.system.traffic.Verify;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bad-input corpus against the running proxy and query API: malformed, truncated, mistyped,
 * huge, deeply nested and non-UTF-8 bodies, broken header blocks, path traversal and SQL in ids
 * and filters, and missing, forged and revoked tokens. Every case answers 4xx in the caller's
 * format (the provider's error JSON on the proxy, {@code {message, ...}} on the API), none 5xx, and
 * afterwards both services still serve and still record.
 */
@Order(9)
@ExtendWith(StackExtension.class)
class BadInputSystemTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String CLAUDE = "claude-sonnet-4-5-20250929";

    /** One request of the corpus. {@code format} is how its error must look: anthropic, openai, api, or any (HTTP codec level). */
    private record Case(String name, String format, String method, String url, Map<String, String> headers, byte[] body) {
    }

    @Test
    void everyBadInputAnswersAClear4xxInTheCallersFormatAndTheServicesKeepServing(SystemStack stack) throws Exception {
        QueryApi.User user = Faults.user(stack, "bad-input");
        QueryApi.User revoked = Faults.user(stack, "bad-input-revoked");
        stack.api().revoke(revoked);
        Await.until("the proxy refuses the revoked key", Duration.ofSeconds(30), () -> Users.proxyStatus(stack, revoked.token()) == 401);

        List<Case> corpus = new ArrayList<>();
        proxyCases(corpus, stack, "anthropic", stack.anthropicBaseUrl() + "/v1/messages", "x-api-key", "",
                "{\"model\":\"" + CLAUDE + "\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", user, revoked);
        proxyCases(corpus, stack, "openai", stack.openAiBaseUrl() + "/chat/completions", "Authorization", "Bearer ",
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", user, revoked);
        proxyCases(corpus, stack, "openai", stack.openAiBaseUrl() + "/responses", "Authorization", "Bearer ",
                "{\"model\":\"gpt-5.3-codex\",\"input\":\"hi\"}", user, revoked);
        queryCases(corpus, stack, user, revoked);

        List<String> wrong = new ArrayList<>();
        StringBuilder table = new StringBuilder();
        for (Case c : corpus) {
            Answer a = send(c);
            String problem = judge(c, a);
            table.append(String.format("%n  %-3d %-9s %-62s %s", a.status, c.format, c.name, problem == null ? "ok" : "WRONG: " + problem));
            if (problem != null) {
                wrong.add(c.name + " -> " + a.status + " " + abbreviate(a.body) + ": " + problem);
            }
        }
        SystemStack.log("bad-input: %d cases%s", corpus.size(), table);
        assertThat(wrong).as("cases not answered with a clear 4xx in the caller's format").isEmpty();

        // both services still serve, and the proxy still records
        assertThat(stack.proxy().process().alive()).isTrue();
        assertThat(stack.query().process().alive()).isTrue();
        List<Expected> expected = new ArrayList<>();
        try (Clients clients = new Clients(stack, user.token())) {
            expected.add(clients.messagesStreaming("When does the contract renew? [scenario:cache-tokens]"));
            expected.add(clients.chatBlocking("When does the contract renew? [scenario:cache-tokens]"));
        }
        // the exact count also proves that no request of the corpus became an interception
        Verify.exactly(stack, "bad-input", user.username(), expected, Faults.SETTLE);
    }

    private static void proxyCases(List<Case> corpus, SystemStack stack, String format, String url, String authHeader, String prefix,
                                   String valid, QueryApi.User user, QueryApi.User revoked) {
        String route = url.substring(url.indexOf("/api/"));
        Map<String, String> auth = Map.of(authHeader, prefix + user.token(), "Content-Type", "application/json",
                "anthropic-version", "2023-06-01");
        byte[] huge = ("{\"model\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat(3 * 1024 * 1024) + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        corpus.add(new Case(route + " malformed JSON", format, "POST", url, auth, utf8("{\"model\": \"x\", \"messages\": [")));
        corpus.add(new Case(route + " truncated JSON", format, "POST", url, auth, utf8(valid.substring(0, valid.length() / 2))));
        corpus.add(new Case(route + " empty body", format, "POST", url, auth, new byte[0]));
        corpus.add(new Case(route + " an array, not an object", format, "POST", url, auth, utf8("[1,2,3]")));
        corpus.add(new Case(route + " model is a number", format, "POST", url, auth, utf8(valid.replaceFirst("\"model\":\"[^\"]+\"", "\"model\":42"))));
        corpus.add(new Case(route + " trailing garbage", format, "POST", url, auth, utf8(valid + "}}")));
        corpus.add(new Case(route + " 3 MiB body", format, "POST", url, auth, huge));
        corpus.add(new Case(route + " 100000 nested arrays", format, "POST", url, auth,
                utf8("{\"model\":\"x\",\"messages\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}")));
        ByteArrayOutputStream invalidUtf8 = new ByteArrayOutputStream();
        invalidUtf8.writeBytes(utf8(valid.substring(0, valid.indexOf("hi"))));
        invalidUtf8.writeBytes(new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xFE});
        invalidUtf8.writeBytes(utf8(valid.substring(valid.indexOf("hi") + 2)));
        corpus.add(new Case(route + " invalid UTF-8", format, "POST", url, auth, invalidUtf8.toByteArray()));
        corpus.add(new Case(route + " no token", format, "POST", url, Map.of("Content-Type", "application/json"), utf8(valid)));
        corpus.add(new Case(route + " forged token", format, "POST", url, Map.of(authHeader, prefix + "aibridge-forged-0123456789abcdef",
                "Content-Type", "application/json"), utf8(valid)));
        corpus.add(new Case(route + " revoked token", format, "POST", url, Map.of(authHeader, prefix + revoked.token(),
                "Content-Type", "application/json"), utf8(valid)));
        corpus.add(new Case(route + " header block with a line that is no header (raw)", "any", "RAW", url,
                Map.of(authHeader, prefix + user.token()), utf8(valid)));
        corpus.add(new Case(route + " 64 KiB header (raw)", "any", "RAW-BIG", url, Map.of(authHeader, prefix + user.token()), utf8(valid)));
    }

    private static void queryCases(List<Case> corpus, SystemStack stack, QueryApi.User user, QueryApi.User revoked) {
        String api = stack.api().baseUrl();
        Map<String, String> admin = Map.of("Authorization", "Bearer " + stack.bootstrapToken, "Content-Type", "application/json");
        Map<String, String> member = Map.of("Authorization", "Bearer " + user.token(), "Content-Type", "application/json");
        for (String path : List.of(
                "/api/v2/aibridge/interceptions/..%2F..%2F..%2Fetc%2Fpasswd",
                "/api/v2/aibridge/interceptions/not-a-uuid",
                "/api/v2/aibridge/sessions/'%20OR%201=1--",
                "/api/v2/users/..%2Fadmin",
                "/api/v2/users/admin/keys/..%2F..%2Fx",
                "/api/v2/aibridge/interceptions?initiator='%20OR%20'1'='1",
                "/api/v2/aibridge/interceptions?model=x'%3B%20DROP%20TABLE%20interceptions%3B--&initiator=nobody-at-all",
                "/api/v2/aibridge/interceptions?limit=abc",
                "/api/v2/aibridge/interceptions?limit=-5",
                "/api/v2/aibridge/interceptions?limit=99999999999999999999",
                "/api/v2/aibridge/interceptions?started_after=not-a-date",
                "/api/v2/aibridge/interceptions?after_id=1%27%20OR%201%3D1",
                "/api/v2/aibridge/sessions?limit=0")) {
            corpus.add(new Case("GET " + path, "api", "GET", api + path, admin, null));
        }
        String users = api + "/api/v2/users";
        corpus.add(new Case("POST /api/v2/users malformed JSON", "api", "POST", users, admin, utf8("{\"username\": ")));
        corpus.add(new Case("POST /api/v2/users username is a number", "api", "POST", users, admin, utf8("{\"username\": 5}")));
        corpus.add(new Case("POST /api/v2/users an array", "api", "POST", users, admin, utf8("[]")));
        corpus.add(new Case("POST /api/v2/users path traversal in username", "api", "POST", users, admin,
                utf8("{\"username\":\"../../admin\"}")));
        corpus.add(new Case("POST /api/v2/users SQL in username", "api", "POST", users, admin,
                utf8("{\"username\":\"x'); DROP TABLE users;--\"}")));
        corpus.add(new Case("POST /api/v2/users invalid UTF-8", "api", "POST", users, admin,
                new byte[] {'{', '"', 'u', 's', 'e', 'r', 'n', 'a', 'm', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}));
        corpus.add(new Case("POST /api/v2/users 3 MiB body", "api", "POST", users, admin,
                utf8("{\"username\":\"" + "a".repeat(3 * 1024 * 1024) + "\"}")));
        corpus.add(new Case("POST /api/v2/users 100000 nested arrays", "api", "POST", users, admin,
                utf8("{\"username\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}")));
        corpus.add(new Case("PATCH /api/v2/users/admin role is an object", "api", "PATCH", users + "/admin", admin,
                utf8("{\"role\":{\"$ne\":null}}")));
        corpus.add(new Case("GET /api/v2/users/me no token", "api", "GET", users + "/me", Map.of(), null));
        corpus.add(new Case("GET /api/v2/users/me forged token", "api", "GET", users + "/me",
                Map.of("Authorization", "Bearer aibridge-forged-0123456789abcdef"), null));
        corpus.add(new Case("GET /api/v2/users/me not a bearer", "api", "GET", users + "/me", Map.of("Authorization", "Basic YWRtaW46YWRtaW4="), null));
        corpus.add(new Case("GET /api/v2/users/me revoked token", "api", "GET", users + "/me",
                Map.of("Authorization", "Bearer " + revoked.token()), null));
        corpus.add(new Case("POST /api/v2/users as a member", "api", "POST", users, member, utf8("{\"username\":\"escalated\"}")));
    }

    private record Answer(int status, String body, Map<String, List<String>> headers) {
    }

    private static Answer send(Case c) throws IOException, InterruptedException {
        if (c.method.startsWith("RAW")) {
            return raw(c);
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(c.url)).timeout(Duration.ofSeconds(60))
                .method(c.method, c.body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(c.body));
        c.headers.forEach(b::header);
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body(), r.headers().map());
        } catch (IOException e) {
            // a server may answer 413 and close before reading a huge body: read it from the exception is impossible, so retry raw
            return new Answer(-1, "connection failed: " + e, Map.of());
        }
    }

    /** Writes the request by hand, for header blocks no HTTP client would send. */
    private static Answer raw(Case c) throws IOException {
        URI uri = URI.create(c.url);
        StringBuilder head = new StringBuilder("POST " + uri.getRawPath() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + c.body.length + "\r\nConnection: close\r\nanthropic-version: 2023-06-01\r\n");
        c.headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        if (c.method.equals("RAW")) {
            head.append("this line is no header and injects\r\n");
        } else {
            head.append("X-Padding: ").append("p".repeat(64 * 1024)).append("\r\n");
        }
        head.append("\r\n");
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
                out.write(c.body);
                out.flush();
            } catch (IOException e) {
                // the server may answer and close before the whole request is written
            }
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            if (!response.startsWith("HTTP/1.1 ")) {
                return new Answer(-1, response, Map.of());
            }
            int status = Integer.parseInt(response.substring(9, 12));
            int bodyAt = response.indexOf("\r\n\r\n");
            return new Answer(status, bodyAt < 0 ? "" : response.substring(bodyAt + 4), Map.of());
        }
    }

    /** Null when the answer is right, else what is wrong with it. */
    private static String judge(Case c, Answer a) {
        if (a.status < 400 || a.status > 499) {
            return "expected a 4xx";
        }
        if (a.body.contains("\tat ") || a.body.contains("Exception")) {
            return "a stack trace or exception name in the answer";
        }
        JsonNode json;
        switch (c.format) {
            case "any":
                return null;
            case "anthropic":
                json = parse(a.body);
                if (json == null || !json.path("type").asText().equals("error") || json.path("error").path("message").asText().isBlank()
                        || json.path("error").path("type").asText().isBlank()) {
                    return "not Anthropic's error JSON";
                }
                return null;
            case "openai":
                json = parse(a.body);
                if (json == null || json.path("error").path("message").asText().isBlank()) {
                    return "not OpenAI's error JSON";
                }
                return null;
            default:
                json = parse(a.body);
                if (json == null || json.path("message").asText().isBlank()) {
                    return "not the API's {message, detail, validations} JSON";
                }
                return null;
        }
    }

    private static JsonNode parse(String body) {
        try {
            JsonNode n = QueryApi.JSON.readTree(body);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}

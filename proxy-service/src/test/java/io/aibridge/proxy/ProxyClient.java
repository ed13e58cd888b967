package io.aibridge.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aibridge.events.InterceptionEnded;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.InterceptionStarted;
import io.aibridge.events.ModelThoughtRecorded;
import io.aibridge.events.PromptRecorded;
import io.aibridge.events.TokenUsageRecorded;
import io.aibridge.events.ToolUsageRecorded;
import io.aibridge.testing.fake.Api;

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
import java.util.UUID;
import java.util.stream.Collectors;

/** Test-side access to the running proxy and to what it recorded in Kafka. */
public final class ProxyClient {

    public static final String INTERCEPTION_HEADER = "X-AIBridge-Interception-Id";
    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;

    public ProxyClient(String baseUrl) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** The proxy path of an API, e.g. {@code /api/v2/aibridge/anthropic/v1/messages}. */
    public static String path(Api api) {
        return switch (api) {
            case ANTHROPIC_MESSAGES -> "/api/v2/aibridge/anthropic/v1/messages";
            case OPENAI_CHAT -> "/api/v2/aibridge/openai/v1/chat/completions";
            case OPENAI_RESPONSES -> "/api/v2/aibridge/openai/v1/responses";
        };
    }

    public HttpResponse<String> post(String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        boolean contentType = false;
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
            contentType |= headers[i].equalsIgnoreCase("Content-Type");
        }
        if (!contentType) {
            b.header("Content-Type", "application/json");
        }
        return send(b.build());
    }

    /**
     * Posts {@code body} as JSON to {@code api}'s route with the bootstrap token where that API's
     * clients send their key ({@code x-api-key} and a version for Anthropic, a bearer token for
     * OpenAI). Any bytes, valid JSON or not. Throws what the connection does: a cut answer is an
     * {@link IOException}, not a response.
     */
    public HttpResponse<String> postBytes(Api api, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path(api)))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (api == Api.ANTHROPIC_MESSAGES) {
            b.header("x-api-key", FakeProviderTestResource.BOOTSTRAP_TOKEN).header("anthropic-version", "2023-06-01");
        } else {
            b.header("Authorization", "Bearer " + FakeProviderTestResource.BOOTSTRAP_TOKEN);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(20)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b.build());
    }

    public HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A raw HTTP/1.1 JSON POST on a socket of its own, so that the test decides when the client hangs
     * up; headers as name, value pairs. The caller closes the socket.
     */
    public Socket openPost(String path, String body, String... headers) throws IOException {
        return openPost(path, body, Integer.MAX_VALUE, headers);
    }

    /** As {@link #openPost(String, String, String...)}, sending at most {@code bodyBytes} bytes of the body (the head announces all). */
    public Socket openPost(String path, String body, int bodyBytes, String... headers) throws IOException {
        URI uri = URI.create(baseUrl);
        Socket socket = new Socket(uri.getHost(), uri.getPort());
        socket.setSoTimeout(10_000);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        OutputStream out = socket.getOutputStream();
        out.write(head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
        out.write(bytes, 0, Math.min(bodyBytes, bytes.length));
        out.flush();
        return socket;
    }

    /** Reads a raw socket's bytes until {@code marker} appears (or the stream ends); what was read. */
    public static String readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buffer = new byte[1024];
        while (!got.toString(StandardCharsets.UTF_8).contains(marker)) {
            int n = in.read(buffer);
            if (n < 0) {
                break;
            }
            got.write(buffer, 0, n);
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    /** The body of a chunked answer: {@code start} (read with the head), then the rest of {@code in}, to its last chunk. */
    public static String dechunk(byte[] start, InputStream rest) throws IOException {
        InputStream in = new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(start), rest);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            StringBuilder line = new StringBuilder();
            for (int c; (c = in.read()) != '\n'; ) {
                if (c < 0) {
                    throw new AssertionError("the answer ended without its last chunk");
                }
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            int size = Integer.parseInt(line.toString().trim(), 16);
            if (size == 0) {
                return body.toString(StandardCharsets.UTF_8);
            }
            body.write(in.readNBytes(size));
            in.readNBytes(2);
        }
    }

    public static UUID interceptionId(HttpResponse<?> response) {
        return UUID.fromString(response.headers().firstValue(INTERCEPTION_HEADER)
                .orElseThrow(() -> new AssertionError("no " + INTERCEPTION_HEADER + " header; status " + response.statusCode())));
    }

    public static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    /** Each event after the start as one readable line; the start is checked separately. */
    public static List<String> summary(List<InterceptionEvent> events) {
        List<String> out = new ArrayList<>();
        for (InterceptionEvent e : events) {
            if (e instanceof InterceptionStarted) {
                out.add("started");
            } else if (e instanceof PromptRecorded p) {
                out.add("prompt " + p.providerResponseId() + " " + p.prompt());
            } else if (e instanceof TokenUsageRecorded t) {
                out.add("tokens " + t.providerResponseId() + " in=" + t.inputTokens() + " out=" + t.outputTokens()
                        + " cache_read=" + t.cacheReadInputTokens() + " cache_write=" + t.cacheWriteInputTokens() + " " + sorted(t.metadata()));
            } else if (e instanceof ToolUsageRecorded t) {
                out.add("tool " + t.providerResponseId() + " " + t.providerToolCallId() + " " + t.tool() + " " + t.input()
                        + (t.injected() ? " injected" : ""));
            } else if (e instanceof ModelThoughtRecorded m) {
                out.add("thought " + m.providerResponseId() + " " + m.source().name().toLowerCase() + " " + m.content());
            } else if (e instanceof InterceptionEnded end) {
                out.add("ended " + end.status().name().toLowerCase() + " " + end.httpStatus()
                        + (end.errorType() == null ? "" : " " + end.errorType()));
            }
        }
        return out;
    }

    private static String sorted(Map<String, Long> metadata) {
        return metadata.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",", "{", "}"));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

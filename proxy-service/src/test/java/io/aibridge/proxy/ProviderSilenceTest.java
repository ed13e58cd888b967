package io.aibridge.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.events.EndStatus;
import io.aibridge.events.InterceptionEnded;
import io.aibridge.proxy.route.CapacityLimit;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PrometheusScrape;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.StreamResetException;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A provider that sends the head of its answer and then goes silent is bounded by
 * {@code AIBRIDGE_UPSTREAM_TIMEOUT} (2 s in tests) on every path, not only where the answer is
 * relayed to a bridged client: the body of an answer that is dropped for a retry, a passthrough
 * answer, and AWS Bedrock's token count. Each ends after the timeout instead of holding the
 * client, the connection and a capacity slot for good. And a client that reads nothing for longer
 * than that is not a silent provider: its stream waits for it.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = FakeProviderTestResource.class, initArgs = {
        @ResourceArg(name = "stalling", value = "true"),
        @ResourceArg(name = "proxy.openai.base-url", value = "{stalling}/v1/"),
        @ResourceArg(name = "proxy.upstream.max-retries", value = "1"),
        @ResourceArg(name = "bedrock-instance", value = "0:claude-stalling"),
        @ResourceArg(name = "proxy.providers[0].bedrock.base-url", value = "{stalling}")})
class ProviderSilenceTest extends ProxyTestBase {

    private static final String TOKEN = FakeProviderTestResource.BOOTSTRAP_TOKEN;

    @Inject
    CapacityLimit capacity;

    @BeforeEach
    void freshProvider() {
        FakeProviderTestResource.stalling().clear();
    }

    @Test
    void aRetriedAnswerWhoseBodyStallsIsCutAfterTheTimeoutAndTheRetryAnswers() {
        FakeProviderTestResource.stalling().stallChats(1);
        PrometheusScrape before = scrape();

        HttpResponse<String> r = proxy.post("/api/v2/aibridge/openai/v1/chat/completions",
                "{\"model\":\"gpt-stalled-503\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}", "Authorization", "Bearer " + TOKEN);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(ProxyClient.json(r.body()).path("choices").path(0).path("message").path("content").asText()).isEqualTo("hi");
        assertThat(FakeProviderTestResource.stalling().requests()).containsExactly("POST /v1/chat/completions", "POST /v1/chat/completions");
        assertThat(scrape().delta(before, "aibridge_upstream_retries_total",
                Map.of("provider", "openai", "route", "/v1/chat/completions", "status", "503"))).isEqualTo(1.0);
        InterceptionEnded end = eventsOfModel("gpt-stalled-503").stream().filter(InterceptionEnded.class::isInstance)
                .map(InterceptionEnded.class::cast).findFirst().orElseThrow();
        assertThat(end.status()).isEqualTo(EndStatus.COMPLETED);
        assertThat(end.httpStatus()).isEqualTo(200);
        awaitNothingInFlight();
    }

    @Test
    void aPassthroughAnswerWhoseBodyStallsIsCutAfterTheTimeout() throws IOException {
        URI uri = URI.create(proxyUrl.toString());
        String got;
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(15_000);
            socket.getOutputStream().write(("GET /api/v2/aibridge/openai/v1/models HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + TOKEN + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            got = readToTheEnd(socket.getInputStream());
        }
        assertThat(got).startsWith("HTTP/1.1 200").contains("{\"object\":\"list\",\"data\":[");
        assertThat(got).as("cut, not ended: an incomplete body must not look complete").doesNotEndWith("0\r\n\r\n");
        assertThat(FakeProviderTestResource.stalling().requests()).containsExactly("GET /v1/models");
        awaitNothingInFlight();
    }

    @Test
    void aPassthroughAnswerWithAHeadAndNoBodyGets504InTheProvidersErrorJson() {
        HttpResponse<String> r = proxy.get("/api/v2/aibridge/openai/v1/models/silent-head", "Authorization", "Bearer " + TOKEN);

        assertThat(r.statusCode()).isEqualTo(504);
        JsonNode error = ProxyClient.json(r.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("upstream_timeout");
        assertThat(error.path("message").asText()).isEqualTo("the provider went silent for 2 s in the middle of its answer");
        awaitNothingInFlight();
    }

    @Test
    void aPassthroughCallWithoutAnyAnswerGets504NotUnreachable() {
        HttpResponse<String> r = proxy.get("/api/v2/aibridge/openai/v1/models/no-head", "Authorization", "Bearer " + TOKEN);

        assertThat(r.statusCode()).isEqualTo(504);
        JsonNode error = ProxyClient.json(r.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("upstream_timeout");
        assertThat(error.path("message").asText()).isEqualTo("the provider did not answer within 2 s");
        assertThat(FakeProviderTestResource.stalling().requests()).containsExactly("GET /v1/models/no-head");
        awaitNothingInFlight();
    }

    @Test
    void aBedrockTokenCountWithoutAnyAnswerGets504InAnthropicsErrorJson() {
        HttpResponse<String> r = bedrockTokenCount("say nothing");

        assertThat(r.statusCode()).isEqualTo(504);
        JsonNode body = ProxyClient.json(r.body());
        assertThat(body.path("type").asText()).isEqualTo("error");
        assertThat(body.path("error").path("type").asText()).isEqualTo("timeout_error");
        assertThat(body.path("error").path("message").asText()).isEqualTo("the provider did not answer within 2 s");
        awaitNothingInFlight();
    }

    @Test
    void aBedrockTokenCountWhoseBodyStallsGets504InAnthropicsErrorJson() {
        HttpResponse<String> r = bedrockTokenCount("hello");

        assertThat(r.statusCode()).isEqualTo(504);
        JsonNode body = ProxyClient.json(r.body());
        assertThat(body.path("type").asText()).isEqualTo("error");
        assertThat(body.path("error").path("message").asText()).isEqualTo("the provider went silent for 2 s in the middle of its answer");
        assertThat(FakeProviderTestResource.stalling().requests()).hasSize(1).allMatch(line -> line.endsWith("/count-tokens"));
        awaitNothingInFlight();
    }

    @Test
    void aBlockingAnswerThatStallsAfterItsHeadWasRelayedIsCutAndGivesItsCapacitySlotBack() throws IOException {
        URI uri = URI.create(proxyUrl.toString());
        byte[] request = "{\"model\":\"gpt-stall-body\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        String got;
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(15_000);
            socket.getOutputStream().write(("POST /api/v2/aibridge/openai/v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer " + TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: " + request.length
                    + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().write(request);
            got = readToTheEnd(socket.getInputStream());
        }
        assertThat(got).startsWith("HTTP/1.1 200").contains("chatcmpl-stall-body").doesNotEndWith("0\r\n\r\n");
        InterceptionEnded end = eventsOfModel("gpt-stall-body").stream().filter(InterceptionEnded.class::isInstance)
                .map(InterceptionEnded.class::cast).findFirst().orElseThrow();
        assertThat(end.status()).isEqualTo(EndStatus.FAILED);
        assertThat(end.errorType()).isEqualTo("timeout");
        // Vert.x's response reset would mark the response closed before its connection, and skip its end handlers
        awaitNothingInFlight();
    }

    /**
     * The same over HTTP/2 (cleartext, prior knowledge): the cut resets the answer's stream only, so
     * the client sees the reset rather than a body that looks whole, the connection goes on serving
     * its other requests, the interception ends as timed out, and the capacity slot comes back.
     */
    @Test
    void overHttp2ABlockingAnswerThatStallsHasOnlyItsStreamResetAndGivesItsCapacitySlotBack() throws Exception {
        URI uri = URI.create(proxyUrl.toString());
        Vertx vertx = Vertx.vertx();
        try {
            java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
            HttpClient client = vertx.httpClientBuilder()
                    .with(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false)
                            .setDefaultHost(uri.getHost()).setDefaultPort(uri.getPort()))
                    .withConnectHandler(connection -> connections.incrementAndGet())
                    .build();
            CompletableFuture<HttpClientResponse> head = new CompletableFuture<>();
            CompletableFuture<Buffer> body = new CompletableFuture<>();
            http2Chat(client, "gpt-stall-body-h2").onComplete(ar -> {
                if (ar.failed()) {
                    head.completeExceptionally(ar.cause());
                    return;
                }
                head.complete(ar.result());
                ar.result().body().onComplete(b -> {
                    if (b.succeeded()) {
                        body.complete(b.result());
                    } else {
                        body.completeExceptionally(b.cause());
                    }
                });
            });
            HttpClientResponse response = head.get(15, TimeUnit.SECONDS);
            assertThat(response.version()).isEqualTo(HttpVersion.HTTP_2);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(body).failsWithin(15, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
                    .havingCause().isInstanceOf(StreamResetException.class);
            InterceptionEnded end = eventsOfModel("gpt-stall-body-h2").stream().filter(InterceptionEnded.class::isInstance)
                    .map(InterceptionEnded.class::cast).findFirst().orElseThrow();
            assertThat(end.status()).isEqualTo(EndStatus.FAILED);
            assertThat(end.errorType()).isEqualTo("timeout");
            awaitNothingInFlight();

            // the connection was left open: the next request goes over it and is answered
            String answer = http2Chat(client, "gpt-after-the-reset").compose(r -> {
                assertThat(r.statusCode()).isEqualTo(200);
                return r.body();
            }).toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS).toString();
            assertThat(ProxyClient.json(answer).path("choices").path(0).path("message").path("content").asText()).isEqualTo("hi");
            assertThat(connections).as("one connection for both requests").hasValue(1);
            awaitNothingInFlight();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static Future<HttpClientResponse> http2Chat(HttpClient client, String model) {
        return client.request(HttpMethod.POST, "/api/v2/aibridge/openai/v1/chat/completions").compose(request -> request
                .putHeader("Authorization", "Bearer " + TOKEN).putHeader("Content-Type", "application/json")
                .send("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"));
    }

    @Test
    void aClientThatStopsReadingLongerThanTheTimeoutIsNotAProviderSilenceAndGetsTheWholeStream() throws Exception {
        URI uri = URI.create(proxyUrl.toString());
        String request = "{\"model\":\"gpt-slow-reader\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
        byte[] bytes = request.getBytes(StandardCharsets.UTF_8);
        String body;
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096); // before connecting: a small window, so the proxy's write queue fills
            socket.connect(new java.net.InetSocketAddress(uri.getHost(), uri.getPort()));
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(("POST /api/v2/aibridge/openai/v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer " + TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
                    + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().write(bytes);
            InputStream in = socket.getInputStream();
            String head = ProxyClient.readUntil(in, "\r\n\r\n");
            assertThat(head).startsWith("HTTP/1.1 200");
            // reads nothing, as a suspended client would, until the proxy has held the provider back
            // (not read from it) for longer than the provider's idle timeout (2 s)
            FakeProviderTestResource.stalling().awaitHeldBack(Duration.ofSeconds(3));
            body = ProxyClient.dechunk(head.substring(head.indexOf("\r\n\r\n") + 4).getBytes(StandardCharsets.ISO_8859_1), in);
        }
        String tail = body.substring(Math.max(0, body.length() - 400)); // 16 MiB is too much to print when this fails
        assertThat(tail).doesNotContain("went silent").endsWith("data: [DONE]\n\n");
        assertThat(body.split("\"content\":\"" + StallingProvider.BIG_STREAM_TEXT + "\"", -1).length - 1).as("every content chunk")
                .isEqualTo(StallingProvider.BIG_STREAM_FRAMES);
        InterceptionEnded end = eventsOfModel("gpt-slow-reader").stream().filter(InterceptionEnded.class::isInstance)
                .map(InterceptionEnded.class::cast).findFirst().orElseThrow();
        assertThat(end.status()).isEqualTo(EndStatus.COMPLETED);
        assertThat(end.errorType()).isNull();
        awaitNothingInFlight();
    }

    /** What the proxy sent until it closed or reset the connection; a read that waits 15 s fails the test. */
    private static String readToTheEnd(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buffer = new byte[1024];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                got.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the proxy held the connection open: " + got.toString(StandardCharsets.UTF_8), e);
        } catch (IOException e) {
            // reset by the proxy: that is the end
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    /** An Anthropic count_tokens call, sent to the stalling provider as AWS Bedrock's CountTokens. */
    private HttpResponse<String> bedrockTokenCount(String content) {
        return proxy.post("/api/v2/aibridge/claude-stalling/v1/messages/count_tokens",
                "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}",
                "x-api-key", TOKEN, "anthropic-version", "2023-06-01");
    }

    private void awaitNothingInFlight() {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (capacity.inFlight() > 0 && System.nanoTime() < deadline) {
            ProxyClient.sleep(20);
        }
        assertThat(capacity.inFlight()).as("the capacity slot is given back").isZero();
    }
}

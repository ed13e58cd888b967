package io.aibridge.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.proxy.route.CapacityLimit;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.FakeProvider;
import io.aibridge.testing.fake.Fixture;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code AIBRIDGE_REQUEST_BODY_TIMEOUT=1s} with {@code AIBRIDGE_MAX_CONCURRENCY=2}: an admitted request
 * whose body does not arrive in time is answered 408 in its provider's error JSON, its connection is
 * closed and its place is given back; the deadline ends with the body, so a long stream is not cut.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = FakeProviderTestResource.class, initArgs = {
        @ResourceArg(name = "max-concurrency", value = "2"),
        @ResourceArg(name = "proxy.request-body-timeout", value = "1s")})
class RequestBodyTimeoutTest {

    private static final String TOKEN = FakeProviderTestResource.BOOTSTRAP_TOKEN;

    @TestHTTPResource("/")
    URL proxyUrl;

    @Inject
    CapacityLimit capacity;

    private ProxyClient proxy;

    @BeforeEach
    void setUp() {
        proxy = new ProxyClient(proxyUrl.toString());
        FakeProviderTestResource.fake().clear();
        await().atMost(Duration.ofSeconds(10)).until(() -> capacity.inFlight() == 0);
    }

    @Test
    void slowUploadsGet408InTheirProvidersErrorJsonAndGiveTheirPlacesBack() throws IOException {
        String request = Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(false).toString();
        try (Socket anthropic = partial(ProxyClient.path(Api.ANTHROPIC_MESSAGES), request, "x-api-key", TOKEN);
             Socket openai = partial(ProxyClient.path(Api.OPENAI_CHAT), Fixture.load(Api.OPENAI_CHAT, "text").request(false).toString(),
                     "Authorization", "Bearer " + TOKEN)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> capacity.inFlight() == 2);
            assertThat(proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), request, "x-api-key", TOKEN).statusCode())
                    .as("the two slow uploads hold both places").isEqualTo(503);

            String anthropicAnswer = readToEnd(anthropic.getInputStream());
            assertThat(anthropicAnswer).startsWith("HTTP/1.1 408").containsIgnoringCase("connection: close");
            JsonNode error = ProxyClient.json(body(anthropicAnswer));
            assertThat(error.path("type").asText()).isEqualTo("error");
            assertThat(error.path("error").path("type").asText()).isEqualTo("timeout_error");
            assertThat(error.path("error").path("message").asText()).contains("request body did not arrive within 1 s");

            String openAiAnswer = readToEnd(openai.getInputStream());
            assertThat(openAiAnswer).as("answered, then closed (readToEnd saw the end of the stream)").startsWith("HTTP/1.1 408");
            assertThat(ProxyClient.json(body(openAiAnswer)).path("error").path("code").asText()).isEqualTo("request_timeout");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> capacity.inFlight() == 0);
        assertThat(FakeProviderTestResource.fake().requests()).as("nothing was forwarded").isEmpty();
        assertThat(proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(false).toString(),
                "x-api-key", TOKEN).statusCode()).as("served again").isEqualTo(200);
    }

    @Test
    void theDeadlineEndsWithTheBodySoAStreamLongerThanItIsNotCut() throws IOException {
        try (Socket stream = proxy.openPost(ProxyClient.path(Api.ANTHROPIC_MESSAGES),
                Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(true).toString(),
                "x-api-key", TOKEN, FakeProvider.CHUNK_DELAY_HEADER, "300")) {
            long start = System.nanoTime();
            String answer = ProxyClient.readUntil(stream.getInputStream(), "message_stop");
            assertThat(answer).startsWith("HTTP/1.1 200").contains("message_stop");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the stream outlasted the deadline").isGreaterThan(Duration.ofSeconds(1));
        }
    }

    /** A POST whose head and the first half of its body are sent; the rest never is. */
    private Socket partial(String path, String body, String... headers) throws IOException {
        return proxy.openPost(path, body, body.getBytes(StandardCharsets.UTF_8).length / 2, headers);
    }

    /** Everything until the server closes the connection (the socket's timeout fails the test if it does not). */
    private static String readToEnd(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    private static String body(String rawResponse) {
        return rawResponse.substring(rawResponse.indexOf("\r\n\r\n") + 4);
    }
}

package io.aibridge.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.Fixture;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.aibridge.proxy.ProxyClient.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The caller's mistakes get a clear 4xx in the provider's own error JSON (never a 5xx, never a
 * stack trace), and nothing reaches the provider.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeProviderTestResource.class)
class BadInputTest {

    private static final String TOKEN = FakeProviderTestResource.BOOTSTRAP_TOKEN;
    private static final String MESSAGES = ProxyClient.path(Api.ANTHROPIC_MESSAGES);
    private static final String CHAT = ProxyClient.path(Api.OPENAI_CHAT);
    private static final String RESPONSES = ProxyClient.path(Api.OPENAI_RESPONSES);

    @TestHTTPResource("/")
    URL proxyUrl;

    private ProxyClient proxy;

    @BeforeEach
    void setUp() {
        proxy = new ProxyClient(proxyUrl.toString());
        FakeProviderTestResource.fake().clear();
    }

    @Test
    void rejectsABodyOverTheLimitWith413InAnthropicsShape() {
        String huge = "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + "x".repeat(FakeProviderTestResource.MAX_BODY) + "\"}]}";
        HttpResponse<String> r = proxy.post(MESSAGES, huge, "x-api-key", TOKEN);
        assertThat(r.statusCode()).isEqualTo(413);
        assertAnthropicError(r, "request_too_large", "larger than the limit");
        assertNothingForwarded();
    }

    @Test
    void rejectsABodyOverTheLimitWith413InOpenAisShape() {
        String huge = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + "x".repeat(FakeProviderTestResource.MAX_BODY) + "\"}]}";
        HttpResponse<String> r = proxy.post(CHAT, huge, "Authorization", "Bearer " + TOKEN);
        assertThat(r.statusCode()).isEqualTo(413);
        assertOpenAiError(r, "request_too_large", "larger than the limit");
    }

    @Test
    void rejectsInvalidJson() {
        HttpResponse<String> r = proxy.post(MESSAGES, "{\"model\": \"claude\", \"messages\": [", "x-api-key", TOKEN);
        assertThat(r.statusCode()).isEqualTo(400);
        assertAnthropicError(r, "invalid_request_error", "not valid JSON");
        HttpResponse<String> chat = proxy.post(CHAT, "not json at all", "Authorization", "Bearer " + TOKEN);
        assertThat(chat.statusCode()).isEqualTo(400);
        assertOpenAiError(chat, "invalid_json", "not valid JSON");
        assertNothingForwarded();
    }

    @Test
    void rejectsDataAfterTheJsonObject() {
        // a lenient parser would forward the first object and ignore the rest: the caller meant something else
        HttpResponse<String> r = proxy.post(MESSAGES, "{\"model\":\"claude-sonnet-4-5-20250929\",\"max_tokens\":8,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}}", "x-api-key", TOKEN);
        assertThat(r.statusCode()).isEqualTo(400);
        assertAnthropicError(r, "invalid_request_error", "not valid JSON");
        HttpResponse<String> chat = proxy.post(CHAT, "{\"model\":\"gpt-4o-mini\",\"messages\":[]} {\"model\":\"gpt-4o\"}",
                "Authorization", "Bearer " + TOKEN);
        assertThat(chat.statusCode()).isEqualTo(400);
        assertOpenAiError(chat, "invalid_json", "not valid JSON");
        assertNothingForwarded();
    }

    @Test
    void rejectsABodyThatIsNotAnObject() {
        HttpResponse<String> r = proxy.post(RESPONSES, "[{\"model\":\"gpt-5.3-codex\"}]", "Authorization", "Bearer " + TOKEN);
        assertThat(r.statusCode()).isEqualTo(400);
        assertOpenAiError(r, "invalid_json", "must be a JSON object");
    }

    @Test
    void rejectsAnEmptyBody() {
        HttpResponse<String> r = proxy.post(MESSAGES, "", "x-api-key", TOKEN);
        assertThat(r.statusCode()).isEqualTo(400);
        assertAnthropicError(r, "invalid_request_error", "empty");
    }

    @Test
    void rejectsAMissingOrNonStringModel() {
        HttpResponse<String> missing = proxy.post(CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "Authorization", "Bearer " + TOKEN);
        assertThat(missing.statusCode()).isEqualTo(400);
        assertOpenAiError(missing, "missing_model", "\"model\" is required");
        HttpResponse<String> number = proxy.post(MESSAGES, "{\"model\":42,\"messages\":[]}", "x-api-key", TOKEN);
        assertThat(number.statusCode()).isEqualTo(400);
        assertAnthropicError(number, "invalid_request_error", "\"model\" is required");
        assertNothingForwarded();
    }

    @Test
    void rejectsAModelNameOver256CharactersOnEveryRouteBeforeAnythingIsForwardedOrRecorded() {
        String model = "m-" + "x".repeat(255); // 257 characters
        String messages = Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(true).put("model", model).toString();
        HttpResponse<String> anthropic = proxy.post(MESSAGES, messages, "x-api-key", TOKEN);
        assertThat(anthropic.statusCode()).isEqualTo(400);
        assertAnthropicError(anthropic, "invalid_request_error", "\"model\" is longer than 256 characters");
        String chatBody = Fixture.load(Api.OPENAI_CHAT, "text").request(true).put("model", model).toString();
        HttpResponse<String> chat = proxy.post(CHAT, chatBody, "Authorization", "Bearer " + TOKEN);
        assertThat(chat.statusCode()).isEqualTo(400);
        assertOpenAiError(chat, "invalid_model", "\"model\" is longer than 256 characters");
        String responsesBody = Fixture.load(Api.OPENAI_RESPONSES, "text").request(false).put("model", model).toString();
        HttpResponse<String> responses = proxy.post(RESPONSES, responsesBody, "Authorization", "Bearer " + TOKEN);
        assertThat(responses.statusCode()).isEqualTo(400);
        assertOpenAiError(responses, "invalid_model", "\"model\" is longer than 256 characters");
        assertThat(List.of(anthropic, chat, responses)).allSatisfy(r ->
                assertThat(r.headers().firstValue(ProxyClient.INTERCEPTION_HEADER)).as("no interception was started").isEmpty());
        assertNothingForwarded();
        // a started interception counts itself in flight under its model at once: none did
        assertThat(proxy.get("/q/metrics").body()).doesNotContain(model);
    }

    @Test
    void rejectsAModelNameWithAControlCharacterButTakesRealIdsWithColonsSlashesAndAts() {
        String body = Fixture.load(Api.OPENAI_CHAT, "text").request(false).put("model", "gpt-4o\nmini").toString();
        HttpResponse<String> r = proxy.post(CHAT, body, "Authorization", "Bearer " + TOKEN);
        assertThat(r.statusCode()).isEqualTo(400);
        assertOpenAiError(r, "invalid_model", "control character (U+000A)");
        assertNothingForwarded();
        String arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6";
        for (String real : List.of(arn, "anthropic/claude-3.5-sonnet:beta", "claude-3-5-sonnet-v2@20241022")) {
            HttpResponse<String> taken = proxy.post(CHAT, Fixture.load(Api.OPENAI_CHAT, "text").request(false).put("model", real)
                    .toString(), "Authorization", "Bearer " + TOKEN);
            assertThat(taken.statusCode()).as(real).isEqualTo(200);
        }
        assertThat(FakeProviderTestResource.fake().requests()).hasSize(3);
    }

    @Test
    void rejectsAWrongContentType() {
        HttpResponse<String> r = proxy.post(CHAT, Fixture.load(Api.OPENAI_CHAT, "text").request(false).toString(),
                "Authorization", "Bearer " + TOKEN, "Content-Type", "text/plain");
        assertThat(r.statusCode()).isEqualTo(400);
        assertOpenAiError(r, "invalid_content_type", "application/json");
        assertNothingForwarded();
    }

    @Test
    void rejectsBackgroundResponsesWith501() {
        String body = Fixture.load(Api.OPENAI_RESPONSES, "text").request(false).put("background", true).toString();
        HttpResponse<String> r = proxy.post(RESPONSES, body, "Authorization", "Bearer " + TOKEN);
        assertThat(r.statusCode()).isEqualTo(501);
        assertOpenAiError(r, "unsupported_parameter", "background requests are currently not supported by AI Bridge");
        assertNothingForwarded();
    }

    @Test
    void answersUnknownRoutesWith404InTheProvidersShape() {
        HttpResponse<String> anthropic = proxy.get("/api/v2/aibridge/anthropic/v1/files", "x-api-key", TOKEN);
        assertThat(anthropic.statusCode()).isEqualTo(404);
        assertAnthropicError(anthropic, "not_found_error", "route not supported: GET /api/v2/aibridge/anthropic/v1/files");
        HttpResponse<String> openai = proxy.post("/api/v2/aibridge/openai/v1/embeddings", "{}", "Authorization", "Bearer " + TOKEN);
        assertThat(openai.statusCode()).isEqualTo(404);
        assertOpenAiError(openai, "unknown_url", "route not supported: POST /api/v2/aibridge/openai/v1/embeddings");
        HttpResponse<String> unknownPrefix = proxy.get("/api/v2/aibridge/gemini/v1/models");
        assertThat(unknownPrefix.statusCode()).isEqualTo(404);
        assertOpenAiError(unknownPrefix, "unknown_url", "route not supported");
        assertNothingForwarded();
    }

    @Test
    void answersOtherMethodsOnABridgedRouteWith405() {
        HttpResponse<String> r = proxy.get(MESSAGES, "x-api-key", TOKEN);
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("allow")).hasValue("POST");
        assertAnthropicError(r, "invalid_request_error", "use POST");
    }

    @Test
    void rejectsAMissingTokenWith401() {
        HttpResponse<String> r = proxy.post(MESSAGES, Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(false).toString());
        assertThat(r.statusCode()).isEqualTo(401);
        assertAnthropicError(r, "authentication_error", "no authentication key provided");
        HttpResponse<String> chat = proxy.post(CHAT, Fixture.load(Api.OPENAI_CHAT, "text").request(false).toString());
        assertThat(chat.statusCode()).isEqualTo(401);
        assertOpenAiError(chat, "invalid_api_key", "no authentication key provided");
        assertThat(json(chat.body()).path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertNothingForwarded();
    }

    @Test
    void rejectsAnUnknownTokenWith401() {
        HttpResponse<String> r = proxy.post(RESPONSES, Fixture.load(Api.OPENAI_RESPONSES, "text").request(false).toString(),
                "Authorization", "Bearer aib_unknownkey12_" + "s".repeat(43));
        assertThat(r.statusCode()).isEqualTo(401);
        assertOpenAiError(r, "invalid_api_key", "invalid API key");
        HttpResponse<String> notOurs = proxy.post(MESSAGES, Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(false).toString(),
                "x-api-key", "sk-ant-someone-elses-key");
        assertThat(notOurs.statusCode()).isEqualTo(401);
        assertAnthropicError(notOurs, "authentication_error", "invalid API key");
        assertThat(notOurs.body()).doesNotContain("sk-ant-someone-elses-key");
        assertNothingForwarded();
    }

    @Test
    void answersABodyOverTheLimitWithoutAValidTokenWith401NotReadingIt() {
        String huge = "x".repeat(FakeProviderTestResource.MAX_BODY + 1);
        HttpResponse<String> none = proxy.post(MESSAGES, huge);
        assertThat(none.statusCode()).as("authenticated before the body is read: not 413").isEqualTo(401);
        assertAnthropicError(none, "authentication_error", "no authentication key provided");
        HttpResponse<String> unknown = proxy.post(CHAT, huge, "Authorization", "Bearer aib_unknownkey12_" + "s".repeat(43));
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertOpenAiError(unknown, "invalid_api_key", "invalid API key");
        assertNothingForwarded();
    }

    @Test
    void answersACallerWithoutAValidTokenBeforeItSendsItsBody() throws IOException {
        // only the head of a request that announces a megabyte: the answer cannot have waited for the body
        try (Socket socket = head(MESSAGES, 1 << 20, "x-api-key", "sk-ant-someone-elses-key")) {
            String answer = ProxyClient.readUntil(socket.getInputStream(), "}}");
            assertThat(answer).startsWith("HTTP/1.1 401").contains("authentication_error", "invalid API key");
        }
        assertNothingForwarded();
    }

    @Test
    void answersExpect100ContinueOnlyOnceTheCallerIsAuthenticated() throws IOException {
        try (Socket refused = head(CHAT, 1 << 20, "Expect", "100-continue")) {
            String answer = ProxyClient.readUntil(refused.getInputStream(), "}}");
            assertThat(answer).as("a final answer instead of 100 Continue: the client need not send its body")
                    .startsWith("HTTP/1.1 401").doesNotContain("100 Continue").contains("invalid_api_key");
        }
        byte[] body = Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(false).toString().getBytes(StandardCharsets.UTF_8);
        try (Socket admitted = head(MESSAGES, body.length, "Expect", "100-continue", "x-api-key", TOKEN)) {
            assertThat(ProxyClient.readUntil(admitted.getInputStream(), "\r\n\r\n")).startsWith("HTTP/1.1 100 Continue");
            admitted.getOutputStream().write(body);
            admitted.getOutputStream().flush();
            assertThat(ProxyClient.readUntil(admitted.getInputStream(), "\r\n\r\n")).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void requiresATokenOnPassthroughRoutesToo() {
        HttpResponse<String> r = proxy.get("/api/v2/aibridge/openai/v1/models");
        assertThat(r.statusCode()).isEqualTo(401);
        assertOpenAiError(r, "invalid_api_key", "no authentication key provided");
        assertNothingForwarded();
    }

    /** Sends only the head of a POST that announces {@code length} bytes of JSON. */
    private Socket head(String path, int length, String... headers) throws IOException {
        Socket socket = new Socket(proxyUrl.getHost(), proxyUrl.getPort());
        socket.setSoTimeout(10_000);
        StringBuilder head = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + length + "\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        socket.getOutputStream().write(head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        return socket;
    }

    private static void assertAnthropicError(HttpResponse<String> r, String type, String messagePart) {
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode body = json(r.body());
        assertThat(body.path("type").asText()).isEqualTo("error");
        assertThat(body.path("error").path("type").asText()).isEqualTo(type);
        assertThat(body.path("error").path("message").asText()).contains(messagePart);
    }

    private static void assertOpenAiError(HttpResponse<String> r, String code, String messagePart) {
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode error = json(r.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo(code);
        assertThat(error.has("param")).isTrue();
        assertThat(error.path("type").asText()).isNotBlank();
        assertThat(error.path("message").asText()).contains(messagePart);
    }

    private static void assertNothingForwarded() {
        assertThat(FakeProviderTestResource.fake().requests()).isEmpty();
    }
}

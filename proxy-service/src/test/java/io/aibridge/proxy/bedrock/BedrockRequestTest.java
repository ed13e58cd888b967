package io.aibridge.proxy.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BedrockRequestTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    private static final String OPUS_45 = "global.anthropic.claude-opus-4-5-20251101-v1:0";
    private static final String SONNET_4 = "anthropic.claude-sonnet-4-20250514-v1:0";

    private static ObjectNode request(String json) throws IOException {
        return (ObjectNode) JSON.readTree(json);
    }

    private static JsonNode bedrockBody(ObjectNode request, List<String> betas, String model) throws IOException {
        return JSON.readTree(BedrockRequest.body(request, betas, model));
    }

    @Test
    void claudeCodesCommaSeparatedBetaHeaderKeepsOnlyTheFlagsBedrockAcceptsForTheModel() {
        List<String> header = List.of("claude-code-20250219,interleaved-thinking-2025-05-14, fine-grained-tool-streaming-2025-05-14",
                "context-management-2025-06-27", "effort-2025-11-24,interleaved-thinking-2025-05-14");
        assertThat(BedrockRequest.betas(header, SONNET_45))
                .containsExactly("interleaved-thinking-2025-05-14", "context-management-2025-06-27");
        assertThat(BedrockRequest.betas(header, OPUS_45)).containsExactly("interleaved-thinking-2025-05-14", "effort-2025-11-24");
        assertThat(BedrockRequest.betas(header, SONNET_4)).containsExactly("interleaved-thinking-2025-05-14");
        assertThat(BedrockRequest.betas(List.of(), SONNET_4)).isEmpty();
    }

    @Test
    void theBodyLosesWhatIsInTheUrlAndWhatBedrockRefusesAndGainsItsVersionAndBetas() throws IOException {
        ObjectNode client = request("""
                {"model":"claude-sonnet-4-5","stream":true,"max_tokens":512,"metadata":{"user_id":"u_1"},"service_tier":"auto",
                 "container":"c","inference_geo":"us","output_config":{"effort":"low"},"context_management":{"edits":[]},
                 "system":"Be brief.","messages":[{"role":"user","content":"Hi"}],"tools":[{"name":"t","input_schema":{}}]}""");
        String original = client.toString();

        JsonNode body = bedrockBody(client, List.of("context-management-2025-06-27"), SONNET_45);

        assertThat(body.has("model")).isFalse();
        assertThat(body.has("stream")).isFalse();
        assertThat(body.has("metadata")).isFalse();
        assertThat(body.has("service_tier")).isFalse();
        assertThat(body.has("container")).isFalse();
        assertThat(body.has("inference_geo")).isFalse();
        assertThat(body.has("output_config")).as("its effort flag is not there").isFalse();
        assertThat(body.get("context_management")).isEqualTo(client.get("context_management"));
        assertThat(body.get("anthropic_version").asText()).isEqualTo("bedrock-2023-05-31");
        assertThat(body.get("anthropic_beta")).hasSize(1);
        assertThat(body.get("anthropic_beta").get(0).asText()).isEqualTo("context-management-2025-06-27");
        assertThat(body.get("messages")).isEqualTo(client.get("messages"));
        assertThat(body.get("tools")).isEqualTo(client.get("tools"));
        assertThat(body.get("system").asText()).isEqualTo("Be brief.");
        assertThat(client.toString()).as("the client's parsed request is left alone").isEqualTo(original);
    }

    @Test
    void aVersionTheClientChoseStaysAndNoBetasMeansNoBetaMember() throws IOException {
        JsonNode body = bedrockBody(request("{\"model\":\"m\",\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":5,"
                + "\"messages\":[]}"), List.of(), SONNET_4);
        assertThat(body.get("anthropic_version").asText()).isEqualTo("bedrock-2023-05-31");
        assertThat(body.has("anthropic_beta")).isFalse();
    }

    @Test
    void adaptiveThinkingBecomesABudgetOnModelsThatDoNotKnowIt() throws IOException {
        String adaptive = "{\"model\":\"m\",\"max_tokens\":%d,\"thinking\":{\"type\":\"adaptive\"}%s,\"messages\":[]}";
        assertThat(bedrockBody(request(adaptive.formatted(10000, "")), List.of(), SONNET_45).get("thinking"))
                .isEqualTo(JSON.readTree("{\"type\":\"enabled\",\"budget_tokens\":8000}"));
        assertThat(bedrockBody(request(adaptive.formatted(10000, ",\"output_config\":{\"effort\":\"low\"}")),
                List.of("effort-2025-11-24"), OPUS_45).get("thinking"))
                .isEqualTo(JSON.readTree("{\"type\":\"enabled\",\"budget_tokens\":2000}"));
        assertThat(bedrockBody(request(adaptive.formatted(2000, ",\"output_config\":{\"effort\":\"medium\"}")), List.of(), SONNET_45)
                .get("thinking")).as("under the minimum budget").isEqualTo(JSON.readTree("{\"type\":\"disabled\"}"));
        assertThat(bedrockBody(request(adaptive.formatted(10000, "")), List.of(), "us.anthropic.claude-sonnet-4-6").get("thinking"))
                .as("Claude 4.6 knows adaptive thinking").isEqualTo(JSON.readTree("{\"type\":\"adaptive\"}"));
        assertThat(bedrockBody(request("{\"model\":\"m\",\"max_tokens\":9000,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":4096},"
                + "\"messages\":[]}"), List.of(), SONNET_4).get("thinking"))
                .isEqualTo(JSON.readTree("{\"type\":\"enabled\",\"budget_tokens\":4096}"));
    }

    @Test
    void aTokenCountIsTheInvokeModelBodyInBase64WithTheSmallestValidMaxTokens() throws IOException {
        ObjectNode client = request("{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2048}}");
        JsonNode wrapped = JSON.readTree(BedrockRequest.countTokensBody(client, List.of("interleaved-thinking-2025-05-14"), "anthropic.m"));
        JsonNode body = JSON.readTree(java.util.Base64.getDecoder().decode(wrapped.path("input").path("invokeModel").path("body").asText()));
        assertThat(body.has("model")).isFalse();
        assertThat(body.get("anthropic_version").asText()).isEqualTo(BedrockRequest.ANTHROPIC_VERSION);
        assertThat(body.get("max_tokens").asLong()).as("above the thinking budget, as Anthropic requires").isEqualTo(2049);
        assertThat(body.get("anthropic_beta").toString()).isEqualTo("[\"interleaved-thinking-2025-05-14\"]");
        assertThat(client.has("max_tokens")).as("the client's request is not changed").isFalse();

        JsonNode kept = JSON.readTree(java.util.Base64.getDecoder().decode(JSON.readTree(BedrockRequest.countTokensBody(
                request("{\"model\":\"m\",\"max_tokens\":77,\"messages\":[]}"), List.of(), "anthropic.m"))
                .path("input").path("invokeModel").path("body").asText()));
        assertThat(kept.get("max_tokens").asLong()).isEqualTo(77);
    }

    @Test
    void bedrocksCountIsAnsweredInAnthropicsShape() {
        assertThat(new String(BedrockRequest.countTokensAnswer("{\"inputTokens\":1234}".getBytes()))).isEqualTo("{\"input_tokens\":1234}");
        assertThat(BedrockRequest.countTokensAnswer("{\"tokens\":3}".getBytes())).isNull();
        assertThat(BedrockRequest.countTokensAnswer("not json".getBytes())).isNull();
    }

    @Test
    void anInferenceProfileIsCountedByTheFoundationModelItNames() {
        assertThat(BedrockRequest.foundationModel("us.anthropic.claude-sonnet-4-5-20250929-v1:0")).isEqualTo("anthropic.claude-sonnet-4-5-20250929-v1:0");
        assertThat(BedrockRequest.foundationModel("global.anthropic.claude-haiku-4-5-20251001-v1:0")).isEqualTo("anthropic.claude-haiku-4-5-20251001-v1:0");
        assertThat(BedrockRequest.foundationModel("us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0")).isEqualTo("anthropic.claude-3-5-sonnet-20240620-v1:0");
        assertThat(BedrockRequest.foundationModel("anthropic.claude-opus-4-1-20250805-v1:0")).isEqualTo("anthropic.claude-opus-4-1-20250805-v1:0");
        String arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123";
        assertThat(BedrockRequest.foundationModel(arn)).as("an application profile's model is not in its name").isEqualTo(arn);
    }
}

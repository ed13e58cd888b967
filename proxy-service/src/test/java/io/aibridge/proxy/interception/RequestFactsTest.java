package io.aibridge.proxy.interception;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Prompt extraction (only the last message; none for tool results) and correlating tool-call ids, per API. */
class RequestFactsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static RequestFacts anthropic(String json) throws Exception {
        return RequestFacts.anthropic(JSON.readTree(json));
    }

    @Test
    void anthropicTakesAStringContentOrTheLastTextBlockOfTheLastUserMessage() throws Exception {
        assertThat(anthropic("{\"messages\":[{\"role\":\"user\",\"content\":\"first\"},{\"role\":\"assistant\",\"content\":\"ok\"},"
                + "{\"role\":\"user\",\"content\":\"second\"}]}")).isEqualTo(new RequestFacts("second", null));
        assertThat(anthropic("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
                + "{\"type\":\"image\",\"source\":{}},{\"type\":\"text\",\"text\":\"b\"}]}]}")).isEqualTo(new RequestFacts("b", null));
        assertThat(anthropic("{\"messages\":[{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\",\"content\":\"a\"}]}"))
                .isEqualTo(new RequestFacts(null, null));
        assertThat(anthropic("{\"messages\":[]}")).isEqualTo(new RequestFacts(null, null));
    }

    @Test
    void anthropicToolResultTurnsHaveNoPromptButTheLastToolUseId() throws Exception {
        assertThat(anthropic("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\"},"
                + "{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_2\"},{\"type\":\"text\",\"text\":\"also this\"}]}]}"))
                .isEqualTo(new RequestFacts(null, "toolu_2"));
    }

    @Test
    void chatTakesTheLastUserMessageAndToolMessagesAnswerACall() throws Exception {
        assertThat(RequestFacts.chat(JSON.readTree("{\"messages\":[{\"role\":\"system\",\"content\":\"s\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"x\"},{\"type\":\"text\",\"text\":\"y\"}]}]}")))
                .isEqualTo(new RequestFacts("y", null));
        assertThat(RequestFacts.chat(JSON.readTree("{\"messages\":[{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"18\"}]}")))
                .isEqualTo(new RequestFacts(null, "call_1"));
        assertThat(RequestFacts.chat(JSON.readTree("{\"model\":\"m\"}"))).isEqualTo(new RequestFacts(null, null));
    }

    @Test
    void responsesJoinsEveryInputTextOfTheLastUserItem() throws Exception {
        assertThat(RequestFacts.responses(JSON.readTree("{\"input\":\"just a string\"}"))).isEqualTo(new RequestFacts("just a string", null));
        assertThat(RequestFacts.responses(JSON.readTree("{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"a\"},"
                + "{\"type\":\"input_image\",\"image_url\":\"x\"},{\"type\":\"input_text\",\"text\":\"b\"}]}]}")))
                .isEqualTo(new RequestFacts("a\nb", null));
        assertThat(RequestFacts.responses(JSON.readTree("{\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"call_9\",\"output\":\"x\"}]}")))
                .isEqualTo(new RequestFacts(null, "call_9"));
    }

    @Test
    void asksForChatUsageBySplicingTheOptionInWithoutTouchingTheRestOfTheBody() throws Exception {
        String body = "{ \"model\":\"gpt-4o-mini\",\"temperature\":0.70,\"stream\":true,\"messages\":[]}";
        Buffer out = BridgeHandler.withUsageRequested((ObjectNode) JSON.readTree(body), body.getBytes());
        assertThat(out.toString()).isEqualTo("{\"stream_options\":{\"include_usage\":true}, \"model\":\"gpt-4o-mini\",\"temperature\":0.70,"
                + "\"stream\":true,\"messages\":[]}");
        String withOptions = "{\"model\":\"m\",\"stream_options\":{\"include_obfuscation\":false},\"temperature\":0.70}";
        Buffer rewritten = BridgeHandler.withUsageRequested((ObjectNode) Json.MAPPER.readTree(withOptions), withOptions.getBytes());
        assertThat(rewritten.toString()).isEqualTo("{\"model\":\"m\",\"stream_options\":{\"include_obfuscation\":false,\"include_usage\":true},"
                + "\"temperature\":0.70}");
    }

    @Test
    void aModelIsRefusedWhenMissingOver256CharactersOrWithAControlCharacterAndRealIdsPass() throws Exception {
        assertThat(RequestFacts.modelRefusal(null).code()).isEqualTo("missing_model");
        assertThat(RequestFacts.modelRefusal(JSON.readTree("42")).code()).isEqualTo("missing_model");
        assertThat(RequestFacts.modelRefusal(JSON.getNodeFactory().textNode(" ")).code()).isEqualTo("missing_model");
        assertThat(RequestFacts.modelRefusal(JSON.getNodeFactory().textNode("m".repeat(257))))
                .isEqualTo(new RequestFacts.Refusal("\"model\" is longer than 256 characters; no model has such a name", "invalid_model"));
        assertThat(RequestFacts.modelRefusal(JSON.getNodeFactory().textNode("m".repeat(256)))).isNull();
        // 256 characters outside the BMP are 512 UTF-16 units, and still 256 characters
        assertThat(RequestFacts.modelRefusal(JSON.getNodeFactory().textNode("\uD83D\uDE00".repeat(256)))).isNull();
        for (String control : new String[] {"gpt-4o\u0000", "gpt\t4o", "claude\r\n", "gpt-4o\u007F", "gpt-4o\u0085"}) {
            assertThat(RequestFacts.modelRefusal(JSON.getNodeFactory().textNode(control))).as(control)
                    .extracting(RequestFacts.Refusal::code).isEqualTo("invalid_model");
        }
        for (String real : new String[] {"gpt-4o-mini", "claude-sonnet-4-5-20250929", "us.anthropic.claude-sonnet-4-20250514-v1:0",
                "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6",
                "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-3-7-sonnet-20250219-v1:0",
                "claude-3-5-sonnet-v2@20241022", "openai/gpt-4.1", "meta-llama/Llama-3.3-70B-Instruct", "modèle-ünïcode"}) {
            assertThat(RequestFacts.modelRefusal(JSON.getNodeFactory().textNode(real))).as(real).isNull();
        }
    }
}

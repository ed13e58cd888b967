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
}

package io.aibridge.proxy.injection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.proxy.interception.Json;
import io.aibridge.proxy.interception.RecordingProbe;
import io.aibridge.proxy.mcp.TestToolSets;
import io.aibridge.proxy.sse.SseDecoder;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One round of the Anthropic Messages tool loop, fed a stream: the assistant turn it assembles for
 * the follow-up request. The injected tool is {@code bmcp_tools_echo}.
 */
class AnthropicLoopTest {

    private final RecordingProbe probe = new RecordingProbe("hi");
    private final LoopState loop = new LoopState(TestToolSets.of("tools", "echo"), true, false, 1 << 20);
    private Round round;

    @Test
    void theFollowUpCarriesTheWholeStreamedThinkingTextAndToolInput() {
        StringBuilder sse = new StringBuilder(messageStart());
        sse.append(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}"));
        StringBuilder thinking = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            String piece = "thought " + i + ". ";
            thinking.append(piece);
            sse.append(delta(0, "{\"type\":\"thinking_delta\",\"thinking\":\"" + piece + "\"}"));
        }
        sse.append(delta(0, "{\"type\":\"signature_delta\",\"signature\":\"sig-1\"}"));
        sse.append(stop(0));
        sse.append(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"Let\"}}"));
        StringBuilder text = new StringBuilder("Let");
        for (int i = 0; i < 2_000; i++) {
            String piece = " word" + i;
            text.append(piece);
            sse.append(delta(1, "{\"type\":\"text_delta\",\"text\":\"" + piece + "\"}"));
        }
        sse.append(stop(1));
        sse.append(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"bmcp_tools_echo\",\"input\":{}}}"));
        sse.append(delta(2, "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"text\\\":\"}"));
        sse.append(delta(2, "{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"hi\\\"}\"}"));
        sse.append(stop(2));
        sse.append(messageEnd());

        run(sse.toString());

        assertThat(round.loops()).isTrue();
        assertThat(round.injectedCalls()).containsExactly(new ToolCall("toolu_1", "bmcp_tools_echo", "{\"text\":\"hi\"}"));
        List<JsonNode> content = followUpAssistantContent();
        assertThat(content).hasSize(3);
        assertThat(content.get(0).path("type").asText()).isEqualTo("thinking");
        assertThat(content.get(0).path("thinking").asText()).isEqualTo(thinking.toString());
        assertThat(content.get(0).path("signature").asText()).isEqualTo("sig-1");
        assertThat(content.get(1).path("text").asText()).isEqualTo(text.toString());
        assertThat(content.get(2).path("input")).isEqualTo(Json.MAPPER.createObjectNode().put("text", "hi"));
    }

    @Test
    void aBlockTheStreamNeverStoppedStillCarriesItsText() {
        run(messageStart()
                + event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
                + delta(0, "{\"type\":\"text_delta\",\"text\":\"cut \"}")
                + delta(0, "{\"type\":\"text_delta\",\"text\":\"short\"}"));

        assertThat(followUpAssistantContent()).singleElement()
                .satisfies(block -> assertThat(block.path("text").asText()).isEqualTo("cut short"));
    }

    @Test
    void aRoundOfVeryManyEmptyBlocksRunsItsBudgetOutAndCannotLoop() {
        StringBuilder sse = new StringBuilder(messageStart());
        for (int i = 0; i < 10_000; i++) { // about 1.5 Mi characters charged: more than the 1 Mi this loop's rounds hold
            sse.append(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + i + ",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"))
                    .append(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + i + "}"));
        }
        sse.append(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":10000,\"content_block\":{\"type\":\"tool_use\","
                        + "\"id\":\"toolu_1\",\"name\":\"bmcp_tools_echo\",\"input\":{}}}"))
                .append(delta(10_000, "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"text\\\":\\\"hi\\\"}\"}"))
                .append(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":10000}"))
                .append(messageEnd());
        run(sse.toString());

        assertThat(round.overflowed()).as("empty blocks are charged too").isTrue();
        assertThat(round.loops()).as("the injected call is still known, to be recorded as not run").isTrue();
        assertThat(round.injectedCalls()).singleElement().satisfies(call -> {
            assertThat(call.name()).isEqualTo("bmcp_tools_echo");
            assertThat(call.id()).isEqualTo("toolu_1");
        });
    }

    @Test
    void everyInjectedCallOfAnOverflowedRoundIsKnownToBeRecordedAsNotRun() {
        StringBuilder sse = new StringBuilder(messageStart());
        overflowingText(sse);
        for (int i = 1; i <= 3; i++) {
            sse.append(echoStart(i, "toolu_" + i)).append(stop(i));
        }
        run(sse.append(messageEnd()).toString());

        assertThat(round.overflowed()).isTrue();
        assertThat(round.loops()).isTrue();
        assertThat(round.injectedCalls()).extracting(ToolCall::id).containsExactly("toolu_1", "toolu_2", "toolu_3");
        assertThat(round.injectedCalls()).extracting(ToolCall::arguments).containsOnly("{}");
    }

    @Test
    void anOverflowedRoundRecordsABoundedNumberOfInjectedCalls() {
        StringBuilder sse = new StringBuilder(messageStart());
        overflowingText(sse);
        for (int i = 1; i <= 1_100; i++) {
            sse.append(echoStart(i, "toolu_" + i + "x".repeat(300))).append(stop(i));
        }
        run(sse.append(messageEnd()).toString());

        assertThat(round.injectedCalls()).hasSize(1024);
        assertThat(round.injectedCalls().get(0).id()).startsWith("toolu_1x").hasSize(256);
    }

    @Test
    void aDeltaOrStopForABlockThatIsNotOpenIsDroppedAndLeavesTheKeptBlockAlone() {
        String client = run(messageStart()
                + event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\","
                        + "\"id\":\"toolu_1\",\"name\":\"bmcp_tools_echo\",\"input\":{}}}")
                + delta(0, "{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}")
                + stop(0)
                + delta(0, "{\"type\":\"input_json_delta\",\"partial_json\":\"secret\"}")
                + event("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
                + delta(1, "{\"type\":\"text_delta\",\"text\":\"seen\"}")
                + stop(1)
                + delta(1, "{\"type\":\"text_delta\",\"text\":\" late\"}")
                + delta(7, "{\"type\":\"text_delta\",\"text\":\" never started\"}")
                + stop(7)
                + messageEnd());

        assertThat(client).doesNotContain("secret", "late", "never started", "\"index\":1", "\"index\":7");
        assertThat(client).contains("seen");
        assertThat(followUpAssistantContent()).extracting(b -> b.path("type").asText()).containsExactly("tool_use", "text");
        assertThat(followUpAssistantContent().get(1).path("text").asText()).isEqualTo("seen");
    }

    @Test
    void anInjectedCallTheMessageEndsWithoutStoppingIsUnfinishedWithItsInputSoFarAndLeavesTheFollowUp() {
        run(messageStart()
                + echoStart(0, "toolu_1") + delta(0, "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"text\\\":\\\"hi\\\"}\"}") + stop(0)
                + echoStart(1, "toolu_2") + delta(1, "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"text\\\":\\\"cu\"}")
                + messageEnd());

        assertThat(round.injectedCalls()).containsExactly(new ToolCall("toolu_1", "bmcp_tools_echo", "{\"text\":\"hi\"}"));
        assertThat(round.unfinishedCalls()).as("never run: its input may be cut")
                .containsExactly(new ToolCall("toolu_2", "bmcp_tools_echo", "{\"text\":\"cu"));
        assertThat(round.loops()).as("the finished call still runs").isTrue();
        assertThat(followUpAssistantContent()).extracting(b -> b.path("id").asText()).as("no tool_use without its result").containsExactly("toolu_1");
    }

    @Test
    void aRoundWhoseOnlyInjectedCallIsUnfinishedEndsForTheClientAsATurnWithoutTools() {
        String client = run(messageStart()
                + event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"Asking.\"}}")
                + stop(0)
                + echoStart(1, "toolu_1")
                + messageEnd());

        assertThat(round.unfinishedCalls()).containsExactly(new ToolCall("toolu_1", "bmcp_tools_echo", "{}"));
        assertThat(round.injectedCalls()).isEmpty();
        assertThat(round.loops()).isFalse();
        assertThat(client).contains("Asking.", "\"stop_reason\":\"end_turn\"", "event: message_stop").doesNotContain("toolu_1", "bmcp_");
    }

    @Test
    void aStreamCutBeforeMessageStopLeavesItsOpenInjectedCallUnfinishedAndItsStoppedOneComplete() {
        run(messageStart()
                + echoStart(0, "toolu_1") + delta(0, "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"text\\\":\\\"hi\\\"}\"}") + stop(0)
                + echoStart(1, "toolu_2") + delta(1, "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"text\\\":\\\"cu\"}"));
        assertThat(round.terminal()).isFalse();
        assertThat(round.unfinishedCalls()).as("still open until the stream is known to be cut").isEmpty();

        round.cut();

        assertThat(round.injectedCalls()).containsExactly(new ToolCall("toolu_1", "bmcp_tools_echo", "{\"text\":\"hi\"}"));
        assertThat(round.unfinishedCalls()).containsExactly(new ToolCall("toolu_2", "bmcp_tools_echo", "{\"text\":\"cu"));
    }

    // ------------------------------------------------------------------------------- helpers

    /** Runs one round (the loop's first) over the stream, fed in small pieces; returns what the client gets. */
    private String run(String sse) {
        loop.round++;
        AnthropicLoop api = new AnthropicLoop();
        round = api.newRound(loop, api.observer(probe.recording));
        SseDecoder decoder = new SseDecoder(round, round.live(), 1 << 20);
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);
        StringBuilder client = new StringBuilder();
        for (int i = 0; i < bytes.length; i += 11) {
            client.append(relayed(decoder.feed(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + 11)))));
        }
        client.append(relayed(decoder.finish()));
        round.observer.onStreamEnd();
        return client.toString();
    }

    private static String relayed(byte[] bytes) {
        return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    }

    /** A text block at index 0 longer than the 1 Mi this loop's rounds hold, in deltas the decoder reads. */
    private static void overflowingText(StringBuilder sse) {
        sse.append(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
        for (int i = 0; i < 20; i++) {
            sse.append(delta(0, "{\"type\":\"text_delta\",\"text\":\"" + "x".repeat(64 * 1024) + "\"}"));
        }
        sse.append(stop(0));
    }

    private List<JsonNode> followUpAssistantContent() {
        ObjectNode request = Json.MAPPER.createObjectNode();
        round.appendFollowUp(request, null, List.of());
        JsonNode assistant = request.path("messages").path(0);
        assertThat(assistant.path("role").asText()).isEqualTo("assistant");
        List<JsonNode> content = new ArrayList<>();
        assistant.path("content").forEach(content::add);
        return content;
    }

    private static String messageStart() {
        return event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\","
                + "\"content\":[],\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}");
    }

    private static String messageEnd() {
        return event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":50}}")
                + event("message_stop", "{\"type\":\"message_stop\"}");
    }

    /** The start of a call to the injected echo, with an empty input (it streams in deltas). */
    private static String echoStart(int index, String id) {
        return event("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + index + ",\"content_block\":{\"type\":\"tool_use\","
                + "\"id\":\"" + id + "\",\"name\":\"bmcp_tools_echo\",\"input\":{}}}");
    }

    private static String delta(int index, String delta) {
        return event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index + ",\"delta\":" + delta + "}");
    }

    private static String stop(int index) {
        return event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}");
    }

    private static String event(String name, String data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }
}

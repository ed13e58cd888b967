package io.aibridge.proxy.injection;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.events.ToolUsageRecorded;
import io.aibridge.proxy.interception.Json;
import io.aibridge.proxy.interception.RecordingProbe;
import io.aibridge.proxy.mcp.TestToolSets;
import io.aibridge.proxy.sse.SseDecoder;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One round of the Chat Completions tool loop, fed a stream: what the client is sent, which injected
 * calls the loop collects, and whether it goes on. The injected tool is {@code bmcp_tools_echo}.
 */
class ChatLoopTest {

    private final RecordingProbe probe = new RecordingProbe("hi");
    private final LoopState loop = new LoopState(TestToolSets.of("tools", "echo"), true, false, 1 << 20);
    private Round round;

    @Test
    void fragmentsWithoutAnIndexStartANewCallWhenTheyCarryAnId() {
        // an OpenAI-compatible server that leaves index out: the injected call, then the client's own
        String client = stream(chunk("{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"bmcp_tools_echo\",\"arguments\":\"{\\\"text\\\"\"}}]}", null)
                + chunk("{\"tool_calls\":[{\"function\":{\"arguments\":\":\\\"hi\\\"}\"}}]}", null)
                + chunk("{\"tool_calls\":[{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{}\"}}]}", null)
                + chunk("{}", "\"tool_calls\"")
                + "data: [DONE]\n\n");

        assertThat(round.injectedCalls()).containsExactly(new ToolCall("call_1", "bmcp_tools_echo", "{\"text\":\"hi\"}"));
        assertThat(round.clientCalls()).isTrue();
        assertThat(round.loops()).as("the client's own call ends the loop").isFalse();
        List<JsonNode> calls = chunks(client).stream().flatMap(c -> stream(c.path("choices").path(0).path("delta").path("tool_calls"))).toList();
        assertThat(calls).singleElement().satisfies(call -> {
            assertThat(call.path("id").asText()).isEqualTo("call_2");
            assertThat(call.path("function").path("name").asText()).isEqualTo("get_weather");
            assertThat(call.path("index").asInt(-1)).as("the client's first call").isZero();
        });
        assertThat(client).doesNotContain("bmcp_", "call_1");
        assertThat(finishReasons(client)).containsExactly("tool_calls");
    }

    @Test
    void theFinishChunkOfALoopingRoundLosesOnlyItsFinishReason() {
        String client = stream(chunk("{\"role\":\"assistant\",\"content\":\"Let me ask\"}", null)
                + chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"bmcp_tools_echo\",\"arguments\":\"{\\\"text\\\":\\\"hi\\\"}\"}}]}", null)
                // some servers put the last text in the chunk that finishes the choice
                + chunk("{\"content\":\" the echo tool.\"}", "\"tool_calls\"")
                + "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12}}\n\n"
                + "data: [DONE]\n\n");

        assertThat(round.loops()).isTrue();
        assertThat(text(client)).isEqualTo("Let me ask the echo tool.");
        assertThat(finishReasons(client)).as("the loop goes on: no finish_reason yet").isEmpty();
        assertThat(client).doesNotContain("bmcp_", "[DONE]", "usage\":{");
    }

    @Test
    void aLoopingFinishChunkWithNothingElseIsDropped() {
        String client = stream(chunk("{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"bmcp_tools_echo\",\"arguments\":\"{}\"}}]}", null)
                + chunk("{}", "\"tool_calls\"")
                + "data: [DONE]\n\n");

        assertThat(round.loops()).isTrue();
        assertThat(client).isEmpty();
    }

    @Test
    void aCustomToolCallInALaterRoundReachesTheClientUnchangedAndEndsTheLoop() {
        probe.recording.injectedTools(loop.tools::contains);
        stream(chunk("{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"bmcp_tools_echo\",\"arguments\":\"{}\"}}]}", null)
                + chunk("{}", "\"tool_calls\"")
                + "data: [DONE]\n\n");
        assertThat(round.loops()).isTrue();

        String client = stream(chunk("{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_c\",\"type\":\"custom\",\"custom\":{\"name\":\"apply_patch\",\"input\":\"\"}}]}", null)
                + chunk("{\"tool_calls\":[{\"index\":0,\"custom\":{\"input\":\"*** Begin Patch\\n\"}}]}", null)
                + chunk("{\"tool_calls\":[{\"index\":0,\"custom\":{\"input\":\"*** End Patch\"}}]}", null)
                + chunk("{}", "\"tool_calls\"")
                + "data: [DONE]\n\n");

        assertThat(round.clientCalls()).isTrue();
        assertThat(round.loops()).isFalse();
        assertThat(round.injectedCalls()).isEmpty();
        List<JsonNode> fragments = chunks(client).stream().flatMap(c -> stream(c.path("choices").path(0).path("delta").path("tool_calls"))).toList();
        assertThat(fragments).hasSize(3).allSatisfy(f -> assertThat(f.path("index").asInt(-1)).isZero());
        assertThat(fragments.get(0).path("custom").path("name").asText()).isEqualTo("apply_patch");
        assertThat(fragments.stream().map(f -> f.path("custom").path("input").asText()).collect(Collectors.joining()))
                .isEqualTo("*** Begin Patch\n*** End Patch");
        assertThat(finishReasons(client)).containsExactly("tool_calls");
        assertThat(probe.of(ToolUsageRecorded.class)).singleElement().satisfies(t -> {
            assertThat(t.tool()).isEqualTo("apply_patch");
            assertThat(t.injected()).isFalse();
            assertThat(t.input()).as("a custom tool's input is raw text").isEqualTo("*** Begin Patch\n*** End Patch");
        });
    }

    @Test
    void parallelCallsInterleavedByIndexHideTheInjectedOneAndRenumberTheClients() {
        String client = stream(chunk("{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_e\",\"type\":\"function\",\"function\":{\"name\":\"bmcp_tools_echo\",\"arguments\":\"\"}}]}", null)
                + chunk("{\"tool_calls\":[{\"index\":1,\"id\":\"call_w\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}", null)
                + chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"text\\\":\"}}]}", null)
                + chunk("{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"{\\\"location\\\":\"}}]}", null)
                // both calls in one chunk
                + chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"hi\\\"}\"}},{\"index\":1,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]}", null)
                + chunk("{}", "\"tool_calls\"")
                + "data: [DONE]\n\n");

        assertThat(round.injectedCalls()).containsExactly(new ToolCall("call_e", "bmcp_tools_echo", "{\"text\":\"hi\"}"));
        assertThat(round.clientCalls()).isTrue();
        assertThat(round.loops()).as("the injected call is recorded as not run").isFalse();
        List<JsonNode> fragments = chunks(client).stream().flatMap(c -> stream(c.path("choices").path(0).path("delta").path("tool_calls"))).toList();
        assertThat(fragments).hasSize(3).allSatisfy(f -> assertThat(f.path("index").asInt(-1)).isZero());
        assertThat(fragments.get(0).path("id").asText()).isEqualTo("call_w");
        assertThat(fragments.stream().map(f -> f.path("function").path("arguments").asText()).collect(Collectors.joining()))
                .isEqualTo("{\"location\":\"Paris\"}");
        assertThat(client).doesNotContain("bmcp_", "call_e", "text");
        assertThat(finishReasons(client)).containsExactly("tool_calls");
    }

    @Test
    void aRoundFollowsAtMost1024CallsAndRelaysTheRestAsTheyCameEndingTheLoop() {
        StringBuilder sse = new StringBuilder(chunk("{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_0\",\"type\":\"function\",\"function\":{\"name\":\"bmcp_tools_echo\",\"arguments\":\"{}\"}}]}", null));
        for (int i = 1; i < 1030; i++) {
            sse.append(chunk("{\"tool_calls\":[{\"index\":" + i + ",\"id\":\"call_" + i + "\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{}\"}}]}", null));
        }
        String client = stream(sse + chunk("{}", "\"tool_calls\"") + "data: [DONE]\n\n");

        assertThat(round.injectedCalls()).containsExactly(new ToolCall("call_0", "bmcp_tools_echo", "{}"));
        assertThat(round.clientCalls()).isTrue();
        assertThat(round.loops()).isFalse();
        List<JsonNode> fragments = chunks(client).stream().flatMap(c -> stream(c.path("choices").path(0).path("delta").path("tool_calls"))).toList();
        assertThat(fragments).hasSize(1029);
        assertThat(fragments.get(1022).path("id").asText()).isEqualTo("call_1023");
        assertThat(fragments.get(1022).path("index").asInt()).as("the last call followed, renumbered").isEqualTo(1022);
        assertThat(fragments.subList(1023, 1029)).extracting(f -> f.path("id").asText() + " " + f.path("index").asInt())
                .as("calls past the bound, as the provider numbered them")
                .containsExactly("call_1024 1024", "call_1025 1025", "call_1026 1026", "call_1027 1027", "call_1028 1028", "call_1029 1029");
    }

    @Test
    void aToolCallFragmentThatIsNoObjectReachesTheClientAndBreaksNothing() {
        String client = stream(chunk("{\"role\":\"assistant\",\"tool_calls\":[7,{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"bmcp_tools_echo\",\"arguments\":\"{}\"}}]}", null)
                + chunk("{}", "\"tool_calls\"")
                + "data: [DONE]\n\n");

        assertThat(round.injectedCalls()).containsExactly(new ToolCall("call_1", "bmcp_tools_echo", "{}"));
        List<JsonNode> fragments = chunks(client).stream().flatMap(c -> stream(c.path("choices").path(0).path("delta").path("tool_calls"))).toList();
        assertThat(fragments).extracting(JsonNode::toString).containsExactly("7");
    }

    @Test
    void aChoiceThatEndsWithoutFinishReasonRunsNoneOfItsInjectedCallsAndItsTurnEndsWithStop() {
        String client = stream(chunk("{\"role\":\"assistant\",\"content\":\"Let me ask\"}", null)
                + chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"bmcp_tools_echo\",\"arguments\":\"{\\\"text\\\":\\\"cu\"}}]}", null)
                + "data: [DONE]\n\n");

        assertThat(round.injectedCalls()).isEmpty();
        assertThat(round.unfinishedCalls()).as("never run: its arguments may be cut")
                .containsExactly(new ToolCall("call_1", "bmcp_tools_echo", "{\"text\":\"cu"));
        assertThat(round.loops()).isFalse();
        assertThat(text(client)).isEqualTo("Let me ask");
        assertThat(finishReasons(client)).as("added by the proxy: the client saw nothing else end its turn").containsExactly("stop");
        List<JsonNode> chunks = chunks(client);
        JsonNode stop = chunks.get(chunks.size() - 1);
        assertThat(stop.path("id").asText()).isEqualTo("chatcmpl-1");
        assertThat(stop.path("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(stop.path("choices").get(0).path("index").asInt(-1)).isZero();
        assertThat(stop.has("usage")).as("the client did not ask for usage").isFalse();
        assertThat(client).endsWith("\n\ndata: [DONE]\n\n").doesNotContain("bmcp_", "call_1");
        assertThat(client.split("\\[DONE]", -1)).as("one [DONE]").hasSize(2);
    }

    @Test
    void aUsageChunkDoesNotStandInForAMissingFinishReason() {
        String client = stream(chunk("{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"bmcp_tools_echo\",\"arguments\":\"{\\\"text\\\":\\\"hi\\\"}\"}}]}", null)
                + "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12}}\n\n"
                + "data: [DONE]\n\n");

        assertThat(round.injectedCalls()).isEmpty();
        assertThat(round.unfinishedCalls()).containsExactly(new ToolCall("call_1", "bmcp_tools_echo", "{\"text\":\"hi\"}"));
        assertThat(round.loops()).isFalse();
        assertThat(finishReasons(client)).containsExactly("stop");
        assertThat(client).doesNotContain("bmcp_", "usage\":{");
        assertThat(loop.totals.get("completion_tokens")).as("the round's usage is summed all the same").isEqualTo(7);
    }

    @Test
    void aChoiceWithoutFinishReasonThatAlsoCalledTheClientsToolGetsNoAddedFinish() {
        String client = stream(chunk("{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"bmcp_tools_echo\",\"arguments\":\"{}\"}}]}", null)
                + chunk("{\"tool_calls\":[{\"index\":1,\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{}\"}}]}", null)
                + "data: [DONE]\n\n");

        assertThat(round.unfinishedCalls()).containsExactly(new ToolCall("call_1", "bmcp_tools_echo", "{}"));
        assertThat(round.injectedCalls()).isEmpty();
        assertThat(round.clientCalls()).isTrue();
        assertThat(finishReasons(client)).as("the client's call came as the provider sent it, without an end").isEmpty();
        assertThat(client).contains("call_2").doesNotContain("bmcp_", "call_1").endsWith("data: [DONE]\n\n");
    }

    @Test
    void anErrorChunkEndsTheStreamWithoutAnAddedFinish() {
        String client = stream(chunk("{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"bmcp_tools_echo\",\"arguments\":\"{\\\"te\"}}]}", null)
                + "data: {\"error\":{\"type\":\"server_error\",\"message\":\"overloaded\"}}\n\n"
                + "data: [DONE]\n\n");

        assertThat(round.unfinishedCalls()).containsExactly(new ToolCall("call_1", "bmcp_tools_echo", "{\"te"));
        assertThat(finishReasons(client)).isEmpty();
        assertThat(client).contains("overloaded").doesNotContain("bmcp_");
    }

    @Test
    void aStreamCutBeforeDoneLeavesItsInjectedCallsUnfinished() {
        String client = stream(chunk("{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"bmcp_tools_echo\",\"arguments\":\"{\\\"text\\\"\"}}]}", null));
        assertThat(round.terminal()).isFalse();
        assertThat(round.unfinishedCalls()).isEmpty();

        round.cut();

        assertThat(round.unfinishedCalls()).containsExactly(new ToolCall("call_1", "bmcp_tools_echo", "{\"text\""));
        assertThat(round.injectedCalls()).isEmpty();
        assertThat(finishReasons(client)).as("a cut stream reaches the client as it came").isEmpty();
    }

    @Test
    void aFinishedChoiceIsNotUnfinishedWhenTheStreamIsCutAfterwards() {
        stream(chunk("{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"bmcp_tools_echo\",\"arguments\":\"{}\"}}]}", null)
                + chunk("{}", "\"tool_calls\""));

        round.cut();

        assertThat(round.injectedCalls()).containsExactly(new ToolCall("call_1", "bmcp_tools_echo", "{}"));
        assertThat(round.unfinishedCalls()).isEmpty();
    }

    // ------------------------------------------------------------------------------- helpers

    /** Runs one round (the loop's first) over the stream, fed in small pieces; returns what the client is sent. */
    private String stream(String sse) {
        loop.round++;
        ChatLoop api = new ChatLoop();
        round = api.newRound(loop, api.observer(probe.recording));
        SseDecoder decoder = new SseDecoder(round, round.live(), 1 << 20);
        ByteArrayOutputStream client = new ByteArrayOutputStream();
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += 7) {
            client.writeBytes(decoder.feed(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + 7))));
        }
        client.writeBytes(decoder.finish());
        round.observer.onStreamEnd();
        return client.toString(StandardCharsets.UTF_8);
    }

    private static String chunk(String delta, String finishReason) {
        return "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":" + delta
                + ",\"finish_reason\":" + finishReason + "}],\"usage\":null}\n\n";
    }

    private static List<JsonNode> chunks(String client) {
        return Arrays.stream(client.split("\n\n")).filter(f -> f.startsWith("data: {"))
                .map(f -> Json.parse(f.substring("data: ".length()).getBytes(StandardCharsets.UTF_8))).toList();
    }

    private static java.util.stream.Stream<JsonNode> stream(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false);
    }

    private static String text(String client) {
        return chunks(client).stream().map(c -> c.path("choices").path(0).path("delta").path("content").asText(""))
                .collect(Collectors.joining());
    }

    private static List<String> finishReasons(String client) {
        return chunks(client).stream().map(c -> c.path("choices").path(0).path("finish_reason"))
                .filter(f -> !f.isNull() && !f.isMissingNode()).map(JsonNode::asText).toList();
    }
}

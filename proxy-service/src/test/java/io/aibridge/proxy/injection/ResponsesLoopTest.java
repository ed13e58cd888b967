package io.aibridge.proxy.injection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.proxy.interception.Json;
import io.aibridge.proxy.interception.RecordingProbe;
import io.aibridge.proxy.mcp.TestToolSets;
import io.aibridge.proxy.mcp.ToolCallOutcome;
import io.aibridge.proxy.sse.SseDecoder;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One round of the OpenAI Responses tool loop, fed a stream: which injected calls it collects, which
 * it leaves unfinished, what the client is sent when the loop ends with it, and the follow-up's input
 * items. The injected tool is {@code bmcp_tools_echo}.
 */
class ResponsesLoopTest {

    private static final String MESSAGE = "{\"id\":\"msg_1\",\"type\":\"message\",\"status\":\"completed\",\"role\":\"assistant\","
            + "\"content\":[{\"type\":\"output_text\",\"annotations\":[],\"text\":\"Let me ask.\"}]}";

    private final RecordingProbe probe = new RecordingProbe("hi");
    private final LoopState loop = new LoopState(TestToolSets.of("tools", "echo"), true, false, 1 << 20);
    private final StringBuilder sse = new StringBuilder();
    private int sequence;
    private Round round;
    private byte[] held;

    @Test
    void anInjectedCallAddedButNeverDoneIsUnfinishedWithItsArgumentsSoFarAndHiddenFromTheClient() {
        created();
        message(0);
        added(1, "fc_1", "call_1");
        argumentsDelta(1, "fc_1", "{\"text\":\"cu");
        completed(MESSAGE + "," + functionCall("fc_1", "call_1", "in_progress", "{\"text\":\"cu"));

        run();

        assertThat(round.terminal()).isTrue();
        assertThat(round.injectedCalls()).as("the final response's listing does not complete it").isEmpty();
        assertThat(round.unfinishedCalls()).as("never run: its arguments may be cut")
                .containsExactly(new ToolCall("call_1", "bmcp_tools_echo", "{\"text\":\"cu"));
        assertThat(round.loops()).isFalse();
        String client = new String(round.finishStream(held), StandardCharsets.UTF_8);
        assertThat(client).contains("Let me ask.").doesNotContain("bmcp_", "fc_1", "call_1", "function_call");
        List<JsonNode> events = events(client);
        assertThat(events).extracting(e -> e.path("sequence_number").asInt()).as("numbered without the gaps")
                .containsExactlyElementsOf(IntStream.range(0, events.size()).boxed().toList());
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.path("type").asText()).isEqualTo("response.completed");
        assertThat(last.path("response").path("output")).extracting(i -> i.path("type").asText()).containsExactly("message");
    }

    @Test
    void aCompletedCallRunsAndAnUnfinishedOneLeavesTheFollowUp() {
        created();
        message(0);
        added(1, "fc_1", "call_1");
        argumentsDelta(1, "fc_1", "{\"text\":");
        argumentsDelta(1, "fc_1", "\"hi\"}");
        event("response.function_call_arguments.done", "{\"type\":\"response.function_call_arguments.done\",\"item_id\":\"fc_1\","
                + "\"output_index\":1,\"arguments\":\"{\\\"text\\\":\\\"hi\\\"}\"");
        event("response.output_item.done", "{\"type\":\"response.output_item.done\",\"output_index\":1,\"item\":"
                + functionCall("fc_1", "call_1", "completed", "{\"text\":\"hi\"}"));
        added(2, "fc_2", "call_2");
        argumentsDelta(2, "fc_2", "{\"text\":\"the");
        completed(MESSAGE + "," + functionCall("fc_1", "call_1", "completed", "{\"text\":\"hi\"}")
                + "," + functionCall("fc_2", "call_2", "in_progress", "{\"text\":\"the"));

        run();

        assertThat(round.injectedCalls()).containsExactly(new ToolCall("call_1", "bmcp_tools_echo", "{\"text\":\"hi\"}"));
        assertThat(round.unfinishedCalls()).containsExactly(new ToolCall("call_2", "bmcp_tools_echo", "{\"text\":\"the"));
        assertThat(round.loops()).as("the completed call still runs").isTrue();
        ObjectNode request = Json.MAPPER.createObjectNode().put("input", "Use the tools.");
        round.appendFollowUp(request, null, List.of(new ToolResult(round.injectedCalls().get(0), ToolCallOutcome.failed("boom"))));
        assertThat(request.path("input")).extracting(i -> i.path("type").asText() + " " + i.path("call_id").asText())
                .as("no function_call without its output")
                .containsExactly(" ", "message ", "function_call call_1", "function_call_output call_1");
    }

    @Test
    void aCallWhoseArgumentsAreDoneIsCompleteWithoutItsItemsDoneEvent() {
        created();
        added(0, "fc_1", "call_1");
        argumentsDelta(0, "fc_1", "{\"text\":\"hi\"}");
        event("response.function_call_arguments.done", "{\"type\":\"response.function_call_arguments.done\",\"item_id\":\"fc_1\","
                + "\"output_index\":0,\"arguments\":\"{\\\"text\\\":\\\"hi\\\"}\"");
        completed(functionCall("fc_1", "call_1", "completed", "{\"text\":\"hi\"}"));

        run();

        assertThat(round.injectedCalls()).containsExactly(new ToolCall("call_1", "bmcp_tools_echo", "{\"text\":\"hi\"}"));
        assertThat(round.unfinishedCalls()).isEmpty();
        assertThat(round.loops()).isTrue();
    }

    @Test
    void aStreamCutBeforeTheResponseEndedLeavesItsOpenCallsUnfinished() {
        created();
        added(0, "fc_1", "call_1");
        argumentsDelta(0, "fc_1", "{\"te");

        run();
        assertThat(round.terminal()).isFalse();
        round.cut();

        assertThat(round.unfinishedCalls()).containsExactly(new ToolCall("call_1", "bmcp_tools_echo", "{\"te"));
        assertThat(round.injectedCalls()).isEmpty();
    }

    @Test
    void argumentsPastTheHeldLimitKeepTheirStartAndLeaveTheRoundFreeToLoop() {
        LoopState small = new LoopState(TestToolSets.of("tools", "echo"), true, false, 64);
        created();
        added(0, "fc_1", "call_1");
        argumentsDelta(0, "fc_1", "{\"text\":\"" + "x".repeat(40));
        argumentsDelta(0, "fc_1", "y".repeat(40));
        argumentsDelta(0, "fc_1", "\"}");
        completed(functionCall("fc_1", "call_1", "in_progress", "{}"));

        run(small);

        assertThat(round.unfinishedCalls()).singleElement().satisfies(c ->
                assertThat(c.arguments()).as("only what fit, from the start").isEqualTo("{\"text\":\"" + "x".repeat(40)));
        assertThat(round.overflowed()).as("only a record is held: the round's own limit is not charged").isFalse();
    }

    // ------------------------------------------------------------------------------- helpers

    private void run() {
        run(loop);
    }

    /** Runs one round (the loop's first) over the stream, fed in small pieces; the round holds what it was fed. */
    private void run(LoopState state) {
        state.round++;
        ResponsesLoop api = new ResponsesLoop();
        round = api.newRound(state, api.observer(probe.recording));
        SseDecoder decoder = new SseDecoder(round, round.live(), 1 << 20);
        byte[] bytes = sse.toString().getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += 7) {
            decoder.feed(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + 7)));
        }
        decoder.finish();
        round.observer.onStreamEnd();
        held = bytes;
    }

    private void event(String type, String dataWithoutEnd) {
        sse.append("event: ").append(type).append("\ndata: ").append(dataWithoutEnd)
                .append(",\"sequence_number\":").append(sequence++).append("}\n\n");
    }

    private void created() {
        event("response.created", "{\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"in_progress\",\"output\":[]}");
    }

    private void message(int outputIndex) {
        event("response.output_item.added", "{\"type\":\"response.output_item.added\",\"output_index\":" + outputIndex
                + ",\"item\":{\"id\":\"msg_1\",\"type\":\"message\",\"status\":\"in_progress\",\"role\":\"assistant\",\"content\":[]}");
        event("response.output_text.delta", "{\"type\":\"response.output_text.delta\",\"item_id\":\"msg_1\",\"output_index\":" + outputIndex
                + ",\"content_index\":0,\"delta\":\"Let me ask.\"");
        event("response.output_item.done", "{\"type\":\"response.output_item.done\",\"output_index\":" + outputIndex + ",\"item\":" + MESSAGE);
    }

    private void added(int outputIndex, String id, String callId) {
        event("response.output_item.added", "{\"type\":\"response.output_item.added\",\"output_index\":" + outputIndex + ",\"item\":"
                + functionCall(id, callId, "in_progress", ""));
    }

    private void argumentsDelta(int outputIndex, String id, String delta) {
        event("response.function_call_arguments.delta", "{\"type\":\"response.function_call_arguments.delta\",\"item_id\":\"" + id
                + "\",\"output_index\":" + outputIndex + ",\"delta\":" + Json.MAPPER.valueToTree(delta));
    }

    private void completed(String output) {
        event("response.completed", "{\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"completed\","
                + "\"output\":[" + output + "],\"usage\":{\"input_tokens\":5,\"output_tokens\":7,\"total_tokens\":12}}");
    }

    private static String functionCall(String id, String callId, String status, String arguments) {
        return "{\"id\":\"" + id + "\",\"type\":\"function_call\",\"status\":\"" + status + "\",\"arguments\":"
                + Json.MAPPER.valueToTree(arguments) + ",\"call_id\":\"" + callId + "\",\"name\":\"bmcp_tools_echo\"}";
    }

    private static List<JsonNode> events(String client) {
        return Arrays.stream(client.split("\n\n")).filter(f -> f.contains("data: {"))
                .map(f -> Json.parse(f.substring(f.indexOf("data: ") + "data: ".length()).getBytes(StandardCharsets.UTF_8))).toList();
    }
}

package io.aibridge.proxy.openai;

import io.aibridge.events.PromptRecorded;
import io.aibridge.events.ToolUsageRecorded;
import io.aibridge.proxy.interception.RecordingProbe;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Responses items are recorded once, whether they come in {@code output_item.done}, in the terminal response, or both. */
class ResponsesObserverTest {

    private static String event(String name, String data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    @Test
    void anItemWithoutAnIdSeenAgainInTheTerminalResponseIsRecordedOnce() {
        RecordingProbe probe = new RecordingProbe("hi");
        String item = "{\"type\":\"function_call\",\"call_id\":\"call_1\",\"name\":\"f\",\"arguments\":\"{\\\"a\\\":1}\"}";
        String sse = event("response.created", "{\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\"}}")
                + event("response.output_item.done", "{\"type\":\"response.output_item.done\",\"item\":" + item + "}")
                + event("response.completed", "{\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"status\":\"completed\","
                + "\"output\":[" + item + ",{\"type\":\"function_call\",\"call_id\":\"call_2\",\"name\":\"g\",\"arguments\":\"{}\"}]}}");
        RecordingProbe.stream(new ResponsesObserver(probe.recording), sse, 13);
        assertThat(probe.of(ToolUsageRecorded.class, t -> t.providerToolCallId() + " " + t.input()))
                .containsExactly("call_1 {\"a\":1}", "call_2 {}");
    }

    /**
     * A deliberate difference: the reference skips the prompt when the first response id is empty;
     * ours records it with an empty provider response id, so that a prompt is never lost.
     */
    @Test
    void recordsThePromptWithAnEmptyResponseIdWhenTheProviderGaveNone() {
        RecordingProbe probe = new RecordingProbe("what time is it?");
        String sse = event("response.created", "{\"type\":\"response.created\",\"response\":{\"id\":\"\"}}")
                + event("response.completed", "{\"type\":\"response.completed\",\"response\":{\"id\":\"\",\"status\":\"completed\","
                + "\"output\":[],\"usage\":{\"input_tokens\":12,\"output_tokens\":3,\"total_tokens\":15}}}");
        RecordingProbe.stream(new ResponsesObserver(probe.recording), sse, 17);
        assertThat(probe.of(PromptRecorded.class, p -> "[" + p.providerResponseId() + "] " + p.prompt()))
                .containsExactly("[] what time is it?");

        RecordingProbe blocking = new RecordingProbe("what time is it?");
        ResponsesObserver observer = new ResponsesObserver(blocking.recording);
        observer.onBody(io.aibridge.proxy.interception.Json.parse("{\"object\":\"response\",\"status\":\"completed\",\"output\":[]}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(blocking.of(PromptRecorded.class, p -> "[" + p.providerResponseId() + "] " + p.prompt()))
                .containsExactly("[] what time is it?");
    }

    @Test
    void recordsTheFirst4096ItemsOfAResponseAndLeavesOutTheRest() {
        RecordingProbe probe = new RecordingProbe("hi");
        StringBuilder sse = new StringBuilder(event("response.created", "{\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\"}}"));
        for (int i = 0; i < 4100; i++) {
            sse.append(event("response.output_item.done", "{\"type\":\"response.output_item.done\",\"output_index\":" + i
                    + ",\"item\":{\"id\":\"fc_" + i + "\",\"type\":\"function_call\",\"call_id\":\"call_" + i + "\",\"name\":\"f\",\"arguments\":\"{}\"}}"));
        }
        // the terminal response repeats a recorded item and one left out
        sse.append(event("response.completed", "{\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"status\":\"completed\","
                + "\"output\":[{\"id\":\"fc_0\",\"type\":\"function_call\",\"call_id\":\"call_0\",\"name\":\"f\",\"arguments\":\"{}\"},"
                + "{\"id\":\"fc_4099\",\"type\":\"function_call\",\"call_id\":\"call_4099\",\"name\":\"f\",\"arguments\":\"{}\"}],"
                + "\"usage\":{\"input_tokens\":10,\"output_tokens\":5,\"total_tokens\":15}}}"));
        RecordingProbe.stream(new ResponsesObserver(probe.recording), sse.toString(), 4096);

        java.util.List<String> ids = probe.of(ToolUsageRecorded.class, ToolUsageRecorded::providerToolCallId);
        assertThat(ids).hasSize(ResponsesObserver.MAX_ITEMS).startsWith("call_0").endsWith("call_4095");
        assertThat(probe.of(io.aibridge.events.TokenUsageRecorded.class)).hasSize(1);
    }

    @Test
    void itemsWithHugeIdsAreToldApartByTheIdsDigestsNotKeptWhole() {
        RecordingProbe probe = new RecordingProbe("hi");
        ResponsesObserver observer = new ResponsesObserver(probe.recording);
        StringBuilder sse = new StringBuilder(event("response.created", "{\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\"}}"));
        java.util.List<String> items = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            // ids of 50,000 characters, differing only at their end
            items.add("{\"id\":\"" + "i".repeat(50_000) + i + "\",\"type\":\"function_call\",\"call_id\":\"call_" + i
                    + "\",\"name\":\"f\",\"arguments\":\"{}\"}");
            sse.append(event("response.output_item.done", "{\"type\":\"response.output_item.done\",\"item\":" + items.get(i) + "}"));
        }
        // the terminal response (under the probe's 1 MiB event limit) repeats them all: each is still recorded once
        sse.append(event("response.completed", "{\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"status\":\"completed\","
                + "\"output\":[" + String.join(",", items) + "]}}"));
        RecordingProbe.stream(observer, sse.toString(), 65536);

        assertThat(probe.of(ToolUsageRecorded.class, ToolUsageRecorded::providerToolCallId))
                .containsExactly("call_0", "call_1", "call_2", "call_3", "call_4", "call_5", "call_6", "call_7", "call_8", "call_9");
        assertThat(observer.heldKeyChars()).as("10 ids of 50,000 characters").isLessThanOrEqualTo(10L * ResponsesObserver.MAX_KEPT_ID_CHARS);
    }
}

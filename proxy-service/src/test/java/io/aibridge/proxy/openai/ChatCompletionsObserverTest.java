package io.aibridge.proxy.openai;

import io.aibridge.events.TokenUsageRecorded;
import io.aibridge.events.ToolUsageRecorded;
import io.aibridge.proxy.interception.RecordingProbe;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Chat Completions streams beyond the fixtures: several choices, fragments without an index. */
class ChatCompletionsObserverTest {

    private static String chunk(String choices, String usage) {
        return "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":" + choices + ",\"usage\":" + usage + "}\n\n";
    }

    @Test
    void recordsEveryToolCallOfEveryChoice() {
        RecordingProbe probe = new RecordingProbe("hi");
        String sse = chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"x\\\":\"}}]}},"
                        + "{\"index\":1,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_b\",\"function\":{\"name\":\"g\",\"arguments\":\"\"}}]}}]", "null")
                + chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"1}\"}},"
                        + "{\"index\":1,\"id\":\"call_c\",\"function\":{\"name\":\"h\",\"arguments\":\"{}\"}}]}}]", "null")
                + chunk("[{\"index\":1,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"y\\\":2}\"}}]},\"finish_reason\":\"tool_calls\"}]", "null")
                + chunk("[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]", "null")
                + chunk("[]", "{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}")
                + "data: [DONE]\n\n";
        RecordingProbe.stream(new ChatCompletionsObserver(probe.recording, false), sse, 7);
        assertThat(probe.of(ToolUsageRecorded.class, t -> t.providerToolCallId() + " " + t.tool() + " " + t.input()))
                .containsExactly("call_b g {\"y\":2}", "call_a f {\"x\":1}", "call_c h {}");
        assertThat(probe.of(TokenUsageRecorded.class, t -> t.inputTokens() + "/" + t.outputTokens())).containsExactly("10/5");
    }

    @Test
    void assemblesFragmentsThatCarryNoIndex() {
        RecordingProbe probe = new RecordingProbe("hi");
        String sse = chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"call_1\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\"\"}}]}}]", "null")
                + chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"function\":{\"arguments\":\":1}\"}}]}}]", "null")
                + chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"call_2\",\"function\":{\"name\":\"g\",\"arguments\":\"{}\"}}]}}]", "null")
                + chunk("[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]", "null")
                + "data: [DONE]\n\n";
        RecordingProbe.stream(new ChatCompletionsObserver(probe.recording, false), sse, 3);
        assertThat(probe.of(ToolUsageRecorded.class, t -> t.providerToolCallId() + " " + t.input()))
                .containsExactly("call_1 {\"a\":1}", "call_2 {}");
    }
}

package io.aibridge.proxy.anthropic;

import io.aibridge.events.TokenUsageRecorded;
import io.aibridge.proxy.interception.RecordingProbe;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Anthropic usage is cumulative: each response's final values are recorded exactly once. */
class MessagesObserverTest {

    private static String event(String name, String data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    @Test
    void recordsTheLastCumulativeValueOfEachFieldOnceAndFallsBackToMessageStart() {
        RecordingProbe probe = new RecordingProbe(null);
        String sse = event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"usage\":{\"input_tokens\":100,"
                + "\"cache_read_input_tokens\":50,\"cache_creation_input_tokens\":7,\"cache_creation\":{\"ephemeral_5m_input_tokens\":7,"
                + "\"ephemeral_1h_input_tokens\":0},\"output_tokens\":1}}}")
                // an older API shape: the delta carries only output_tokens
                + event("message_delta", "{\"type\":\"message_delta\",\"delta\":{},\"usage\":{\"output_tokens\":30}}")
                // server tools can send several deltas; each is cumulative
                + event("message_delta", "{\"type\":\"message_delta\",\"delta\":{},\"usage\":{\"output_tokens\":42,"
                + "\"server_tool_use\":{\"web_search_requests\":2}}}")
                + event("message_stop", "{\"type\":\"message_stop\"}");
        RecordingProbe.stream(new MessagesObserver(probe.recording), sse, 11);
        assertThat(probe.of(TokenUsageRecorded.class)).singleElement().satisfies(t -> {
            assertThat(t.inputTokens()).isEqualTo(100);
            assertThat(t.outputTokens()).isEqualTo(42);
            assertThat(t.cacheReadInputTokens()).isEqualTo(50);
            assertThat(t.cacheWriteInputTokens()).isEqualTo(7);
            assertThat(t.metadata()).containsEntry("web_search_requests", 2L).containsEntry("cache_ephemeral_5m_input", 7L);
        });
    }

    @Test
    void recordsEachMessageOfAStreamSeparately() {
        RecordingProbe probe = new RecordingProbe(null);
        String sse = event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}")
                + event("message_delta", "{\"type\":\"message_delta\",\"usage\":{\"output_tokens\":4}}")
                + event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_2\",\"usage\":{\"input_tokens\":20,\"output_tokens\":1}}}")
                + event("message_delta", "{\"type\":\"message_delta\",\"usage\":{\"output_tokens\":6}}")
                + event("message_stop", "{\"type\":\"message_stop\"}");
        RecordingProbe.stream(new MessagesObserver(probe.recording), sse, 5);
        assertThat(probe.of(TokenUsageRecorded.class, t -> t.providerResponseId() + " " + t.inputTokens() + "/" + t.outputTokens()))
                .containsExactly("msg_1 10/4", "msg_2 20/6");
    }
}

package io.aibridge.proxy.anthropic;

import io.aibridge.events.ModelThoughtRecorded;
import io.aibridge.events.TokenUsageRecorded;
import io.aibridge.events.ToolUsageRecorded;
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

    /** {@link RecordingProbe} keeps 1000 characters of a text, as a proxy keeps AIBRIDGE_EVENTS_MAX_PROMPT_CHARS. */
    @Test
    void aThinkingBlockOrToolInputStreamedPastTheTextLimitKeepsItsStartFlaggedTruncated() {
        RecordingProbe probe = new RecordingProbe(null);
        StringBuilder sse = new StringBuilder(event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
                + "\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}"));
        sse.append(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\","
                + "\"thinking\":\"\"}}"));
        for (int i = 0; i < 30; i++) {
            sse.append(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\","
                    + "\"thinking\":\"" + "t".repeat(100) + "\"}}"));
        }
        sse.append(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"));
        sse.append(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
                + "\"id\":\"toolu_1\",\"name\":\"write\",\"input\":{}}}"));
        sse.append(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
                + "\"partial_json\":\"{\\\"text\\\": \\\"\"}}"));
        for (int i = 0; i < 20; i++) {
            sse.append(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
                    + "\"partial_json\":\"" + "x".repeat(100) + "\"}}"));
        }
        sse.append(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
                + "\"partial_json\":\"\\\"}\"}}"));
        sse.append(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}"));
        sse.append(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\","
                + "\"id\":\"toolu_2\",\"name\":\"small\",\"input\":{}}}"));
        sse.append(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\","
                + "\"partial_json\":\"{\\\"a\\\": 1}\"}}"));
        sse.append(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":2}"));
        sse.append(event("message_stop", "{\"type\":\"message_stop\"}"));
        RecordingProbe.stream(new MessagesObserver(probe.recording), sse.toString(), 64);

        assertThat(probe.of(ModelThoughtRecorded.class)).singleElement().satisfies(t -> {
            assertThat(t.content()).isEqualTo("t".repeat(1000));
            assertThat(t.metadata()).containsEntry("truncated", true).containsEntry("original_length", 3000L);
        });
        assertThat(probe.of(ToolUsageRecorded.class)).hasSize(2);
        ToolUsageRecorded cut = probe.of(ToolUsageRecorded.class).get(0);
        assertThat(cut.input()).as("its start, as it came").isEqualTo("{\"text\": \"" + "x".repeat(1000 - 10));
        assertThat(cut.metadata()).containsEntry("truncated", true).containsEntry("original_length", 2012L);
        ToolUsageRecorded whole = probe.of(ToolUsageRecorded.class).get(1);
        assertThat(whole.input()).isEqualTo("{\"a\":1}");
        assertThat(whole.metadata()).isEmpty();
    }

    @Test
    void aBlockingAnswersThinkingPastTheTextLimitIsCutAndFlaggedToo() throws Exception {
        RecordingProbe probe = new RecordingProbe(null);
        new MessagesObserver(probe.recording).onBody(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                "{\"id\":\"msg_b\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"" + "z".repeat(1500) + "\"}]}"));
        assertThat(probe.of(ModelThoughtRecorded.class)).singleElement().satisfies(t -> {
            assertThat(t.content()).hasSize(1000);
            assertThat(t.metadata()).containsEntry("truncated", true).containsEntry("original_length", 1500L);
        });
    }
}

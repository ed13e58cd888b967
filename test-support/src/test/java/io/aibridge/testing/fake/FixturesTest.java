package io.aibridge.testing.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every fixture is well-formed and follows its provider's published format. */
class FixturesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyFixtureParses() throws Exception {
        List<Fixture> all = Fixture.all();
        assertThat(all).hasSizeGreaterThanOrEqualTo(36);
        for (Fixture f : all) {
            if (f.scenario().equals("malformed")) {
                continue; // broken on purpose
            }
            if (f.request() != null) {
                assertThat(JSON.readTree(f.request()).path("model").isTextual()).as(f.scenario() + " request model").isTrue();
            }
            if (f.response() != null) {
                assertThat(JSON.readTree(f.response()).isObject()).as(f.scenario()).isTrue();
            }
            if (f.stream() != null) {
                for (String data : SseFrames.data(f.stream())) {
                    if (!data.equals("[DONE]")) {
                        assertThat(JSON.readTree(data).isObject()).as(f.api() + "/" + f.scenario() + ": " + data).isTrue();
                    }
                }
            }
        }
    }

    @Test
    void scenariosCoverEveryApi() {
        for (Api api : Api.values()) {
            for (String scenario : List.of("text", "tool-call", "tool-calls", "cache-tokens", "stream-break", "tool-result",
                    "error-400", "error-401", "error-429", "error-500", "hang")) {
                assertThat(Fixture.load(api, scenario)).isNotNull();
            }
        }
        assertThat(Fixture.load(Api.ANTHROPIC_MESSAGES, "thinking").stream()).contains("redacted_thinking", "thinking_delta");
        assertThat(Fixture.load(Api.ANTHROPIC_MESSAGES, "error-529").status()).isEqualTo(529);
        assertThat(Fixture.load(Api.OPENAI_RESPONSES, "reasoning").stream()).contains("\"phase\":\"commentary\"", "response.reasoning_summary_text.delta");
    }

    @Test
    void anthropicStreamsFollowTheMessagesEventOrder() throws Exception {
        for (Fixture f : Fixture.all()) {
            if (f.api() != Api.ANTHROPIC_MESSAGES || f.stream() == null || f.scenario().equals("malformed")) {
                continue;
            }
            if (f.scenario().equals("stream-error")) {
                assertThat(f.stream()).contains("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"");
                continue;
            }
            List<String> frames = SseFrames.split(f.stream());
            for (String frame : frames) {
                String event = frame.substring("event: ".length(), frame.indexOf('\n'));
                JsonNode data = JSON.readTree(SseFrames.data(frame).get(0));
                assertThat(data.path("type").asText()).as("event name matches data type").isEqualTo(event);
            }
            assertThat(frames.get(0)).startsWith("event: message_start\n");
            if (!f.breaks()) {
                assertThat(frames.get(frames.size() - 1)).startsWith("event: message_stop\n");
                JsonNode delta = JSON.readTree(SseFrames.data(frames.get(frames.size() - 2)).get(0));
                JsonNode finalUsage = JSON.readTree(f.response()).path("usage");
                // message_delta usage is cumulative and equals the blocking response's final usage
                assertThat(delta.path("usage").path("output_tokens")).isEqualTo(finalUsage.path("output_tokens"));
                assertThat(delta.path("usage").path("input_tokens")).isEqualTo(finalUsage.path("input_tokens"));
                assertThat(delta.path("usage").path("cache_read_input_tokens")).isEqualTo(finalUsage.path("cache_read_input_tokens"));
            }
        }
    }

    @Test
    void chatStreamsEndWithAUsageChunkAndDone() throws Exception {
        for (Fixture f : Fixture.all()) {
            if (f.api() != Api.OPENAI_CHAT || f.stream() == null || f.breaks() || f.scenario().equals("malformed")
                    || f.scenario().equals("stream-error")) {
                continue;
            }
            List<String> data = SseFrames.data(f.stream());
            assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
            JsonNode usageChunk = JSON.readTree(data.get(data.size() - 2));
            assertThat(usageChunk.path("choices").isEmpty()).isTrue();
            assertThat(usageChunk.path("usage")).isEqualTo(JSON.readTree(f.response()).path("usage"));
            boolean running = f.scenario().equals("continuous-usage") || f.scenario().startsWith("mcp-running-");
            for (String d : data.subList(0, data.size() - 2)) {
                JsonNode usage = JSON.readTree(d).path("usage");
                if (running) {
                    // vLLM's continuous_usage_stats: every chunk carries the usage so far
                    assertThat(usage.path("completion_tokens").asInt()).isLessThanOrEqualTo(usageChunk.path("usage").path("completion_tokens").asInt());
                } else {
                    assertThat(usage.isNull()).as("include_usage adds usage:null to every other chunk").isTrue();
                }
            }
        }
    }

    @Test
    void responsesStreamsAreNumberedAndEndWithTheCompletedResponse() throws Exception {
        for (Fixture f : Fixture.all()) {
            if (f.api() != Api.OPENAI_RESPONSES || f.stream() == null || f.scenario().equals("malformed")) {
                continue;
            }
            List<String> data = SseFrames.data(f.stream());
            for (int i = 0; i < data.size(); i++) {
                assertThat(JSON.readTree(data.get(i)).path("sequence_number").asInt()).isEqualTo(i);
            }
            if (f.scenario().equals("stream-error")) {
                // an error after the stream started: a standalone error event, as OpenAI sends it, and no terminal response
                JsonNode error = JSON.readTree(data.get(data.size() - 1));
                assertThat(SseFrames.split(f.stream()).get(data.size() - 1)).startsWith("event: error\n");
                assertThat(error.path("type").asText()).isEqualTo("error");
                assertThat(error.path("code").asText()).isEqualTo(JSON.readTree(f.response()).path("error").path("code").asText());
                assertThat(error.path("message").asText()).isEqualTo(JSON.readTree(f.response()).path("error").path("message").asText());
                assertThat(error.has("param")).isTrue();
                continue;
            }
            if (!f.breaks()) {
                JsonNode completed = JSON.readTree(data.get(data.size() - 1));
                // the scenarios named after the other two terminal events (mcp-failed too) end with them
                String named = f.scenario().replaceFirst("^mcp-", "");
                String terminal = named.equals("incomplete") || named.equals("failed") ? "response." + named : "response.completed";
                assertThat(completed.path("type").asText()).as(f.scenario()).isEqualTo(terminal);
                assertThat(completed.path("response")).isEqualTo(JSON.readTree(f.response()));
            }
        }
    }
}

package io.aibridge.recorder.interception;

import io.aibridge.recorder.TestEvents;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The structured log line of each record type (behaviour §13.4), in logfmt. */
class InterceptionLogTest {

    private final UUID alice = UUID.fromString("4c1e6a2b-9f3d-4e8a-b7c6-5d4e3f2a1b0c");
    private final TestEvents.Interception interception = new TestEvents.Interception(alice, Instant.parse("2026-11-28T10:15:30.123456Z"))
            .answering("toolu_1");

    @Test
    void anInterceptionStartCarriesItsResolvedThread() {
        UUID parent = UUID.randomUUID();
        UUID root = UUID.randomUUID();
        String line = InterceptionLog.line(interception.started(), Map.of(interception.id, new ThreadLinker.Link(parent, root)));
        assertThat(line).startsWith("interception log record_type=interception_start interception_id=" + interception.id)
                .contains(" initiator_id=" + alice, " api_key_id=k7f3q9x2m4", " provider=anthropic",
                        " client=\"Claude Code\"", " started_at=2026-11-28T10:15:30.123456Z",
                        " correlating_tool_call_id=toolu_1", " thread_parent_id=" + parent, " thread_root_id=" + root,
                        " metadata=\"{\\\"Username\\\":\\\"alice\\\",");
    }

    @Test
    void aPromptIsQuotedAndEscapedAndCarriesTheResponseIdAsMsgId() {
        String line = InterceptionLog.line(interception.prompt("why \"this\"\nfails", 5), Map.of());
        assertThat(line).contains("record_type=prompt_usage", " msg_id=msg_" + interception.id,
                " prompt=\"why \\\"this\\\"\\nfails\"");
    }

    @Test
    void everyOtherRecordTypeHasItsName() {
        assertThat(InterceptionLog.line(interception.tokens(1, 2, 3, 4, 5), Map.of()))
                .contains("record_type=token_usage", " input_tokens=1", " output_tokens=2", " cache_read_input_tokens=3",
                        " cache_write_input_tokens=4");
        assertThat(InterceptionLog.line(interception.injectedToolCall("toolu_9", null, 5), Map.of()))
                .contains("record_type=tool_usage", " tool_call_id=toolu_9", " tool=search_issues", " injected=true",
                        " server_url=https://mcp.example.com/mcp", " invocation_error=\"\"");
        assertThat(InterceptionLog.line(interception.thought("hmm", 5), Map.of())).contains("record_type=model_thought", " content=hmm");
        assertThat(InterceptionLog.line(interception.ended(9), Map.of()))
                .isEqualTo("interception log record_type=interception_end interception_id=" + interception.id
                        + " ended_at=2026-11-28T10:15:30.132456Z");
    }
}

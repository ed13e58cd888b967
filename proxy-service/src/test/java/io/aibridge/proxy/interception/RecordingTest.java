package io.aibridge.proxy.interception;

import io.aibridge.events.PromptRecorded;
import io.aibridge.events.ToolUsageRecorded;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Texts past the event text limit ({@link RecordingProbe}: 1,000 characters) are cut and flagged
 * by one rule, whatever carries them: prompts, and the input and error of an injected tool.
 */
class RecordingTest {

    @Test
    void anInjectedToolsOverLongInputIsCutAndFlaggedAsAClientToolsIs() {
        RecordingProbe probe = new RecordingProbe("hi");
        String input = "{\"q\":\"" + "x".repeat(3000 - 8) + "\"}";
        probe.recording.injectedTool("resp_1", "call_1", "https://mcp.example/mcp", "search", input, null);

        assertThat(probe.of(ToolUsageRecorded.class)).singleElement().satisfies(t -> {
            assertThat(t.input()).isEqualTo(input.substring(0, 1000));
            assertThat(t.invocationError()).isNull();
            assertThat(t.metadata()).containsEntry("truncated", true).containsEntry("original_length", 3000L).hasSize(2);
        });
    }

    @Test
    void anOverLongInvocationErrorIsCutAndFlaggedWithKeysOfItsOwn() {
        RecordingProbe probe = new RecordingProbe("hi");
        String arguments = "[" + "1,".repeat(1500) + "1]"; // not a JSON object: quoted whole in the error
        String error = "the arguments are not a JSON object: " + arguments;
        probe.recording.injectedTool("resp_1", "call_1", "https://mcp.example/mcp", "search", arguments, error);
        probe.recording.injectedToolNotRun("resp_1", "call_2", "https://mcp.example/mcp", "search", "{}", "not run: " + "e".repeat(1200));

        assertThat(probe.of(ToolUsageRecorded.class)).hasSize(2);
        ToolUsageRecorded both = probe.of(ToolUsageRecorded.class).get(0);
        assertThat(both.input()).hasSize(1000);
        assertThat(both.invocationError()).isEqualTo(error.substring(0, 1000));
        assertThat(both.metadata()).containsEntry("truncated", true).containsEntry("original_length", (long) arguments.length())
                .containsEntry("invocation_error_truncated", true).containsEntry("invocation_error_original_length", (long) error.length());

        ToolUsageRecorded notRun = probe.of(ToolUsageRecorded.class).get(1);
        assertThat(notRun.input()).isEqualTo("{}");
        assertThat(notRun.invocationError()).hasSize(1000);
        assertThat(notRun.metadata()).containsOnlyKeys("invocation_error_truncated", "invocation_error_original_length")
                .containsEntry("invocation_error_original_length", 1209L);
    }

    @Test
    void aPromptCutWhereASurrogatePairStartsKeepsNoHalfOfIt() {
        String prompt = "a".repeat(999) + "\uD83D\uDE00" + "b".repeat(100); // the emoji takes characters 999 and 1000
        RecordingProbe probe = new RecordingProbe(prompt);
        probe.recording.prompt("resp_1");

        assertThat(probe.of(PromptRecorded.class)).singleElement().satisfies(p -> {
            assertThat(p.prompt()).isEqualTo("a".repeat(999));
            assertThat(Character.isHighSurrogate(p.prompt().charAt(p.prompt().length() - 1))).isFalse();
            assertThat(p.metadata()).containsEntry("truncated", true).containsEntry("original_length", (long) prompt.length());
        });
    }

    @Test
    void aPromptWithinTheLimitTravelsWholeWithoutFlags() {
        RecordingProbe probe = new RecordingProbe("b".repeat(1000));
        probe.recording.prompt("resp_1");
        assertThat(probe.of(PromptRecorded.class)).singleElement().satisfies(p -> {
            assertThat(p.prompt()).hasSize(1000);
            assertThat(p.metadata()).isEmpty();
        });
    }
}

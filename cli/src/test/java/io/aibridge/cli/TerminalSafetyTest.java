package io.aibridge.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.cli.json.Json;
import io.aibridge.cli.testing.Cli;
import io.aibridge.cli.testing.FakeApi;
import io.aibridge.cli.testing.ShellWords;
import io.aibridge.cli.text.Format;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Recorded text is whatever an agent or a user sent: printed as text it must not drive the viewer's
 * terminal. Control characters (C0 but line feed and tab, DEL, C1) and bidirectional overrides reach
 * the terminal only as visible escapes; JSON output keeps every character as recorded.
 */
class TerminalSafetyTest {

    static final String RED = "\u001b[31m";
    static final String CSI = "\u009b";
    static final String RTL_OVERRIDE = "\u202e";
    static final String CLIPBOARD = "\u001b]52;c;ZWNobyBwd25lZA==\u0007";

    @Test
    void sessionsShowPrintsPromptsThinkingClientAndModelWithControlsEscaped() {
        try (FakeApi api = new FakeApi().answer(200, "application/json", Json.MAPPER.valueToTree(session()).toString())) {
            Cli.Result r = new Cli(api.url(), "t").run("sessions", "show", "s-1");

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertNoRawControls(r.stdout());
            assertThat(r.stdout()).contains("Prompt  fix \\x1b[31mthe\\x9b bug \\u202egnp.exe")
                    .contains("second line") // line breaks of a multi-line prompt stay
                    .contains("thinking  \\x1b]52;c;ZWNobyBwd25lZA==\\x07 hmm")
                    .contains("Client   Claude\\x1b[2J Code")
                    .contains("bad \\x9bmodel\\u2066");
        }
    }

    @Test
    void sessionsShowAsJsonKeepsTheRecordedTextExactly() {
        ObjectNode session = session();
        try (FakeApi api = new FakeApi().answer(200, "application/json", session.toString())) {
            Cli.Result r = new Cli(api.url(), "t").run("sessions", "show", "s-1", "--output", "json");

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.json()).isEqualTo(session);
        }
    }

    @Test
    void sessionsListAndServerErrorsEscapeControlsToo() {
        ObjectNode page = Json.MAPPER.createObjectNode().put("count", 1);
        ObjectNode row = page.putArray("sessions").addObject().put("id", "s" + CSI + "1")
                .put("client", "C" + RED).put("last_prompt", "hi " + CLIPBOARD + RTL_OVERRIDE)
                .put("last_active_at", "2026-03-02T10:00:00Z");
        row.putObject("initiator").put("id", "u-1").put("username", "eve" + RED);
        row.putArray("models").add("m" + CSI);
        row.putObject("token_usage_summary");
        try (FakeApi api = new FakeApi().answer(200, "application/json", page.toString())) {
            Cli.Result r = new Cli(api.url(), "t").run("sessions", "list");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertNoRawControls(r.stdout());
            assertThat(r.stdout()).contains("eve\\x1b[31m");
        }
        ObjectNode error = Json.MAPPER.createObjectNode().put("message", "No" + RED + " way.").put("detail", "because" + CSI);
        try (FakeApi api = new FakeApi().answer(404, "application/json", error.toString())) {
            Cli.Result r = new Cli(api.url(), "t").run("sessions", "show", "s-1");
            assertThat(r.exitCode()).isEqualTo(2);
            assertNoRawControls(r.stderr());
            assertThat(r.stderr()).startsWith("No\\x1b[31m way. (HTTP 404)\nbecause\\x9b");
        }
    }

    @Test
    void aNextPageHintWritesControlsOfASessionIdAsEscapesThatTheShellReadsBack() {
        ObjectNode page = Json.MAPPER.createObjectNode().put("count", 2);
        ObjectNode row = page.putArray("sessions").addObject().put("id", "s" + CSI + "1" + RED).put("last_active_at", "2026-03-02T10:00:00Z");
        row.putObject("initiator").put("id", "00000000-0000-4000-8000-000000000001").put("username", "eve");
        try (FakeApi api = new FakeApi().answer(200, "application/json", page.toString())) {
            Cli.Result r = new Cli(api.url(), "t").run("sessions", "list", "--limit", "1");

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertNoRawControls(r.stdout());
            assertThat(r.stdout()).endsWith("1 of 2 sessions. Next page: aibridge sessions list --limit 1"
                    + " --after-session-id $'s\\xc2\\x9b1\\x1b[31m' --after-initiator-id 00000000-0000-4000-8000-000000000001\n");
            List<String> next = ShellWords.argsAfter("Next page: ", r.stdout());
            assertThat(next.get(next.indexOf("--after-session-id") + 1)).isEqualTo("s" + CSI + "1" + RED);
        }
    }

    @Test
    void safeEscapesEveryControlButLineFeedAndTab() {
        assertThat(Format.safe("a\tb\nc\r\nd\re\u0000f\u007fg\u0085h\u2069i")).isEqualTo("a\tb\nc\nd\\x0de\\x00f\\x7fg\\x85h\\u2069i");
        assertThat(Format.oneLine("a\tb\nc\u001b[0m")).isEqualTo("a b c\\x1b[0m");
        assertThat(Format.safe("plain ünïcødé 🙂")).isEqualTo("plain ünïcødé 🙂");
    }

    private static void assertNoRawControls(String text) {
        assertThat(text.chars().filter(c -> c < 0x20 && c != '\n' && c != '\t' || c >= 0x7f && c <= 0x9f
                || c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069)).as(text).isEmpty();
    }

    private static ObjectNode session() {
        ObjectNode s = Json.MAPPER.createObjectNode().put("id", "s-1").put("client", "Claude\u001b[2J Code")
                .put("started_at", "2026-03-02T10:00:00Z").put("ended_at", "2026-03-02T10:00:05Z");
        s.putObject("initiator").put("id", "u-1").put("username", "eve").put("name", "Eve" + RTL_OVERRIDE);
        s.putArray("models").add("bad " + CSI + "model\u2066");
        s.putArray("providers").add("anthropic");
        s.putObject("token_usage_summary").put("input_tokens", 1);
        ArrayNode threads = s.putArray("threads");
        ObjectNode t = threads.addObject().put("id", "00000000-0000-4000-8000-000000000001")
                .put("started_at", "2026-03-02T10:00:00Z").put("ended_at", "2026-03-02T10:00:05Z")
                .put("model", "bad " + CSI + "model\u2066").put("provider", "anthropic").put("credential_kind", "centralized")
                .put("prompt", "fix " + RED + "the" + CSI + " bug " + RTL_OVERRIDE + "gnp.exe\nsecond line");
        t.putObject("token_usage").put("input_tokens", 1);
        ObjectNode action = t.putArray("agentic_actions").addObject().put("model", "m" + RED);
        action.putObject("token_usage").put("output_tokens", 2);
        action.putArray("thinking").addObject().put("text", CLIPBOARD + " hmm");
        action.putArray("tool_calls").addObject().put("tool", "bash" + CSI).put("input", "{\"cmd\":\"" + RED + "ls\"}");
        return s;
    }
}

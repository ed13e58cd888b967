package io.aibridge.cli.sessions;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.testing.Cli;
import io.aibridge.cli.testing.RecordedRows;
import io.aibridge.cli.testing.RecordedRows.Interception;
import io.aibridge.cli.testing.ShellWords;
import io.aibridge.cli.testing.World;
import io.aibridge.cli.testing.WorldExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code aibridge sessions list} and {@code aibridge sessions show} against a running query-service. */
@ExtendWith(WorldExtension.class)
class SessionsCommandTest {

    // carol's sessions of 5 January 2026 with model hint-model, with ids that need quoting, for the next-page hints
    static final String[] HINT_DAY = {"--started-after", "2026-01-05T00:00:00Z", "--started-before", "2026-01-06T00:00:00Z",
            "--model", "hint-model"};
    static final String SPACED = "hint session 'one'";
    // picocli takes a value that starts with a dash, unless it looks like one of the command's options (-h, --limit)
    static final String DASHED = "-x two; echo y";

    static World world;
    static Cli admin;
    static Interception h1;
    static Interception h2;
    static Interception h3;

    @BeforeAll
    static void setUp(World w) {
        world = w;
        admin = w.admin;
        h1 = hint(SPACED, "2026-01-05T10:00:00Z");
        h2 = hint(SPACED, "2026-01-05T11:00:00Z");
        h3 = hint(SPACED, "2026-01-05T12:00:00Z");
        w.rows.save(h1, h2, h3, hint(DASHED, "2026-01-05T09:00:00Z"), hint("hint-three", "2026-01-05T08:00:00Z"));
    }

    private static Interception hint(String session, String at) {
        return RecordedRows.interception(world.carol.id()).session(session).at(at).model("hint-model").prompt("at " + at)
                .tokens(1, 1, 0, 0);
    }

    @Test
    void listPrintsTheApiPageAsJson() {
        JsonNode page = admin.ok("sessions", "list", "--started-after", "2026-03-01T00:00:00Z", "--output", "json").json();

        assertThat(page.get("count").asLong()).isEqualTo(3);
        assertThat(ids(page.get("sessions"))).containsExactly(world.c1.id.toString(), "cs-beta", "cs-alpha");
        JsonNode alpha = page.get("sessions").get(2);
        assertThat(alpha.path("threads").asLong()).isEqualTo(2);
        assertThat(alpha.path("token_usage_summary").path("input_tokens").asLong()).isEqualTo(311);
        assertThat(alpha.path("last_prompt").asText()).isEqualTo("second prompt\nwith two lines");
    }

    @Test
    void listPrintsAReadableTableByDefault() {
        Cli.Result r = admin.ok("sessions", "list", "--initiator", "alice");

        List<String> lines = r.stdout().lines().toList();
        assertThat(lines.get(0)).matches("LAST ACTIVE +SESSION +USER +CLIENT +MODELS +THREADS +INPUT +OUTPUT +CACHE READ +CACHE WRITE +LAST PROMPT");
        assertThat(lines.get(1)).startsWith("2026-03-04T12:00:00Z  " + world.c1.id).contains("alice").contains("gpt-4o-mini");
        assertThat(lines.get(2)).startsWith("2026-03-02T11:00:00.1Z".substring(0, 19))
                .contains("cs-alpha").contains("Claude Code").contains("claude-opus-4, claude-sonnet-4-5")
                .contains("311").contains("1,000").contains("second prompt with two lines");
        assertThat(lines).contains("2 of 2 sessions.");
    }

    @Test
    void listFiltersByProviderModelClientAndSession() {
        assertThat(ids(admin.ok("sessions", "list", "--provider", "openai", "--client", "Codex", "--started-after",
                "2026-03-01T00:00:00Z", "--output", "json").json().get("sessions"))).containsExactly("cs-beta");
        assertThat(ids(admin.ok("sessions", "list", "--model", "claude-opus-4", "--output", "json").json().get("sessions")))
                .containsExactly("cs-alpha");
        assertThat(ids(admin.ok("sessions", "list", "--session-id", "cs-alpha", "--output", "json").json().get("sessions")))
                .containsExactly("cs-alpha");
    }

    @Test
    void listPagesWithTheSessionCursorAndOffset() {
        JsonNode first = admin.ok("sessions", "list", "--started-after", "2026-03-01T00:00:00Z", "--limit", "1", "--output", "json").json();
        String cursor = first.get("sessions").get(0).get("id").asText();
        JsonNode second = admin.ok("sessions", "list", "--started-after", "2026-03-01T00:00:00Z", "--limit", "1",
                "--after-session-id", cursor, "--output", "json").json();
        JsonNode third = admin.ok("sessions", "list", "--started-after", "2026-03-01T00:00:00Z", "--limit", "1",
                "--offset", "2", "--output", "json").json();
        Cli.Result table = admin.ok("sessions", "list", "--started-after", "2026-03-01T00:00:00Z", "--limit", "1");

        assertThat(ids(first.get("sessions"))).containsExactly(world.c1.id.toString());
        assertThat(ids(second.get("sessions"))).containsExactly("cs-beta");
        assertThat(ids(third.get("sessions"))).containsExactly("cs-alpha");
        assertThat(table.stdout()).contains("1 of 3 sessions. Next page: aibridge sessions list --started-after 2026-03-01T00:00:00Z"
                + " --limit 1 --after-session-id " + world.c1.id + " --after-initiator-id " + world.alice.id() + "\n");
    }

    @Test
    void theNextPageHintRepeatsTheQueryNamesTheSessionAndItsInitiatorAndRunsAsPrinted() {
        List<String> args = List.of("sessions", "list", "--started-after", "2026-03-01T00:00:00Z", "--limit", "1");
        List<String> seen = new ArrayList<>();
        String out = admin.ok(args.toArray(String[]::new)).stdout();
        for (int page = 0; page < 5 && out.contains("Next page: "); page++) {
            seen.add(out.lines().skip(1).findFirst().orElseThrow().split(" +")[1]);
            args = ShellWords.argsAfter("Next page: ", out);
            out = admin.ok(args.toArray(String[]::new)).stdout();
        }

        assertThat(seen).containsExactly(world.c1.id.toString(), "cs-beta", "cs-alpha");
        assertThat(out).isEqualTo("No more sessions (3 match).\n");
    }

    @Test
    void theNextPageHintQuotesSessionIdsAndRepeatsEveryFilter() {
        List<String> args = Cli.args("sessions", "list", "--limit", "1");
        args.addAll(List.of(HINT_DAY));
        List<String> sessions = new ArrayList<>();
        List<String> hints = new ArrayList<>();
        String out = admin.ok(args.toArray(String[]::new)).stdout();
        for (int page = 0; page < 5 && out.contains("Next page: "); page++) {
            hints.add(out.substring(out.indexOf("Next page: ") + 11).strip());
            args = ShellWords.argsAfter("Next page: ", out);
            sessions.add(args.get(args.indexOf("--after-session-id") + 1));
            out = admin.ok(args.toArray(String[]::new)).stdout();
        }

        assertThat(hints.get(0)).isEqualTo("aibridge sessions list --started-after 2026-01-05T00:00:00Z --started-before"
                + " 2026-01-06T00:00:00Z --model hint-model --limit 1 --after-session-id 'hint session '\\''one'\\'''"
                + " --after-initiator-id " + world.carol.id());
        assertThat(hints.get(1)).contains(" --after-session-id '-x two; echo y' ");
        assertThat(sessions).containsExactly(SPACED, DASHED, "hint-three");
        assertThat(out).isEqualTo("No more sessions (3 match).\n");
    }

    @Test
    void listSendsTheInitiatorOfTheCursorSession() {
        JsonNode page = admin.ok("sessions", "list", "--started-after", "2026-03-01T00:00:00Z", "--limit", "1",
                "--after-session-id", "cs-beta", "--after-initiator-id", world.bob.id().toString().toUpperCase(), "--output", "json").json();
        Cli.Result wrong = admin.run("sessions", "list", "--after-session-id", "cs-beta", "--after-initiator-id", world.alice.id().toString());

        assertThat(ids(page.get("sessions"))).containsExactly("cs-alpha");
        assertThat(wrong.exitCode()).isEqualTo(2);
        assertThat(wrong.stderr()).contains("after_initiator_id: session \"cs-beta\" of user \"" + world.alice.id() + "\" not found");
    }

    @Test
    void showPrintsThreadsPromptsThinkingToolCallsAndTokens() {
        Cli.Result r = admin.ok("sessions", "show", "cs-alpha");

        assertThat(r.stdout()).contains("Session  cs-alpha")
                .contains("User     alice (Alice Liddell)  " + world.alice.id())
                .contains("Client   Claude Code")
                .contains("Models   claude-opus-4, claude-sonnet-4-5  (anthropic)")
                .contains("Tokens   input 311  output 66  cache read 1,000  cache write 50  cache ephemeral 5m input 50")
                .contains("Thread " + world.a1.id + "  2026-03-02T10:00:00Z to 2026-03-02T10:00:07Z (7s)  claude-sonnet-4-5 (anthropic, centralized sk-a...wxyz)")
                .contains("  Prompt  fix the <bug> & ship it")
                .contains("  Step 1  claude-sonnet-4-5  input 100  output 20  cache read 1,000  cache write 50")
                .contains("    thinking  list the files")
                .contains("    tool      bash {\"command\":\"ls\"}")
                .contains("  Step 2  claude-sonnet-4-5  input 11  output 6")
                .contains("    tool      read {\"path\":\"README.md\"}")
                .contains("Thread " + world.a3.id)
                .contains("  Prompt  second prompt\n          with two lines")
                .contains("claude-opus-4 (anthropic, byok sk-a...wxyz)");
        assertThat(r.stdout().indexOf("Thread " + world.a1.id)).isLessThan(r.stdout().indexOf("Thread " + world.a3.id));
    }

    @Test
    void showMarksInjectedMcpToolsAndPagesThreads() {
        Cli.Result beta = admin.ok("sessions", "show", "cs-beta");
        Cli.Result firstPage = admin.ok("sessions", "show", "cs-alpha", "--limit", "1");
        Cli.Result secondPage = admin.ok("sessions", "show", "cs-alpha", "--limit", "1", "--after-id", world.a1.id.toString());

        assertThat(beta.stdout()).contains("    tool      lookup [MCP https://mcp.example.com/mcp] {\"id\":1}");
        assertThat(firstPage.stdout()).contains("Thread " + world.a1.id).doesNotContain("Thread " + world.a3.id)
                .endsWith("\nMore threads: aibridge sessions show cs-alpha --after-id " + world.a1.id + " --limit 1\n");
        assertThat(secondPage.stdout()).contains("Thread " + world.a3.id).doesNotContain("Thread " + world.a1.id);
    }

    @Test
    void aFullPageAtTheDefaultLimitHintsWithoutTheLimit() {
        List<Interception> many = new ArrayList<>();
        for (int i = 0; i < 51; i++) {
            many.add(RecordedRows.interception(world.carol.id()).session("fifty-one").model("hint-model")
                    .at(Instant.parse("2026-01-07T00:00:00Z").plusSeconds(60L * i)).tokens(1, 1, 0, 0));
        }
        world.rows.save(many);

        Cli.Result r = admin.ok("sessions", "show", "fifty-one");

        assertThat(r.stdout()).endsWith("\nMore threads: aibridge sessions show fifty-one --after-id " + many.get(49).id + "\n");
    }

    @Test
    void aBackwardPageHintsTheOlderThreadsWithTheSameLimit() {
        List<String> threads = new ArrayList<>();
        List<String> hints = new ArrayList<>();
        List<String> args = List.of("sessions", "show", SPACED, "--before-id", h3.id.toString(), "--limit", "1");
        String out = admin.ok(args.toArray(String[]::new)).stdout();
        for (int page = 0; page < 5 && out.contains("More threads: "); page++) {
            threads.add(out.substring(out.indexOf("\nThread ") + 8).split(" ")[0]);
            hints.add(out.substring(out.indexOf("More threads: ") + 14).strip());
            args = ShellWords.argsAfter("More threads: ", out);
            out = admin.ok(args.toArray(String[]::new)).stdout();
        }

        assertThat(threads).containsExactly(h2.id.toString(), h1.id.toString());
        assertThat(hints).containsExactly(
                "aibridge sessions show 'hint session '\\''one'\\''' --before-id " + h2.id + " --limit 1",
                "aibridge sessions show 'hint session '\\''one'\\''' --before-id " + h1.id + " --limit 1");
        assertThat(out).endsWith("\nNo more threads.\n");
    }

    @Test
    void aBackwardPageOfPlainIdsHintsTheThreadBeforeItsFirst() {
        Cli.Result page = admin.ok("sessions", "show", "cs-alpha", "--before-id", world.a3.id.toString(), "--limit", "1");
        Cli.Result older = admin.ok(ShellWords.argsAfter("More threads: ", page.stdout()).toArray(String[]::new));

        assertThat(page.stdout()).contains("Thread " + world.a1.id).doesNotContain("Thread " + world.a3.id)
                .endsWith("\nMore threads: aibridge sessions show cs-alpha --before-id " + world.a1.id + " --limit 1\n");
        assertThat(older.stdout()).doesNotContain("Thread ").endsWith("\nNo more threads.\n");
    }

    @Test
    void aForwardPageHintOfAQuotedSessionRunsAsPrinted() {
        Cli.Result first = admin.ok("sessions", "show", SPACED, "--limit", "2");
        Cli.Result second = admin.ok(ShellWords.argsAfter("More threads: ", first.stdout()).toArray(String[]::new));
        Cli.Result dashed = admin.ok("sessions", "show", "--limit", "1", "--", DASHED);
        Cli.Result afterDashed = admin.ok(ShellWords.argsAfter("More threads: ", dashed.stdout()).toArray(String[]::new));

        assertThat(first.stdout()).contains("Thread " + h1.id).contains("Thread " + h2.id)
                .endsWith("\nMore threads: aibridge sessions show 'hint session '\\''one'\\''' --after-id " + h2.id + " --limit 2\n");
        assertThat(second.stdout()).startsWith("Session  " + SPACED + "\n").contains("Thread " + h3.id)
                .doesNotContain("Thread " + h2.id).doesNotContain("More threads");
        assertThat(dashed.stdout()).contains("\nMore threads: aibridge sessions show --after-id ")
                .endsWith(" --limit 1 -- '-x two; echo y'\n");
        assertThat(afterDashed.stdout()).startsWith("Session  " + DASHED + "\n").endsWith("\nNo more threads.\n");
    }

    @Test
    void showPrintsTheApiAnswerAsJson() {
        JsonNode s = admin.ok("sessions", "show", "cs-alpha", "--output", "json").json();

        assertThat(s.get("id").asText()).isEqualTo("cs-alpha");
        assertThat(s.get("threads")).hasSize(2);
        assertThat(s.get("threads").get(0).get("agentic_actions")).hasSize(2);
        assertThat(s.get("threads").get(0).get("agentic_actions").get(0).get("tool_calls").get(0).get("tool").asText()).isEqualTo("bash");
    }

    @Test
    void aMissingSessionIsAServerErrorWithTheApiMessage() {
        Cli.Result r = admin.run("sessions", "show", "no-such-session");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).isEqualTo("Session not found. (HTTP 404)\n");
        assertThat(r.stdout()).isEmpty();
    }

    @Test
    void aMemberCannotSeeAnotherUsersSession() {
        Cli.Result r = world.as(world.alice).run("sessions", "show", "cs-beta");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).startsWith("Session not found. (HTTP 404)");
    }

    static List<String> ids(JsonNode sessions) {
        List<String> ids = new ArrayList<>();
        sessions.forEach(s -> ids.add(s.get("id").asText()));
        return ids;
    }
}

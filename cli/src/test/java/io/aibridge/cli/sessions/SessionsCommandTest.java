package io.aibridge.cli.sessions;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.testing.Cli;
import io.aibridge.cli.testing.World;
import io.aibridge.cli.testing.WorldExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code aibridge sessions list} and {@code aibridge sessions show} against a running query-service. */
@ExtendWith(WorldExtension.class)
class SessionsCommandTest {

    static World world;
    static Cli admin;

    @BeforeAll
    static void setUp(World w) {
        world = w;
        admin = w.admin;
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
        assertThat(table.stdout()).contains("1 of 3 sessions. Next page: --after-session-id " + world.c1.id
                + " --after-initiator-id " + world.alice.id());
    }

    @Test
    void theNextPageHintNamesTheSessionAndItsInitiatorAndCopiedItFetchesTheNextPage() {
        List<String> args = new ArrayList<>(List.of("sessions", "list", "--started-after", "2026-03-01T00:00:00Z", "--limit", "1"));
        List<String> seen = new ArrayList<>();
        String out = admin.ok(args.toArray(String[]::new)).stdout();
        for (int page = 0; page < 5 && out.contains("Next page: "); page++) {
            seen.add(out.lines().skip(1).findFirst().orElseThrow().split(" +")[1]);
            args = new ArrayList<>(List.of("sessions", "list", "--started-after", "2026-03-01T00:00:00Z", "--limit", "1"));
            args.addAll(List.of(out.substring(out.indexOf("Next page: ") + "Next page: ".length()).strip().split(" ")));
            out = admin.ok(args.toArray(String[]::new)).stdout();
        }

        assertThat(seen).containsExactly(world.c1.id.toString(), "cs-beta", "cs-alpha");
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
                .contains("More threads: aibridge sessions show cs-alpha --after-id " + world.a1.id);
        assertThat(secondPage.stdout()).contains("Thread " + world.a3.id).doesNotContain("Thread " + world.a1.id);
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

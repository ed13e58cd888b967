package io.aibridge.cli.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.testing.RecordedRows.Interception;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Everything the tests share, made once per test run: a running query-service, users and keys
 * created through the CLI itself, and recorded interceptions.
 *
 * <p>March 2026 holds a small, fully known world: alice's session {@code cs-alpha} (two threads,
 * the first an agentic loop of two steps), bob's session {@code cs-beta}, and one interception of
 * alice from an undetected client. February 2026 holds {@link #EXPORT_ROWS} interceptions of bob
 * with model {@code export-model}, for exports across several pages.
 */
public final class World implements AutoCloseable {

    /** A user made through {@code aibridge users create}, with a key from {@code aibridge keys create}. */
    public record User(UUID id, String username, String token) {
    }

    public static final int EXPORT_ROWS = 2345;
    public static final String EXPORT_MODEL = "export-model";

    public final QueryServiceProcess service;
    public final RecordedRows rows;
    public final Cli admin;
    public final User alice;
    public final User bob;
    public final User carol;
    public final Interception a1;
    public final Interception a2;
    public final Interception a3;
    public final Interception b1;
    public final Interception c1;
    /** The export set, newest first (the API's order). */
    public final List<Interception> exported;

    private World(QueryServiceProcess service) {
        this.service = service;
        this.rows = new RecordedRows(service.database().jdbcUrl(), service.database().user(), service.database().password());
        this.admin = new Cli(service.url(), service.bootstrapToken());
        alice = user("alice", "Alice Liddell", "member");
        bob = user("bob", "Bob Builder", "member");
        carol = user("carol", "Carol Auditor", "auditor");

        a1 = RecordedRows.interception(alice.id()).session("cs-alpha").at("2026-03-02T10:00:00Z")
                .prompt("fix the <bug> & ship it").thought("list the files").tool("bash", "{\"command\":\"ls\"}")
                .tokens(100, 20, 1000, 50, "{\"cache_ephemeral_5m_input\":50}");
        a2 = RecordedRows.interception(alice.id()).childOf(a1).at("2026-03-02T10:00:05Z")
                .tool("read", "{\"path\":\"README.md\"}").tokens(11, 6, 0, 0);
        a3 = RecordedRows.interception(alice.id()).session("cs-alpha").at("2026-03-02T11:00:00Z").model("claude-opus-4")
                .credential("byok", "sk-a...wxyz").prompt("second prompt\nwith two lines").tokens(200, 40, 0, 0);
        b1 = RecordedRows.interception(bob.id()).session("cs-beta").at("2026-03-03T09:00:00Z").provider("openai").model("gpt-4o")
                .client("Codex").prompt("explain, \"quoted\" text")
                .injectedTool("lookup", "{\"id\":1}", "https://mcp.example.com/mcp", "connection refused").tokens(500, 100, 300, 0);
        c1 = RecordedRows.interception(alice.id()).at("2026-03-04T12:00:00Z").provider("openai").model("gpt-4o-mini").client(null)
                .tokens(7, 3, 0, 0);
        rows.save(a1, a2, a3, b1, c1);

        exported = exportSet(bob.id(), EXPORT_MODEL, Instant.parse("2026-02-05T23:59:00Z"), EXPORT_ROWS);
        rows.save(exported);
    }

    /**
     * {@code count} interceptions, newest first, one minute apart over several days; the fifth of
     * every ten shares its start with the fourth (the API then orders them by id), and every third
     * has a prompt with commas, quotes, line breaks and non-ASCII text.
     */
    public static List<Interception> exportSet(UUID initiator, String model, Instant newest, int count) {
        List<Interception> set = new ArrayList<>();
        Instant t = newest;
        for (int i = 0; i < count; i++) {
            if (i % 10 != 5) {
                t = t.minusSeconds(60);
            }
            Interception x = RecordedRows.interception(initiator).at(t).model(model).client("Codex").provider("openai")
                    .tokens(i, 2L * i, 0, 0);
            if (i % 3 == 0) {
                x.prompt("prompt " + i + ", with \"quotes\",\nline breaks\r\nand ünïcödé ✓");
            }
            if (i % 4 == 0) {
                x.tool("bash", "{\"command\":\"echo " + i + "\"}");
            }
            set.add(x);
        }
        // the API's order: started_at desc, then id desc
        set.sort((x, y) -> {
            int byTime = y.startedAt.compareTo(x.startedAt);
            return byTime != 0 ? byTime : y.id.toString().compareTo(x.id.toString());
        });
        return set;
    }

    public Cli as(User user) {
        return admin.withToken(user.token());
    }

    private User user(String username, String name, String role) {
        JsonNode created = admin.ok("users", "create", username, "--name", name, "--email", username + "@example.com",
                "--role", role, "--output", "json").json();
        String token = admin.ok("keys", "create", username, "--name", "tests").stdout().strip();
        return new User(UUID.fromString(created.get("id").asText()), username, token);
    }

    static World create() {
        QueryServiceProcess service = QueryServiceProcess.start();
        try {
            return new World(service);
        } catch (RuntimeException | Error e) {
            service.close();
            throw e;
        }
    }

    @Override
    public void close() {
        rows.close();
        service.close();
    }
}

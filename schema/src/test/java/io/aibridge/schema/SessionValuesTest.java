package io.aibridge.schema;

import io.aibridge.testing.Database;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code aibridge_session_values} (V44) always holds exactly one row per session summary and
 * distinct provider, model or client, whichever statement changes the summaries: insert, upsert,
 * update, delete, truncate.
 */
class SessionValuesTest {

    private static Database database;

    @BeforeAll
    static void migrate() {
        database = Database.start().migrate();
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    @Test
    void followsEveryChangeOfTheSummaries() throws SQLException {
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            s.execute("TRUNCATE aibridge_sessions");
            s.execute("INSERT INTO aibridge_sessions (session_id, initiator_id, started_at, last_started_at, last_active_at,"
                    + " providers, models, clients, interceptions, threads) VALUES"
                    + " ('s1', '00000000-0000-0000-0000-000000000001', now(), now(), now(), '{anthropic}', '{claude-opus-4-1,claude-sonnet-4-5}', '{Claude Code}', 2, 1),"
                    + " ('s2', '00000000-0000-0000-0000-000000000001', now(), now(), now(), '{openai}', '{gpt-5}', '{Codex}', 1, 1),"
                    + " ('s1', '00000000-0000-0000-0000-000000000002', now(), now(), now(), '{}', '{}', '{Unknown}', 1, 1)");
            assertThat(values(s)).containsExactlyInAnyOrder(
                    "provider/anthropic/1/s1", "model/claude-opus-4-1/1/s1", "model/claude-sonnet-4-5/1/s1", "client/Claude Code/1/s1",
                    "provider/openai/1/s2", "model/gpt-5/1/s2", "client/Codex/1/s2", "client/Unknown/2/s1");
            assertThat(values(s)).containsExactlyInAnyOrderElementsOf(derived(s));

            // an upsert that updates one summary (a value added, one dropped) and inserts another
            s.execute("INSERT INTO aibridge_sessions AS x (session_id, initiator_id, started_at, last_started_at, last_active_at,"
                    + " providers, models, clients, interceptions, threads) VALUES"
                    + " ('s2', '00000000-0000-0000-0000-000000000001', now(), now(), now(), '{anthropic,openai}', '{claude-haiku-4-5}', '{Codex}', 2, 1),"
                    + " ('s3', '00000000-0000-0000-0000-000000000002', now(), now(), now(), '{openai}', '{gpt-5}', '{Cursor}', 1, 1)"
                    + " ON CONFLICT (session_id, initiator_id) DO UPDATE SET providers = excluded.providers, models = excluded.models,"
                    + " clients = excluded.clients, interceptions = excluded.interceptions");
            assertThat(values(s)).contains("provider/anthropic/1/s2", "model/claude-haiku-4-5/1/s2", "provider/openai/2/s3")
                    .doesNotContain("model/gpt-5/1/s2");
            assertThat(values(s)).containsExactlyInAnyOrderElementsOf(derived(s));

            // updates that change no array, and one that empties one
            s.execute("UPDATE aibridge_sessions SET input_tokens = input_tokens + 10, last_active_at = now()");
            s.execute("UPDATE aibridge_sessions SET clients = '{}' WHERE session_id = 's1' AND initiator_id = '00000000-0000-0000-0000-000000000002'");
            assertThat(values(s)).doesNotContain("client/Unknown/2/s1").containsExactlyInAnyOrderElementsOf(derived(s));

            s.execute("DELETE FROM aibridge_sessions WHERE session_id = 's2'");
            assertThat(values(s)).noneMatch(v -> v.endsWith("/s2")).containsExactlyInAnyOrderElementsOf(derived(s));

            s.execute("TRUNCATE aibridge_sessions");
            assertThat(values(s)).isEmpty();
        }
    }

    /** The table's rows as kind/value/last digit of the initiator/session. */
    private static List<String> values(Statement s) throws SQLException {
        return rows(s, "SELECT kind, value, initiator_id, session_id FROM aibridge_session_values");
    }

    /** What the table must hold, derived from the summaries. */
    private static List<String> derived(Statement s) throws SQLException {
        return rows(s, "SELECT v.kind, v.value, x.initiator_id, x.session_id FROM aibridge_sessions x"
                + " CROSS JOIN LATERAL (SELECT 'provider' AS kind, unnest(x.providers) AS value"
                + " UNION ALL SELECT 'model', unnest(x.models) UNION ALL SELECT 'client', unnest(x.clients)) v");
    }

    private static List<String> rows(Statement s, String query) throws SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(query)) {
            while (rs.next()) {
                String initiator = rs.getString(3);
                out.add(rs.getString(1) + "/" + rs.getString(2) + "/" + initiator.charAt(initiator.length() - 1) + "/" + rs.getString(4));
            }
        }
        return out;
    }
}

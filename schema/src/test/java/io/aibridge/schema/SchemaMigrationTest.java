package io.aibridge.schema;

import io.aibridge.testing.Database;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The migrations apply to a real PostgreSQL, and the partitioning and derived columns behave as documented. */
class SchemaMigrationTest {

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
    void ensuringDayPartitionsCreatesOnePerTableAndDayAndIsIdempotent() throws SQLException {
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            assertThat(scalar(s, "SELECT aibridge_ensure_day_partitions('2026-01-01', '2026-01-03')")).isEqualTo(15);
            assertThat(scalar(s, "SELECT aibridge_ensure_day_partitions('2026-01-02', '2026-01-04')")).isEqualTo(5);
            List<String> days = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT day, cardinality(partitions) FROM aibridge_day_partitions "
                    + "WHERE day BETWEEN '2026-01-01' AND '2026-01-31' ORDER BY day")) {
                while (rs.next()) {
                    assertThat(rs.getInt(2)).isEqualTo(5);
                    days.add(rs.getString(1));
                }
            }
            assertThat(days).containsExactly("2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04");
        }
    }

    @Test
    void aRowGoesToThePartitionOfItsUtcDay() throws SQLException {
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            s.execute("SELECT aibridge_ensure_day_partitions('2026-02-01', '2026-02-02')");
            UUID id = UUID.randomUUID();
            insertInterception(c, id, Instant.parse("2026-02-01T23:59:59.999999Z"), null, null);
            try (ResultSet rs = s.executeQuery("SELECT tableoid::regclass FROM aibridge_interceptions WHERE id = '" + id + "'")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("aibridge_interceptions_p20260201");
            }
        }
    }

    @Test
    void aRowForADayWithoutPartitionIsRefused() throws SQLException {
        try (Connection c = database.connect()) {
            assertThatThrownBy(() -> insertInterception(c, UUID.randomUUID(), Instant.parse("1999-01-01T00:00:00Z"), null, null))
                    .hasMessageContaining("no partition");
        }
    }

    @Test
    void sessionIdIsTheClientSessionIdElseTheThreadRootElseTheInterceptionId() throws SQLException {
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            s.execute("SELECT aibridge_ensure_day_partitions('2026-03-01', '2026-03-01')");
            Instant at = Instant.parse("2026-03-01T10:00:00Z");
            UUID root = UUID.randomUUID();
            UUID child = UUID.randomUUID();
            UUID withClientSession = UUID.randomUUID();
            insertInterception(c, root, at, null, null);
            insertInterception(c, child, at, null, root);
            insertInterception(c, withClientSession, at, "claude-session-1", root);
            assertThat(sessionId(s, root)).isEqualTo(root.toString());
            assertThat(sessionId(s, child)).isEqualTo(root.toString());
            assertThat(sessionId(s, withClientSession)).isEqualTo("claude-session-1");
        }
    }

    @Test
    void sessionSummaryCoversEveryVisibleInterceptionAndDisappearsWithTheLast() throws SQLException {
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            s.execute("SELECT aibridge_ensure_day_partitions('2026-04-01', '2026-04-02')");
            UUID user = UUID.randomUUID();
            UUID root = UUID.randomUUID();
            UUID child = UUID.randomUUID();
            UUID inFlight = UUID.randomUUID();
            Instant t0 = Instant.parse("2026-04-01T23:00:00Z");
            s.execute(insert(root, t0, user, "anthropic", "claude-sonnet-4-5", "Claude Code", null, true));
            s.execute(insert(child, t0.plusSeconds(3600), user, "openai", "gpt-5", "Codex", root, true));
            s.execute(insert(inFlight, t0.plusSeconds(7200), user, "openai", "o3", "Codex", root, false));
            s.execute(tokens(root, t0, 10, 100, 1000, 5));
            s.execute(tokens(root, t0, 1, 2, 3, 4));
            s.execute(tokens(child, t0.plusSeconds(3600), 20, 200, 0, 0));
            s.execute(tokens(inFlight, t0.plusSeconds(7200), 999, 999, 999, 999));
            s.execute("INSERT INTO aibridge_user_prompts (id, interception_id, interception_started_at, prompt, created_at) "
                    + "VALUES (gen_random_uuid(), '" + root + "', '" + t0 + "', 'fix the build', '2026-04-01T23:00:01Z')");
            refresh(s, root.toString(), user);

            try (ResultSet rs = s.executeQuery("SELECT * FROM aibridge_sessions WHERE session_id = '" + root + "'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt("interceptions")).isEqualTo(2);
                assertThat(rs.getInt("threads")).isEqualTo(1);
                assertThat(rs.getLong("input_tokens")).isEqualTo(31);
                assertThat(rs.getLong("output_tokens")).isEqualTo(302);
                assertThat(rs.getLong("cache_read_input_tokens")).isEqualTo(1003);
                assertThat(rs.getLong("cache_write_input_tokens")).isEqualTo(9);
                assertThat(rs.getString("providers")).isEqualTo("{anthropic,openai}");
                assertThat(rs.getString("models")).isEqualTo("{claude-sonnet-4-5,gpt-5}");
                assertThat(rs.getString("clients")).isEqualTo("{\"Claude Code\",Codex}");
                assertThat(rs.getString("client")).isEqualTo("Claude Code");
                assertThat(rs.getString("last_prompt")).isEqualTo("fix the build");
                assertThat(rs.getObject("last_active_at", OffsetDateTime.class).toInstant())
                        .isEqualTo(Instant.parse("2026-04-01T23:00:01Z"));
                assertThat(rs.getObject("started_at", OffsetDateTime.class).toInstant()).isEqualTo(t0);
            }

            // a purge of the first day leaves the child: the summary shows only what is left
            s.execute("DELETE FROM aibridge_interceptions WHERE id = '" + root + "'");
            refresh(s, root.toString(), user);
            try (ResultSet rs = s.executeQuery("SELECT interceptions, input_tokens, last_prompt, last_active_at, started_at "
                    + "FROM aibridge_sessions WHERE session_id = '" + root + "'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(1);
                assertThat(rs.getLong(2)).isEqualTo(20);
                assertThat(rs.getString(3)).isNull();
                assertThat(rs.getObject(4, OffsetDateTime.class).toInstant()).isEqualTo(t0.plusSeconds(3600));
            }

            s.execute("DELETE FROM aibridge_interceptions WHERE id = '" + child + "'");
            refresh(s, root.toString(), user);
            assertThat(scalar(s, "SELECT count(*) FROM aibridge_sessions WHERE session_id = '" + root + "'")).isZero();
        }
    }

    /**
     * V48: the largest summary the bound on its models allows still fits the covering indexes of
     * V20 (2,704 bytes an entry): the longest client session id in three-byte characters, every
     * provider and client the proxy sends, and models just within the bound, all random so that
     * PostgreSQL cannot compress them. Models past the bound stay out of the summary only.
     */
    @Test
    void theLargestSummaryTheModelBoundAllowsFitsItsIndexes() throws SQLException {
        java.util.Random random = new java.util.Random(2704);
        StringBuilder session = new StringBuilder();
        for (int i = 0; i < 256; i++) {
            session.appendCodePoint(0x4E00 + random.nextInt(0x5000)); // CJK: three bytes each in UTF-8
        }
        // 31 models of 29 bytes and one of 125: 32 models and 1,024 bytes, each padded by 3 bytes in the array
        List<String> models = new ArrayList<>();
        for (int i = 0; i < 31; i++) {
            models.add(randomText(random, 29));
        }
        models.add(randomText(random, 125));
        List<String> past = List.of(randomText(random, 200), randomText(random, 256), randomText(random, 256));
        List<String> providers = List.of("anthropic", "openai", "copilot");
        List<String> clients = List.of("Mux", "Claude Code", "Codex", "Zed", "GitHub Copilot (VS Code)", "GitHub Copilot (CLI)",
                "Kilo Code", "Roo Code", "Coder Agents", "Charm Crush", "Cursor", "Unknown");
        UUID user = UUID.randomUUID();
        Instant t0 = Instant.parse("2026-05-01T10:00:00Z");
        List<String> all = new ArrayList<>(models);
        all.addAll(past);
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            s.execute("SELECT aibridge_ensure_day_partitions('2026-05-01', '2026-05-01')");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO aibridge_interceptions "
                    + "(id, started_at, initiator_id, provider, model, client, client_session_id, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (int i = 0; i < all.size(); i++) {
                    OffsetDateTime at = OffsetDateTime.ofInstant(t0.plusSeconds(i), ZoneOffset.UTC);
                    ps.setObject(1, UUID.randomUUID());
                    ps.setObject(2, at);
                    ps.setObject(3, user);
                    ps.setString(4, providers.get(i % providers.size()));
                    ps.setString(5, all.get(i));
                    ps.setString(6, clients.get(i % clients.size()));
                    ps.setString(7, session.toString());
                    ps.setObject(8, at.plusSeconds(1));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT aibridge_refresh_sessions(ARRAY[?], ARRAY[?::uuid])")) {
                ps.setString(1, session.toString());
                ps.setObject(2, user);
                ps.execute();
            }
            try (ResultSet rs = s.executeQuery("SELECT octet_length(session_id), cardinality(providers), cardinality(clients), "
                    + "cardinality(models), (SELECT sum(octet_length(m)) FROM unnest(models) AS m), models_cut, models "
                    + "FROM aibridge_sessions WHERE initiator_id = '" + user + "'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(768);
                assertThat(rs.getInt(2)).isEqualTo(3);
                assertThat(rs.getInt(3)).isEqualTo(12);
                assertThat(rs.getInt(4)).isEqualTo(32);
                assertThat(rs.getInt(5)).isEqualTo(1024);
                assertThat(rs.getString(6)).isEqualTo(past.get(0));
                assertThat((String[]) rs.getArray(7).getArray()).containsExactlyInAnyOrderElementsOf(models);
            }
            assertThat(scalar(s, "SELECT count(*) FROM aibridge_interceptions WHERE initiator_id = '" + user + "'")).isEqualTo(all.size());
        }
    }

    /** V48 cuts the summaries stored before it that are over the bound, as the definition now builds them. */
    @Test
    void summariesStoredBeforeTheModelBoundAreCutToItWhenItIsApplied() throws SQLException {
        try (Database before = Database.start()) {
            org.flywaydb.core.Flyway.configure().dataSource(before.jdbcUrl(), before.user(), before.password())
                    .locations("classpath:db/migration").target("47").load().migrate();
            UUID user = UUID.randomUUID();
            Instant t0 = Instant.parse("2026-06-01T10:00:00Z");
            try (Connection c = before.connect(); Statement s = c.createStatement()) {
                s.execute("SELECT aibridge_ensure_day_partitions('2026-06-01', '2026-06-01')");
                for (int i = 0; i < 40; i++) {
                    s.execute("INSERT INTO aibridge_interceptions (id, started_at, initiator_id, provider, model, client, "
                            + "client_session_id, ended_at) VALUES (gen_random_uuid(), '" + t0.plusSeconds(i) + "', '" + user
                            + "', 'anthropic', 'model-" + String.format("%02d", i) + "', 'Claude Code', 'forty-models', '"
                            + t0.plusSeconds(i + 1) + "')");
                }
                refresh(s, "forty-models", user);
                assertThat(scalar(s, "SELECT cardinality(models) FROM aibridge_sessions WHERE initiator_id = '" + user + "'")).isEqualTo(40);
            }
            before.migrate();
            try (Connection c = before.connect(); Statement s = c.createStatement()) {
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < 32; i++) {
                    expected.add(String.format("model-%02d", i));
                }
                String summary = "SELECT array_to_string(models, ',') || ' ' || models_cut FROM aibridge_sessions WHERE initiator_id = '" + user + "'";
                assertThat(texts(s, summary)).containsExactly(String.join(",", expected) + " model-32");
                assertThat(texts(s, "SELECT value FROM aibridge_session_value_counts WHERE kind = 'model' AND sessions > 0 "
                        + "AND initiator_id = '" + user + "' ORDER BY value")).containsExactlyElementsOf(expected);
                refresh(s, "forty-models", user);
                assertThat(texts(s, summary)).as("the definition agrees").containsExactly(String.join(",", expected) + " model-32");
            }
        }
    }

    private static List<String> texts(Statement s, String query) throws SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(query)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static String randomText(java.util.Random random, int length) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    private static void refresh(Statement s, String sessionId, UUID initiator) throws SQLException {
        s.execute("SELECT aibridge_refresh_sessions(ARRAY['" + sessionId + "'], ARRAY['" + initiator + "'::uuid])");
    }

    private static String insert(UUID id, Instant startedAt, UUID user, String provider, String model, String client,
                                 UUID root, boolean ended) {
        return "INSERT INTO aibridge_interceptions (id, started_at, initiator_id, provider, model, client, thread_root_id, "
                + "thread_parent_id, ended_at) VALUES ('" + id + "', '" + startedAt + "', '" + user + "', '" + provider + "', '"
                + model + "', '" + client + "', " + (root == null ? "NULL" : "'" + root + "'") + ", "
                + (root == null ? "NULL" : "'" + root + "'") + ", " + (ended ? "'" + startedAt.plusSeconds(5) + "'" : "NULL") + ")";
    }

    private static String tokens(UUID interception, Instant startedAt, long in, long out, long cacheRead, long cacheWrite) {
        return "INSERT INTO aibridge_token_usages (id, interception_id, interception_started_at, input_tokens, output_tokens, "
                + "cache_read_input_tokens, cache_write_input_tokens, created_at) VALUES (gen_random_uuid(), '" + interception
                + "', '" + startedAt + "', " + in + ", " + out + ", " + cacheRead + ", " + cacheWrite + ", now())";
    }

    private static String sessionId(Statement s, UUID id) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT session_id FROM aibridge_interceptions WHERE id = '" + id + "'")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void insertInterception(Connection c, UUID id, Instant startedAt, String clientSessionId, UUID root)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO aibridge_interceptions "
                + "(id, started_at, initiator_id, provider, model, client_session_id, thread_root_id) "
                + "VALUES (?, ?, ?, 'anthropic', 'claude-sonnet-4-5', ?, ?)")) {
            ps.setObject(1, id);
            ps.setObject(2, OffsetDateTime.ofInstant(startedAt, ZoneOffset.UTC));
            ps.setObject(3, UUID.randomUUID());
            ps.setString(4, clientSessionId);
            ps.setObject(5, root);
            ps.executeUpdate();
        }
    }

    private static long scalar(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * {@code aibridge_session_value_counts} (V44) always says how many summaries of each initiator
     * hold each provider, model and client, whichever statement changes the summaries: insert,
     * upsert, update, delete, truncate.
     */
    @Test
    void sessionValueCountsFollowEveryChangeOfTheSummaries() throws SQLException {
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            s.execute("TRUNCATE aibridge_sessions");
            s.execute("INSERT INTO aibridge_sessions (session_id, initiator_id, started_at, last_started_at, last_active_at,"
                    + " providers, models, clients, interceptions, threads) VALUES"
                    + " ('s1', '00000000-0000-0000-0000-000000000001', now(), now(), now(), '{anthropic}', '{claude-opus-4-1,claude-sonnet-4-5}', '{Claude Code}', 2, 1),"
                    + " ('s2', '00000000-0000-0000-0000-000000000001', now(), now(), now(), '{openai}', '{gpt-5}', '{Claude Code}', 1, 1),"
                    + " ('s1', '00000000-0000-0000-0000-000000000002', now(), now(), now(), '{}', '{}', '{Unknown}', 1, 1)");
            assertThat(counts(s)).containsExactlyInAnyOrder(
                    "provider/anthropic/1=1", "model/claude-opus-4-1/1=1", "model/claude-sonnet-4-5/1=1", "client/Claude Code/1=2",
                    "provider/openai/1=1", "model/gpt-5/1=1", "client/Unknown/2=1");
            assertThat(counts(s)).containsExactlyInAnyOrderElementsOf(derived(s));

            // an upsert that updates one summary (a value added, one dropped) and inserts another
            s.execute("INSERT INTO aibridge_sessions AS x (session_id, initiator_id, started_at, last_started_at, last_active_at,"
                    + " providers, models, clients, interceptions, threads) VALUES"
                    + " ('s2', '00000000-0000-0000-0000-000000000001', now(), now(), now(), '{anthropic,openai}', '{claude-haiku-4-5}', '{Claude Code}', 2, 1),"
                    + " ('s3', '00000000-0000-0000-0000-000000000002', now(), now(), now(), '{openai}', '{gpt-5}', '{Cursor}', 1, 1)"
                    + " ON CONFLICT (session_id, initiator_id) DO UPDATE SET providers = excluded.providers, models = excluded.models,"
                    + " clients = excluded.clients, interceptions = excluded.interceptions");
            assertThat(counts(s)).contains("provider/anthropic/1=2", "model/claude-haiku-4-5/1=1", "provider/openai/2=1",
                    "client/Claude Code/1=2").doesNotContain("model/gpt-5/1=1");
            assertThat(counts(s)).containsExactlyInAnyOrderElementsOf(derived(s));

            // updates that change no array, and one that empties one
            s.execute("UPDATE aibridge_sessions SET input_tokens = input_tokens + 10, last_active_at = now()");
            s.execute("UPDATE aibridge_sessions SET clients = '{}' WHERE session_id = 's1' AND initiator_id = '00000000-0000-0000-0000-000000000002'");
            assertThat(counts(s)).doesNotContain("client/Unknown/2=1").containsExactlyInAnyOrderElementsOf(derived(s));

            // one transaction: an update that changes an array between two that change none (V46 marks
            // the transaction only for the middle one, and its statement trigger clears the mark)
            c.setAutoCommit(false);
            s.execute("UPDATE aibridge_sessions SET threads = threads + 1");
            s.execute("UPDATE aibridge_sessions SET models = '{gpt-5,gpt-5-mini}' WHERE session_id = 's3'");
            s.execute("UPDATE aibridge_sessions SET threads = threads - 1");
            c.commit();
            c.setAutoCommit(true);
            assertThat(counts(s)).contains("model/gpt-5-mini/2=1").containsExactlyInAnyOrderElementsOf(derived(s));

            s.execute("DELETE FROM aibridge_sessions WHERE session_id = 's2'");
            assertThat(counts(s)).contains("client/Claude Code/1=1").containsExactlyInAnyOrderElementsOf(derived(s));

            s.execute("TRUNCATE aibridge_sessions");
            assertThat(counts(s)).isEmpty();
        }
    }

    /**
     * The summary update of a batch (V45) plans its look-ups for the batch's days: it reads and
     * locks only their partitions, however many days are kept, on every call (a cached generic
     * plan would lock them all), and it still adds every interception, token usage and prompt.
     */
    @Test
    void theSummaryUpdateOfABatchLocksOnlyTheDaysOfItsRows() throws SQLException {
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            s.execute("SELECT aibridge_ensure_day_partitions('2026-05-01', '2026-05-20')");
            UUID user = UUID.randomUUID();
            Instant day = Instant.parse("2026-05-20T08:00:00Z");
            c.setAutoCommit(false);
            for (int call = 0; call < 8; call++) { // past the five custom plans of PostgreSQL's plan cache
                UUID id = UUID.randomUUID();
                Instant started = day.plusSeconds(call);
                s.execute(insert(id, started, user, "anthropic", "claude-sonnet-4-5", "Claude Code", null, true));
                s.execute(tokens(id, started, 100, 20, 5, 1));
                s.execute("INSERT INTO aibridge_user_prompts (id, interception_id, interception_started_at, prompt, created_at)"
                        + " VALUES (gen_random_uuid(), '" + id + "', '" + started + "', 'prompt " + call + "', now())");
                c.commit();
                s.execute("SELECT aibridge_update_sessions('{}', '{}', '{}', '{}', ARRAY['" + id + "'::uuid], ARRAY['"
                        + started + "'::timestamptz], '{}', '{}', '{}', '{}')");
                List<String> lockedDays = new ArrayList<>();
                try (ResultSet rs = s.executeQuery("SELECT DISTINCT d.day FROM pg_locks l JOIN pg_class r ON r.oid = l.relation"
                        + " JOIN aibridge_day_partitions d ON r.relname = ANY (d.partitions)"
                        + " WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' ORDER BY 1")) {
                    while (rs.next()) {
                        lockedDays.add(rs.getString(1));
                    }
                }
                c.commit();
                assertThat(lockedDays).as("day partitions locked by call %d", call).containsExactly("2026-05-20");
            }
            c.setAutoCommit(true);
            try (ResultSet rs = s.executeQuery("SELECT interceptions, input_tokens, output_tokens, last_prompt FROM aibridge_sessions"
                    + " WHERE initiator_id = '" + user + "'")) {
                List<String> summaries = new ArrayList<>();
                while (rs.next()) {
                    summaries.add(rs.getLong(1) + "/" + rs.getLong(2) + "/" + rs.getLong(3) + "/" + rs.getString(4));
                }
                // every interception is its own session (no client session id, no thread)
                assertThat(summaries).hasSize(8).allMatch(row -> row.startsWith("1/100/20/prompt "));
            }
        }
    }

    /** The table's non-zero counts as kind/value/last digit of the initiator=count. */
    private static List<String> counts(Statement s) throws SQLException {
        return rows(s, "SELECT kind, value, initiator_id, sessions FROM aibridge_session_value_counts WHERE sessions <> 0");
    }

    /** What the table must say, counted from the summaries. */
    private static List<String> derived(Statement s) throws SQLException {
        return rows(s, "SELECT v.kind, v.value, x.initiator_id, count(*) FROM aibridge_sessions x"
                + " CROSS JOIN LATERAL (SELECT 'provider' AS kind, unnest(x.providers) AS value"
                + " UNION ALL SELECT 'model', unnest(x.models) UNION ALL SELECT 'client', unnest(x.clients)) v GROUP BY 1, 2, 3");
    }

    private static List<String> rows(Statement s, String query) throws SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(query)) {
            while (rs.next()) {
                String initiator = rs.getString(3);
                out.add(rs.getString(1) + "/" + rs.getString(2) + "/" + initiator.charAt(initiator.length() - 1) + "=" + rs.getString(4));
            }
        }
        return out;
    }
}

package io.aibridge.retention.testdata;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Writes interception data the way recorder-service does, following the schema: it makes sure the
 * day partitions exist (aibridge_ensure_day_partitions), stores interceptions and their children
 * with the interception's start as partition key, and refreshes the touched session summaries with
 * aibridge_refresh_sessions under the per-session locks (aibridge_lock_sessions), all in one
 * transaction per call.
 */
public final class RecorderStyleWriter {

    /** Where connections come from (a Quarkus datasource or a test database). */
    @FunctionalInterface
    public interface Connections {
        Connection open() throws SQLException;
    }

    private final Connections connections;

    public RecorderStyleWriter(Connections connections) {
        this.connections = connections;
    }

    /** A connection to the same database. */
    public Connection open() throws SQLException {
        return connections.open();
    }

    /** Stores the interceptions with all their children, and refreshes their sessions. */
    public void write(Collection<TestInterception> interceptions) throws SQLException {
        if (interceptions.isEmpty()) {
            return;
        }
        try (Connection connection = connections.open()) {
            connection.setAutoCommit(false);
            try {
                ensureDays(connection, interceptions.stream().map(TestInterception::startedAt).toList());
                insertInterceptions(connection, interceptions);
                insertChildren(connection, interceptions);
                refreshSessions(connection, interceptions);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    /** Stores a token usage whose interception is not (yet) stored: the recorder may see children first. */
    public void writeOrphanTokenUsage(UUID interceptionId, Instant interceptionStartedAt) throws SQLException {
        try (Connection connection = connections.open()) {
            ensureDays(connection, List.of(interceptionStartedAt));
            try (PreparedStatement insert = connection.prepareStatement("""
                    INSERT INTO aibridge_token_usages (id, interception_id, interception_started_at, provider_response_id,
                        input_tokens, output_tokens, created_at)
                    VALUES (?, ?, ?, 'msg_orphan', 7, 3, ?) ON CONFLICT DO NOTHING
                    """)) {
                insert.setObject(1, UUID.randomUUID());
                insert.setObject(2, interceptionId);
                insert.setObject(3, utc(interceptionStartedAt));
                insert.setObject(4, utc(interceptionStartedAt.plusSeconds(2)));
                insert.executeUpdate();
            }
        }
    }

    private static void ensureDays(Connection connection, List<Instant> starts) throws SQLException {
        LocalDate first = starts.stream().map(start -> LocalDate.ofInstant(start, ZoneOffset.UTC)).min(Comparator.naturalOrder()).orElseThrow();
        LocalDate last = starts.stream().map(start -> LocalDate.ofInstant(start, ZoneOffset.UTC)).max(Comparator.naturalOrder()).orElseThrow();
        try (PreparedStatement ensure = connection.prepareStatement("SELECT aibridge_ensure_day_partitions(?, ?)")) {
            ensure.setObject(1, first);
            ensure.setObject(2, last);
            ensure.execute();
        }
    }

    private static void insertInterceptions(Connection connection, Collection<TestInterception> interceptions) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("""
                INSERT INTO aibridge_interceptions (id, started_at, initiator_id, api_key_id, provider, provider_name, model,
                    metadata, client, client_session_id, user_agent, streaming, request_path, thread_parent_id, thread_root_id,
                    ended_at, end_status, http_status, duration_ms)
                VALUES (?, ?, ?, 'key1', ?, ?, ?, '{"request_user_agent":"claude-cli/2.0"}', ?, ?, 'claude-cli/2.0', true,
                    '/v1/messages', ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id, started_at) DO NOTHING
                """)) {
            for (TestInterception interception : interceptions) {
                int column = 1;
                insert.setObject(column++, interception.id());
                insert.setObject(column++, utc(interception.startedAt()));
                insert.setObject(column++, interception.initiatorId());
                insert.setString(column++, interception.initiatorId() == null ? null : interception.provider());
                insert.setString(column++, interception.provider());
                insert.setString(column++, interception.initiatorId() == null ? null : interception.model());
                insert.setString(column++, interception.client());
                insert.setString(column++, interception.clientSessionId());
                insert.setObject(column++, interception.threadParentId());
                insert.setObject(column++, interception.threadRootId());
                insert.setObject(column++, interception.endedAt() == null ? null : utc(interception.endedAt()));
                insert.setString(column++, interception.endedAt() == null ? null : "completed");
                if (interception.endedAt() == null) {
                    insert.setNull(column++, java.sql.Types.INTEGER);
                    insert.setNull(column++, java.sql.Types.BIGINT);
                } else {
                    insert.setInt(column++, 200);
                    insert.setLong(column++, interception.endedAt().toEpochMilli() - interception.startedAt().toEpochMilli());
                }
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    private static void insertChildren(Connection connection, Collection<TestInterception> interceptions) throws SQLException {
        try (PreparedStatement tokens = connection.prepareStatement("""
                INSERT INTO aibridge_token_usages (id, interception_id, interception_started_at, provider_response_id,
                    input_tokens, output_tokens, cache_read_input_tokens, cache_write_input_tokens, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """);
             PreparedStatement prompts = connection.prepareStatement("""
                     INSERT INTO aibridge_user_prompts (id, interception_id, interception_started_at, provider_response_id, prompt, created_at)
                     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                     """);
             PreparedStatement tools = connection.prepareStatement("""
                     INSERT INTO aibridge_tool_usages (id, interception_id, interception_started_at, provider_response_id,
                         provider_tool_call_id, tool, input, injected, created_at)
                     VALUES (?, ?, ?, ?, ?, 'Bash', '{"command":"ls"}', false, ?) ON CONFLICT DO NOTHING
                     """);
             PreparedStatement thoughts = connection.prepareStatement("""
                     INSERT INTO aibridge_model_thoughts (id, interception_id, interception_started_at, provider_response_id,
                         content, source, created_at)
                     VALUES (?, ?, ?, ?, 'Let me look at the files first.', 'thinking', ?) ON CONFLICT DO NOTHING
                     """)) {
            for (TestInterception interception : interceptions) {
                OffsetDateTime started = utc(interception.startedAt());
                String response = "msg_" + interception.id().toString().substring(0, 8);
                for (int i = 0; i < interception.tokenUsages(); i++) {
                    tokens.setObject(1, UUID.randomUUID());
                    tokens.setObject(2, interception.id());
                    tokens.setObject(3, started);
                    tokens.setString(4, response + "_" + i);
                    tokens.setLong(5, interception.inputTokens());
                    tokens.setLong(6, interception.outputTokens());
                    tokens.setLong(7, interception.cacheReadTokens());
                    tokens.setLong(8, 0);
                    tokens.setObject(9, utc(interception.startedAt().plusSeconds(2 + i)));
                    tokens.addBatch();
                }
                if (interception.prompt() != null) {
                    prompts.setObject(1, UUID.randomUUID());
                    prompts.setObject(2, interception.id());
                    prompts.setObject(3, started);
                    prompts.setString(4, response);
                    prompts.setString(5, interception.prompt());
                    prompts.setObject(6, utc(interception.startedAt().plusSeconds(1)));
                    prompts.addBatch();
                }
                for (int i = 0; i < interception.toolUsages(); i++) {
                    tools.setObject(1, UUID.randomUUID());
                    tools.setObject(2, interception.id());
                    tools.setObject(3, started);
                    tools.setString(4, response);
                    tools.setString(5, "toolu_" + interception.id().toString().substring(0, 8) + "_" + i);
                    tools.setObject(6, utc(interception.startedAt().plusSeconds(3)));
                    tools.addBatch();
                }
                for (int i = 0; i < interception.thoughts(); i++) {
                    thoughts.setObject(1, UUID.randomUUID());
                    thoughts.setObject(2, interception.id());
                    thoughts.setObject(3, started);
                    thoughts.setString(4, response);
                    thoughts.setObject(5, utc(interception.startedAt().plusSeconds(1)));
                    thoughts.addBatch();
                }
            }
            tokens.executeBatch();
            prompts.executeBatch();
            tools.executeBatch();
            thoughts.executeBatch();
        }
    }

    private static void refreshSessions(Connection connection, Collection<TestInterception> interceptions) throws SQLException {
        Set<List<Object>> keys = new LinkedHashSet<>();
        for (TestInterception interception : interceptions) {
            if (interception.initiatorId() != null) {
                keys.add(List.of(interception.sessionId(), interception.initiatorId()));
            }
        }
        if (keys.isEmpty()) {
            return;
        }
        List<String> sessionIds = new ArrayList<>();
        List<UUID> initiatorIds = new ArrayList<>();
        keys.forEach(key -> {
            sessionIds.add((String) key.get(0));
            initiatorIds.add((UUID) key.get(1));
        });
        Array sessions = connection.createArrayOf("text", sessionIds.toArray());
        Array initiators = connection.createArrayOf("uuid", initiatorIds.toArray());
        try (PreparedStatement lock = connection.prepareStatement("SELECT aibridge_lock_sessions(?, ?)");
             PreparedStatement refresh = connection.prepareStatement("SELECT aibridge_refresh_sessions(?, ?)")) {
            lock.setArray(1, sessions);
            lock.setArray(2, initiators);
            lock.execute();
            refresh.setArray(1, sessions);
            refresh.setArray(2, initiators);
            refresh.execute();
        }
    }

    /** Drops every day partition and empties the other tables: a clean database for the next test. */
    public void reset() throws SQLException {
        try (Connection connection = connections.open(); Statement statement = connection.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (var rows = statement.executeQuery("""
                    SELECT relname FROM pg_class
                    WHERE relkind = 'r' AND relnamespace = current_schema()::regnamespace
                      AND relname ~ '^aibridge_[a-z_]+_p[0-9]{8}$'
                    """)) {
                while (rows.next()) {
                    tables.add(rows.getString(1));
                }
            }
            for (String table : tables) {
                statement.execute("DROP TABLE \"" + table + "\"");
            }
            statement.execute("TRUNCATE aibridge_sessions, aibridge_users, aibridge_api_keys, aibridge_retention_horizon");
        }
    }

    static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}

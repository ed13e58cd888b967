package io.aibridge.cli.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Interception data written the way recorder-service writes it: rows that follow the schema, in
 * day partitions made by {@code aibridge_ensure_day_partitions}, session summaries rebuilt by
 * {@code aibridge_refresh_sessions}. Many interceptions go in one transaction with batched inserts.
 */
public final class RecordedRows implements AutoCloseable {

    /** One interception and its children; defaults: an ended Claude Code request to Anthropic. */
    public static final class Interception {
        public UUID id = UUID.randomUUID();
        public final UUID initiatorId;
        public Instant startedAt = Instant.parse("2026-03-02T10:00:00Z");
        public Duration duration = Duration.ofSeconds(2);
        public String provider = "anthropic";
        public String model = "claude-sonnet-4-5";
        public String client = "Claude Code";
        public String clientSessionId;
        public String apiKeyId = "testkey";
        public String credentialKind = "centralized";
        public String credentialHint = "sk-a...wxyz";
        public String userAgent = "claude-cli/2.0.1 (external, cli)";
        public UUID threadParentId;
        public UUID threadRootId;
        final List<long[]> tokens = new ArrayList<>();
        final List<String> tokenMetadata = new ArrayList<>();
        final List<String> prompts = new ArrayList<>();
        final List<String[]> tools = new ArrayList<>();
        final List<String> thoughts = new ArrayList<>();

        Interception(UUID initiatorId) {
            this.initiatorId = initiatorId;
        }

        public Interception at(String time) {
            startedAt = Instant.parse(time);
            return this;
        }

        public Interception at(Instant time) {
            startedAt = time;
            return this;
        }

        public Interception id(UUID value) {
            id = value;
            return this;
        }

        public Interception provider(String value) {
            provider = value;
            return this;
        }

        public Interception model(String value) {
            model = value;
            return this;
        }

        /** null: not detected (stored as NULL, read as Unknown). */
        public Interception client(String value) {
            client = value;
            return this;
        }

        public Interception session(String clientSession) {
            clientSessionId = clientSession;
            return this;
        }

        public Interception credential(String kind, String hint) {
            credentialKind = kind;
            credentialHint = hint;
            return this;
        }

        /** The next step of {@code parent}'s agentic loop. */
        public Interception childOf(Interception parent) {
            threadParentId = parent.id;
            threadRootId = parent.threadRootId == null ? parent.id : parent.threadRootId;
            clientSessionId = parent.clientSessionId;
            return this;
        }

        public Interception prompt(String text) {
            prompts.add(text);
            return this;
        }

        public Interception tokens(long input, long output, long cacheRead, long cacheWrite) {
            return tokens(input, output, cacheRead, cacheWrite, "{}");
        }

        public Interception tokens(long input, long output, long cacheRead, long cacheWrite, String metadata) {
            tokens.add(new long[] {input, output, cacheRead, cacheWrite});
            tokenMetadata.add(metadata);
            return this;
        }

        public Interception tool(String name, String input) {
            tools.add(new String[] {name, input, null, null});
            return this;
        }

        public Interception injectedTool(String name, String input, String serverUrl, String error) {
            tools.add(new String[] {name, input, serverUrl, error});
            return this;
        }

        public Interception thought(String text) {
            thoughts.add(text);
            return this;
        }

        /** The session id the database derives: client session, else thread root, else own id. */
        public String sessionId() {
            return clientSessionId != null ? clientSessionId : threadRootId != null ? threadRootId.toString() : id.toString();
        }
    }

    private final Connection connection;

    public RecordedRows(String jdbcUrl, String user, String password) {
        try {
            connection = DriverManager.getConnection(jdbcUrl, user, password);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Interception interception(UUID initiatorId) {
        return new Interception(initiatorId);
    }

    /** Writes the interceptions and their children in one transaction, then refreshes their sessions. */
    public synchronized void save(Collection<Interception> all) {
        try {
            connection.setAutoCommit(false);
            Set<String> days = new TreeSet<>();
            for (Interception i : all) {
                days.add(i.startedAt.atOffset(ZoneOffset.UTC).toLocalDate().toString());
            }
            try (PreparedStatement s = connection.prepareStatement("SELECT aibridge_ensure_day_partitions(?::date, ?::date)")) {
                for (String day : days) {
                    s.setString(1, day);
                    s.setString(2, day);
                    s.execute();
                }
            }
            try (PreparedStatement in = connection.prepareStatement("INSERT INTO aibridge_interceptions (id, started_at, initiator_id,"
                    + " api_key_id, provider, provider_name, model, metadata, client, client_session_id, user_agent, credential_kind,"
                    + " credential_hint, streaming, request_path, thread_parent_id, thread_root_id, ended_at, end_status, http_status,"
                    + " duration_ms, time_to_first_byte_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, true, ?, ?, ?, ?,"
                    + " 'completed', 200, ?, 150)");
                 PreparedStatement tok = connection.prepareStatement("INSERT INTO aibridge_token_usages (id, interception_id,"
                         + " interception_started_at, provider_response_id, input_tokens, output_tokens, cache_read_input_tokens,"
                         + " cache_write_input_tokens, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)");
                 PreparedStatement pr = connection.prepareStatement("INSERT INTO aibridge_user_prompts (id, interception_id,"
                         + " interception_started_at, provider_response_id, prompt, created_at) VALUES (?, ?, ?, ?, ?, ?)");
                 PreparedStatement tl = connection.prepareStatement("INSERT INTO aibridge_tool_usages (id, interception_id,"
                         + " interception_started_at, provider_response_id, provider_tool_call_id, server_url, tool, input, injected,"
                         + " invocation_error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                 PreparedStatement th = connection.prepareStatement("INSERT INTO aibridge_model_thoughts (id, interception_id,"
                         + " interception_started_at, provider_response_id, content, source, created_at)"
                         + " VALUES (?, ?, ?, ?, ?, 'thinking', ?)")) {
                for (Interception i : all) {
                    OffsetDateTime start = utc(i.startedAt);
                    String response = "msg_" + i.id.toString().substring(0, 8);
                    set(in, i.id, start, i.initiatorId, i.apiKeyId, i.provider, i.provider, i.model,
                            "{\"request_user_agent\":\"" + i.userAgent + "\"}", i.client, i.clientSessionId, i.userAgent,
                            i.credentialKind, i.credentialHint,
                            i.provider.equals("openai") ? "/openai/v1/chat/completions" : "/anthropic/v1/messages",
                            i.threadParentId, i.threadRootId, utc(i.startedAt.plus(i.duration)), i.duration.toMillis());
                    in.addBatch();
                    int seq = 0;
                    for (String p : i.prompts) {
                        set(pr, UUID.randomUUID(), i.id, start, response, p, utc(i.startedAt.plusMillis(100L * ++seq)));
                        pr.addBatch();
                    }
                    for (String t : i.thoughts) {
                        set(th, UUID.randomUUID(), i.id, start, response, t, utc(i.startedAt.plusMillis(100L * ++seq)));
                        th.addBatch();
                    }
                    for (String[] t : i.tools) {
                        set(tl, UUID.randomUUID(), i.id, start, response, "toolu_" + UUID.randomUUID(), t[2], t[0], t[1], t[2] != null,
                                t[3], utc(i.startedAt.plusMillis(100L * ++seq)));
                        tl.addBatch();
                    }
                    for (int k = 0; k < i.tokens.size(); k++) {
                        long[] t = i.tokens.get(k);
                        set(tok, UUID.randomUUID(), i.id, start, response, t[0], t[1], t[2], t[3], i.tokenMetadata.get(k),
                                utc(i.startedAt.plusMillis(100L * ++seq)));
                        tok.addBatch();
                    }
                }
                in.executeBatch();
                pr.executeBatch();
                th.executeBatch();
                tl.executeBatch();
                tok.executeBatch();
            }
            refresh(all);
            connection.commit();
        } catch (SQLException e) {
            try {
                connection.rollback();
            } catch (SQLException ignored) {
                // the first failure is the one to report
            }
            throw new IllegalStateException(e);
        }
    }

    public void save(Interception... all) {
        save(List.of(all));
    }

    /** Deletes interceptions as retention does (children first); their sessions are refreshed. */
    public synchronized void delete(Collection<Interception> all) {
        try {
            connection.setAutoCommit(false);
            for (String table : List.of("aibridge_token_usages", "aibridge_user_prompts", "aibridge_tool_usages", "aibridge_model_thoughts")) {
                try (PreparedStatement s = connection.prepareStatement("DELETE FROM " + table + " WHERE interception_id = ?")) {
                    for (Interception i : all) {
                        s.setObject(1, i.id);
                        s.addBatch();
                    }
                    s.executeBatch();
                }
            }
            try (PreparedStatement s = connection.prepareStatement("DELETE FROM aibridge_interceptions WHERE id = ?")) {
                for (Interception i : all) {
                    s.setObject(1, i.id);
                    s.addBatch();
                }
                s.executeBatch();
            }
            refresh(all);
            connection.commit();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void refresh(Collection<Interception> all) throws SQLException {
        Set<List<Object>> keys = new LinkedHashSet<>();
        for (Interception i : all) {
            keys.add(List.of(i.sessionId(), i.initiatorId));
        }
        List<String> sessions = new ArrayList<>();
        List<UUID> initiators = new ArrayList<>();
        for (List<Object> k : keys) {
            sessions.add((String) k.get(0));
            initiators.add((UUID) k.get(1));
        }
        try (PreparedStatement s = connection.prepareStatement("SELECT aibridge_refresh_sessions(?, ?)")) {
            s.setArray(1, connection.createArrayOf("text", sessions.toArray()));
            s.setArray(2, connection.createArrayOf("uuid", initiators.toArray()));
            s.execute();
        }
    }

    /** Counts rows with a query, for assertions. */
    public long count(String sql, Object... values) {
        try (PreparedStatement s = connection.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                s.setObject(i + 1, values[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static OffsetDateTime utc(Instant t) {
        return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
    }

    private static void set(PreparedStatement s, Object... values) throws SQLException {
        for (int i = 0; i < values.length; i++) {
            s.setObject(i + 1, values[i]);
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing a test connection
        }
    }
}

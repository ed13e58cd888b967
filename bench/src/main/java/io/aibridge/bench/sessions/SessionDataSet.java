package io.aibridge.bench.sessions;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * The data set of the session-list and purge benchmarks, written straight into the schema the way
 * the recorder leaves it: {@code sessions} sessions holding exactly {@code interceptions}
 * interceptions (with their token usages, prompts, tool calls and thoughts) by {@code users} users,
 * spread over the {@code days} days before now, day partitions made by
 * {@code aibridge_ensure_day_partitions}, summaries by {@code aibridge_refresh_sessions} (the one
 * definition of a summary), then {@code VACUUM ANALYZE} as autovacuum would have done.
 *
 * <p>Skew, as in a real company: a few heavy users start most sessions (user {@code k} starts
 * sessions in proportion to {@code 1 / (k + 1)^0.9}: the busiest of 200 has about 8 %, half of
 * them together about 20 %); session lengths are exponentially distributed (many short sessions,
 * a long tail); each user mostly sticks to one client (Claude Code 55 %, Codex 20 %, Cursor 10 %,
 * GitHub Copilot CLI 8 %, Zed 4 %, none detected 3 %), and the client decides provider and models.
 * Clients without session ids (Cursor, Zed, unknown) get one thread per session, as the
 * session-id rule makes them. Within a session, prompts start agentic loops of 1–6 requests linked
 * by their tool calls (parent and root set). Rows are streamed with {@code COPY}, one connection
 * per table, so generation costs about what PostgreSQL needs to store and index them.
 */
public final class SessionDataSet {

    /** The users' client mix: client (null = none detected), share. */
    private static final Object[][] CLIENTS = {
            {"Claude Code", 0.55}, {"Codex", 0.20}, {"Cursor", 0.10}, {"GitHub Copilot (CLI)", 0.08}, {"Zed", 0.04}, {null, 0.03}};

    /** What was generated, for the benchmarks' filters and cursors. */
    public record Generated(int interceptions, int sessions, int users, Instant from, Instant to, List<String> usernames,
                            String someSessionId, long childRows, Duration took) {
    }

    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final int interceptions;
    private final int sessions;
    private final int users;
    private final int days;
    private final long seed;

    public SessionDataSet(String jdbcUrl, String user, String password, int interceptions, int sessions, int users, int days, long seed) {
        if (sessions <= 0 || interceptions < sessions || users <= 0 || days <= 0) {
            throw new IllegalArgumentException("need interceptions >= sessions > 0, users > 0, days > 0");
        }
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.interceptions = interceptions;
        this.sessions = sessions;
        this.users = users;
        this.days = days;
        this.seed = seed;
    }

    public static UUID userId(int user) {
        return UUID.fromString(String.format("00000000-0000-4000-8000-%012d", user));
    }

    public static String username(int user) {
        return String.format("bench-user-%03d", user);
    }

    /** Empties the interception tables and summaries, then writes the data set ending at {@code end}. */
    public Generated generate(Instant end) throws SQLException {
        long started = System.nanoTime();
        Instant to = end.truncatedTo(ChronoUnit.MICROS);
        Instant from = to.minus(Duration.ofDays(days));
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("TRUNCATE aibridge_interceptions, aibridge_token_usages, aibridge_user_prompts, aibridge_tool_usages,"
                    + " aibridge_model_thoughts, aibridge_sessions");
            try (PreparedStatement p = c.prepareStatement("SELECT aibridge_ensure_day_partitions(?::date, ?::date)")) {
                p.setString(1, from.atOffset(ZoneOffset.UTC).toLocalDate().toString());
                p.setString(2, to.atOffset(ZoneOffset.UTC).toLocalDate().plusDays(1).toString());
                p.execute();
            }
            try (PreparedStatement p = c.prepareStatement("INSERT INTO aibridge_users (id, username, name, avatar_url, role, status,"
                    + " created_at, updated_at) VALUES (?, ?, ?, '', 'member', 'active', now(), now()) ON CONFLICT (id) DO NOTHING")) {
                for (int u = 0; u < users; u++) {
                    p.setObject(1, userId(u));
                    p.setString(2, username(u));
                    p.setString(3, "Bench User " + u);
                    p.addBatch();
                }
                p.executeBatch();
            }
        }
        Writer writer = new Writer(from, to);
        writer.write();
        refreshSummaries(writer.sessionIds, writer.sessionUsers);
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("VACUUM ANALYZE aibridge_interceptions, aibridge_token_usages, aibridge_user_prompts, aibridge_tool_usages,"
                    + " aibridge_model_thoughts, aibridge_sessions, aibridge_users");
        }
        try (Connection c = connect(); Statement s = c.createStatement()) {
            // written out now rather than in the middle of a measurement; PostgreSQL 15 lets only a
            // superuser (or pg_checkpoint) ask, so a stack's own user goes without
            s.execute("CHECKPOINT");
        } catch (SQLException notAllowed) {
            System.out.println("  (no CHECKPOINT after generating: " + notAllowed.getMessage() + ")");
        }
        List<String> names = new ArrayList<>();
        for (int u = 0; u < users; u++) {
            names.add(username(u));
        }
        return new Generated(interceptions, sessions, users, from, to, names, writer.sessionIds[sessions / 2], writer.childRows,
                Duration.ofNanos(System.nanoTime() - started));
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, user, password);
    }

    /** {@code aibridge_refresh_sessions} over every session, in batches, as the recorder's definition computes them. */
    private void refreshSummaries(String[] sessionIds, UUID[] initiators) throws SQLException {
        int batch = 10_000;
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement("SELECT aibridge_refresh_sessions(?, ?)")) {
            for (int from = 0; from < sessionIds.length; from += batch) {
                int to = Math.min(sessionIds.length, from + batch);
                p.setArray(1, c.createArrayOf("text", java.util.Arrays.copyOfRange(sessionIds, from, to)));
                p.setArray(2, c.createArrayOf("uuid", java.util.Arrays.copyOfRange(initiators, from, to)));
                p.execute();
            }
        }
    }

    /** Session lengths with an exponential tail that add up to exactly {@code interceptions}. */
    static int[] sessionLengths(Random random, int sessions, int interceptions) {
        double mean = (double) interceptions / sessions;
        int[] lengths = new int[sessions];
        long sum = 0;
        for (int i = 0; i < sessions; i++) {
            lengths[i] = 1 + (int) Math.floor(-Math.log(1 - random.nextDouble()) * (mean - 0.5));
            sum += lengths[i];
        }
        long diff = interceptions - sum;
        while (diff != 0) {
            int i = random.nextInt(sessions);
            if (diff > 0) {
                lengths[i]++;
                diff--;
            } else if (lengths[i] > 1) {
                lengths[i]--;
                diff++;
            }
        }
        return lengths;
    }

    /** One pass over the data set, writing five COPY streams at once. */
    private final class Writer {
        private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS+00").withZone(ZoneOffset.UTC);

        final Instant from;
        final Instant to;
        final Random random = new Random(seed);
        final String[] sessionIds = new String[sessions];
        final UUID[] sessionUsers = new UUID[sessions];
        long childRows;

        Writer(Instant from, Instant to) {
            this.from = from;
            this.to = to;
        }

        void write() throws SQLException {
            double[] userWeights = new double[users];
            double total = 0;
            for (int u = 0; u < users; u++) {
                total += 1 / Math.pow(u + 1, 0.9);
                userWeights[u] = total;
            }
            int[] preferred = new int[users];
            for (int u = 0; u < users; u++) {
                preferred[u] = pick(random.nextDouble());
            }
            int[] lengths = sessionLengths(random, sessions, interceptions);
            List<Connection> connections = new ArrayList<>();
            try {
                Copy interceptionsCopy = copy(connections, "aibridge_interceptions (id, started_at, initiator_id, initiator_username, api_key_id,"
                        + " provider, provider_name, model, metadata, client, client_session_id, user_agent, correlating_tool_call_id,"
                        + " credential_kind, credential_hint, streaming, request_path, thread_parent_id, thread_root_id, ended_at, end_status,"
                        + " http_status, duration_ms, time_to_first_byte_ms)");
                Copy tokens = copy(connections, "aibridge_token_usages (id, interception_id, interception_started_at, provider_response_id,"
                        + " input_tokens, output_tokens, cache_read_input_tokens, cache_write_input_tokens, metadata, created_at)");
                Copy prompts = copy(connections, "aibridge_user_prompts (id, interception_id, interception_started_at, provider_response_id,"
                        + " prompt, metadata, created_at)");
                Copy tools = copy(connections, "aibridge_tool_usages (id, interception_id, interception_started_at, provider_response_id,"
                        + " provider_tool_call_id, server_url, tool, input, injected, invocation_error, metadata, created_at)");
                Copy thoughts = copy(connections, "aibridge_model_thoughts (id, interception_id, interception_started_at, provider_response_id,"
                        + " content, source, metadata, created_at)");
                long span = Duration.between(from, to).getSeconds();
                for (int s = 0; s < sessions; s++) {
                    int u = userIndex(userWeights, total, random.nextDouble());
                    UUID initiator = userId(u);
                    int clientIndex = random.nextDouble() < 0.9 ? preferred[u] : pick(random.nextDouble());
                    String client = (String) CLIENTS[clientIndex][0];
                    boolean hasSessionId = client != null && !client.equals("Cursor") && !client.equals("Zed");
                    String clientSession = hasSessionId ? UUID.nameUUIDFromBytes(("session-" + seed + "-" + s).getBytes(StandardCharsets.UTF_8)).toString() : null;
                    int length = lengths[s];
                    // a session lasts about 50 s per interception on average; it starts anywhere it still ends before `to`
                    long sessionSeconds = Math.min(span / 2, length * 70L);
                    Instant at = from.plusSeconds((long) (random.nextDouble() * (span - sessionSeconds - 60)))
                            .plusNanos(random.nextInt(1_000_000) * 1000L);
                    UUID root = null;
                    UUID parent = null;
                    String pendingCall = null;
                    int loopLeft = 0;
                    for (int k = 0; k < length; k++) {
                        boolean first = loopLeft == 0 && (hasSessionId || k == 0);
                        if (first) {
                            loopLeft = hasSessionId ? Math.min(length - k, 1 + random.nextInt(6)) : length;
                            root = null;
                            parent = null;
                            pendingCall = null;
                            if (k > 0) {
                                at = at.plusSeconds(20 + random.nextInt(180)); // the user reads, thinks, types the next prompt
                            }
                        }
                        loopLeft--;
                        UUID id = new UUID(random.nextLong(), random.nextLong());
                        String[] pm = providerAndModel(client);
                        long durationMs = 2_000 + random.nextInt(28_000);
                        Instant ended = at.plusMillis(durationMs);
                        String responseId = "msg_" + Long.toHexString(random.nextLong());
                        String ua = userAgent(client);
                        interceptionsCopy.row(id, TIME.format(at), initiator, username(u), "benchkey" + u, pm[0], pm[0], pm[1],
                                "{\"Username\": \"" + username(u) + "\", \"request_user_agent\": \"" + ua + "\"}", client, clientSession, ua,
                                pendingCall, "centralized", "sk-a...wxyz", "t", pm[0].equals("anthropic") ? "/v1/messages" : "/v1/chat/completions",
                                parent, root, TIME.format(ended), "completed", 200, durationMs, 300 + random.nextInt(2_000));
                        boolean cacheWrite = first;
                        tokens.row(new UUID(random.nextLong(), random.nextLong()), id, TIME.format(at), responseId, 500 + random.nextInt(4_500),
                                50 + random.nextInt(750), random.nextInt(80_000), cacheWrite ? 1_000 + random.nextInt(9_000) : 0,
                                cacheWrite ? "{\"cache_ephemeral_5m_input\": 1000}" : "{}", TIME.format(ended.minusMillis(5)));
                        childRows++;
                        if (first) {
                            prompts.row(new UUID(random.nextLong(), random.nextLong()), id, TIME.format(at), responseId,
                                    "Task " + s + "." + k + ": make the flaky session-list test deterministic and explain the cause", "{}",
                                    TIME.format(at.plusMillis(800)));
                            childRows++;
                        }
                        pendingCall = null;
                        if (loopLeft > 0) {
                            pendingCall = "toolu_" + Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong());
                            tools.row(new UUID(random.nextLong(), random.nextLong()), id, TIME.format(at), responseId, pendingCall, null, "Bash",
                                    "{\"command\": \"./mvnw -B -pl query-service verify -Dtest=SessionListTest\"}", "f", null, "{}",
                                    TIME.format(ended.minusMillis(10)));
                            childRows++;
                        }
                        if (pm[0].equals("anthropic") && random.nextInt(10) < 4) {
                            thoughts.row(new UUID(random.nextLong(), random.nextLong()), id, TIME.format(at), responseId,
                                    "The test sorts by last_active_at only; equal times make the order depend on the plan.", "thinking", "{}",
                                    TIME.format(ended.minusMillis(200)));
                            childRows++;
                        }
                        if (root == null) {
                            root = id;
                        }
                        parent = id;
                        at = ended.plusMillis(200 + random.nextInt(3_000)); // the agent runs the tool, sends the result
                        if (k == 0) {
                            sessionIds[s] = hasSessionId ? clientSession : id.toString();
                            sessionUsers[s] = initiator;
                        }
                    }
                }
                for (Copy copy : List.of(interceptionsCopy, tokens, prompts, tools, thoughts)) {
                    copy.end();
                }
            } finally {
                for (Connection c : connections) {
                    c.close();
                }
            }
        }

        private int userIndex(double[] cumulative, double total, double x) {
            double target = x * total;
            int lo = 0;
            int hi = cumulative.length - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cumulative[mid] < target) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        private static int pick(double x) {
            double sum = 0;
            for (int i = 0; i < CLIENTS.length; i++) {
                sum += (double) CLIENTS[i][1];
                if (x < sum) {
                    return i;
                }
            }
            return CLIENTS.length - 1;
        }

        private String[] providerAndModel(String client) {
            double x = random.nextDouble();
            if (client == null) {
                return new String[]{"openai", "gpt-4.1"};
            }
            return switch (client) {
                case "Claude Code" -> new String[]{"anthropic", x < 0.70 ? "claude-sonnet-4-5" : x < 0.85 ? "claude-opus-4-1" : "claude-haiku-4-5"};
                case "Codex" -> new String[]{"openai", x < 0.8 ? "gpt-5-codex" : "gpt-5"};
                case "Cursor" -> x < 0.5 ? new String[]{"anthropic", "claude-sonnet-4-5"} : new String[]{"openai", "gpt-5"};
                case "GitHub Copilot (CLI)" -> new String[]{"copilot", x < 0.6 ? "gpt-4.1" : "claude-sonnet-4-5"};
                default -> new String[]{"anthropic", "claude-sonnet-4-5"};
            };
        }

        private static String userAgent(String client) {
            if (client == null) {
                return "python-httpx/0.27.0";
            }
            return switch (client) {
                case "Claude Code" -> "claude-cli/2.0.1 (external, cli)";
                case "Codex" -> "codex_cli_rs/0.46.0";
                case "GitHub Copilot (CLI)" -> "copilot/0.0.330";
                case "Zed" -> "Zed/0.208.4";
                default -> "node";
            };
        }

        private Copy copy(List<Connection> connections, String target) throws SQLException {
            Connection c = connect();
            connections.add(c);
            CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + target + " FROM STDIN");
            return new Copy(in);
        }
    }

    /** One COPY ... FROM STDIN in PostgreSQL's text format, buffered. */
    private static final class Copy {
        private final CopyIn in;
        private final StringBuilder buffer = new StringBuilder(1 << 17);

        Copy(CopyIn in) {
            this.in = in;
        }

        void row(Object... values) throws SQLException {
            for (int i = 0; i < values.length; i++) {
                if (i > 0) {
                    buffer.append('\t');
                }
                Object v = values[i];
                if (v == null) {
                    buffer.append("\\N");
                } else {
                    escape(v.toString());
                }
            }
            buffer.append('\n');
            if (buffer.length() > (1 << 16)) {
                flush();
            }
        }

        private void escape(String s) {
            for (int i = 0; i < s.length(); i++) {
                char ch = s.charAt(i);
                switch (ch) {
                    case '\\' -> buffer.append("\\\\");
                    case '\t' -> buffer.append("\\t");
                    case '\n' -> buffer.append("\\n");
                    case '\r' -> buffer.append("\\r");
                    default -> buffer.append(ch);
                }
            }
        }

        private void flush() throws SQLException {
            byte[] bytes = buffer.toString().getBytes(StandardCharsets.UTF_8);
            in.writeToCopy(bytes, 0, bytes.length);
            buffer.setLength(0);
        }

        void end() throws SQLException {
            flush();
            in.endCopy();
        }
    }
}

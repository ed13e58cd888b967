package io.aibridge.bench.stack;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * PostgreSQL's own housekeeping in a time window: the tables its autovacuum daemon vacuumed or
 * analyzed. On two shared cores an autovacuum and autoanalyze of the day's interception partitions
 * takes a few seconds at half a core or more, and leaves the proxy no idle CPU: a run with one in it
 * has a tail that is the database's as much as the proxy's, and the benchmark says so.
 * {@code pg_stat_user_tables} keeps the end of each table's last run, which is enough for a window
 * that has just ended.
 */
public final class DatabaseHousekeeping {

    private static final String QUERY = """
            SELECT relname, vacuumed, analyzed
            FROM (SELECT relname,
                         coalesce(last_autovacuum BETWEEN w.since AND w.until, false) AS vacuumed,
                         coalesce(last_autoanalyze BETWEEN w.since AND w.until, false) AS analyzed
                  FROM pg_stat_user_tables, (SELECT ?::timestamptz AS since, ?::timestamptz AS until) AS w) AS t
            WHERE vacuumed OR analyzed
            ORDER BY relname
            """;

    private DatabaseHousekeeping() {
    }

    /**
     * "aibridge_interceptions_p20261129 (vacuum, analyze)" for each table autovacuum finished with in
     * [from, to]; empty when there was none, or the database cannot be asked (never fails a benchmark).
     */
    public static List<String> during(Stack stack, Instant from, Instant to) {
        List<String> tables = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(stack.jdbcUrl(), stack.dbUser(), stack.dbPassword());
             PreparedStatement statement = c.prepareStatement(QUERY)) {
            statement.setTimestamp(1, Timestamp.from(from));
            statement.setTimestamp(2, Timestamp.from(to));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    boolean vacuumed = rows.getBoolean("vacuumed");
                    boolean analyzed = rows.getBoolean("analyzed");
                    tables.add(rows.getString("relname") + " (" + (vacuumed && analyzed ? "vacuum, analyze" : vacuumed ? "vacuum" : "analyze") + ")");
                }
            }
        } catch (SQLException e) {
            return List.of();
        }
        return tables;
    }

    /**
     * The note a benchmark of the recorder's writes prints when autovacuum ran {@code when} (e.g.
     * "during the purge") on {@code tables} (from {@link #during}); empty when it did not run.
     */
    public static Optional<String> recorderNote(String when, List<String> tables) {
        return tables.isEmpty() ? Optional.empty() : Optional.of(String.format(Locale.ROOT,
                "PostgreSQL's autovacuum ran %s (%s): it takes the cores the recorder's writes need.", when, String.join(", ", tables)));
    }
}

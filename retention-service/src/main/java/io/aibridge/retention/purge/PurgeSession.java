package io.aibridge.retention.purge;

import io.aibridge.retention.config.RetentionConfig;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/** Settings and locks of the connections a purge run works on, and how it hands them back to the pool. */
final class PurgeSession {

    private static final Logger LOG = Logger.getLogger(PurgeSession.class);

    /**
     * The purge lock: the two-key form of the advisory lock functions, a key space apart from the
     * single bigint keys of the per-session locks, so the two can never collide.
     */
    private static final String PURGE_LOCK = "hashtext('aibridge'), hashtext('retention-purge')";

    /** The purge settings besides lock_timeout (which comes from the configuration); {@link #release} resets each. */
    private static final Map<String, String> FIXED_SETTINGS = Map.of(
            "synchronous_commit", "off",
            "application_name", "'aibridge-retention'",
            "max_parallel_workers_per_gather", "0",
            "jit", "off");

    private PurgeSession() {
    }

    /** Takes the purge lock for this connection's session if no other session holds it; never waits. */
    static boolean tryPurgeLock(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT pg_try_advisory_lock(" + PURGE_LOCK + ")")) {
            row.next();
            return row.getBoolean(1);
        }
    }

    /**
     * Session settings for purge work. A short lock_timeout keeps every statement from queueing for
     * long in front of other sessions' lock requests (a timed-out step is retried, then left to the
     * next run). Asynchronous commit is safe because every step is idempotent: a commit lost in a
     * crash is simply redone by the next run; commits that drop tables flush the WAL regardless.
     * Autocommit, because a concurrent detach cannot run inside a transaction block.
     * <p>
     * A purge is background work beside the recorder and the API: no parallel workers (a count of a
     * day's partition would otherwise take two more backends, and their cores) and no JIT (compiling
     * a count or a refresh costs more CPU than it saves on a day's rows, where the server has it on).
     */
    static void prepare(Connection connection, RetentionConfig config) throws SQLException {
        connection.setAutoCommit(true);
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET lock_timeout = '" + Math.max(1, config.lockTimeout().toMillis()) + "ms'");
            for (Map.Entry<String, String> setting : FIXED_SETTINGS.entrySet()) {
                statement.execute("SET " + setting.getKey() + " = " + setting.getValue());
            }
        }
    }

    /** Puts a pooled connection back as it was (and releases the purge lock if {@code purgeLock}). */
    static void release(Connection connection, boolean purgeLock) {
        try (Statement statement = connection.createStatement()) {
            statement.execute("RESET lock_timeout");
            for (String name : FIXED_SETTINGS.keySet()) {
                statement.execute("RESET " + name);
            }
            if (purgeLock) {
                statement.execute("SELECT pg_advisory_unlock(" + PURGE_LOCK + ")");
            }
        } catch (SQLException e) {
            // A broken connection has released its session lock already; the pool discards it.
            LOG.warnf("Could not reset a retention purge connection cleanly: %s", e.getMessage());
        }
    }

    /** Stops a run between two steps when its thread was interrupted (shutdown). */
    static void checkInterrupted() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("retention purge interrupted");
        }
    }
}

package io.aibridge.recorder.sql;

import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import java.sql.SQLException;
import java.util.Set;

/**
 * Tells a database failure that will pass (connection lost, server restarting, deadlock, out of
 * resources, misconfiguration being fixed) from one that an event causes and that will happen
 * again on every attempt (cardinality violations, data exceptions, integrity violations and program
 * limits exceeded: SQLSTATE classes 21, 22, 23 and 54).
 * The first kind is retried for as long as it lasts; the second is isolated to the events that
 * cause it, which are dead-lettered. Anything unknown counts as passing: retrying a batch costs
 * time, dead-lettering a good one loses it from the database.
 */
public final class SqlFailures {

    /** SQLSTATE of "no partition of relation ... found for row": retention dropped a day we had made sure of. */
    private static final String CHECK_VIOLATION = "23514";

    /** SQLSTATE of a duplicate key in a unique index: the row was stored already. */
    private static final String UNIQUE_VIOLATION = "23505";

    /**
     * SQLSTATE classes an event causes: cardinality violation (21), data exception (22), integrity
     * constraint violation (23), and program limit exceeded (54: an index entry over its size limit,
     * "index row size ... exceeds btree version 4 maximum 2704", a jsonb or array too large). A
     * limit a batch exceeds only together is found by halving too, so it never refuses a good event.
     */
    private static final Set<String> EVENT_CLASSES = Set.of("21", "22", "23", "54");

    private SqlFailures() {
    }

    /** True when the failure is expected to pass on its own, so the batch must be retried as a whole. */
    public static boolean isTransient(Throwable failure) {
        SQLException sql = sqlException(failure);
        if (sql == null) {
            // Not a database error at all: a bug for a particular event, isolated like a bad event.
            return false;
        }
        if (isMissingPartition(sql)) {
            return true;
        }
        String state = sqlState(sql);
        if (state == null || state.length() < 2) {
            return true; // e.g. the pool's acquisition timeout
        }
        String sqlClass = state.substring(0, 2);
        return !EVENT_CLASSES.contains(sqlClass);
    }

    /**
     * True when a row was refused because its day partition does not exist (any more): a check
     * violation (23514) reported on a table and naming no constraint, which only routing into a
     * partitioned table's missing partition gives (a CHECK constraint's or a domain's violation names
     * its constraint). The message text, which depends on the server's language, is not read.
     */
    public static boolean isMissingPartition(Throwable failure) {
        SQLException sql = sqlException(failure);
        if (sql == null || !CHECK_VIOLATION.equals(sqlState(sql))) {
            return false;
        }
        for (SQLException e = sql; e != null; e = e.getNextException()) {
            if (e instanceof PSQLException psql && psql.getServerErrorMessage() != null) {
                ServerErrorMessage server = psql.getServerErrorMessage();
                return server.getConstraint() == null && server.getTable() != null;
            }
        }
        return false;
    }

    /** True when an insert was refused because a row with its key exists (a unique violation). */
    public static boolean isUniqueViolation(Throwable failure) {
        SQLException sql = sqlException(failure);
        return sql != null && UNIQUE_VIOLATION.equals(sqlState(sql));
    }

    /** A short description for logs and dead-letter headers: SQLSTATE and the first line of the message. */
    public static String describe(Throwable failure) {
        SQLException sql = sqlException(failure);
        Throwable subject = sql != null ? sql : failure;
        String message = subject.getMessage() == null ? subject.getClass().getSimpleName() : subject.getMessage();
        int newline = message.indexOf('\n');
        if (newline > 0) {
            message = message.substring(0, newline);
        }
        String state = sql == null ? null : sqlState(sql);
        return state == null ? message : "SQLSTATE " + state + ": " + message;
    }

    private static SQLException sqlException(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql) {
                return sql;
            }
        }
        return null;
    }

    private static String sqlState(SQLException sql) {
        for (SQLException e = sql; e != null; e = e.getNextException()) {
            if (e.getSQLState() != null) {
                return e.getSQLState();
            }
        }
        return null;
    }
}

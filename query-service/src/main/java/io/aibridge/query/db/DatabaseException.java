package io.aibridge.query.db;

import java.sql.SQLException;

/** A database failure while answering a request; never the caller's fault. */
public class DatabaseException extends RuntimeException {

    /** PostgreSQL's SQLSTATE for a statement cancelled by {@code statement_timeout}. */
    static final String QUERY_CANCELED = "57014";
    /**
     * SQLSTATEs of a table (42P01), function (42883), column (42703) or other object such as a type
     * (42704) that does not exist: the schema is not migrated yet, or not as far as this version of
     * query-service reads (during an upgrade it may be ready before recorder-service has migrated).
     */
    private static final java.util.Set<String> UNDEFINED = java.util.Set.of("42P01", "42883", "42703", "42704");

    public DatabaseException(SQLException cause) {
        super(cause.getMessage(), cause);
    }

    /**
     * True when a table, function, column or type the query uses does not exist: recorder-service,
     * which creates and migrates the schema, has not done so yet (a fresh install, or a query-service
     * newer than it).
     */
    public boolean schemaMissing() {
        return getCause() instanceof SQLException sql && UNDEFINED.contains(sql.getSQLState());
    }

    /** True when the statement timeout cancelled the query. */
    public boolean timedOut() {
        return getCause() instanceof SQLException sql && QUERY_CANCELED.equals(sql.getSQLState());
    }
}

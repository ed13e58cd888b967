package io.aibridge.query.db;

import java.sql.SQLException;

/** A database failure while answering a request; never the caller's fault. */
public class DatabaseException extends RuntimeException {

    /** PostgreSQL's SQLSTATE for a statement cancelled by {@code statement_timeout}. */
    private static final String QUERY_CANCELED = "57014";

    public DatabaseException(SQLException cause) {
        super(cause.getMessage(), cause);
    }

    /** True when the statement timeout cancelled the query. */
    public boolean timedOut() {
        return getCause() instanceof SQLException sql && QUERY_CANCELED.equals(sql.getSQLState());
    }
}

package io.aibridge.query.db;

import io.aibridge.query.QueryConfig;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * Read-only, repeatable-read transactions: every statement of one request sees the same snapshot,
 * so a page agrees with its count and a session with its threads while the recorder keeps writing.
 * Each transaction carries a statement timeout so that no request can hold the database for long
 * (unless {@code AIBRIDGE_QUERY_STATEMENT_TIMEOUT} is 0: no limit).
 */
@ApplicationScoped
public class Snapshots {

    /** Work done inside one snapshot. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final AgroalDataSource dataSource;
    private final long statementTimeoutMillis;

    public Snapshots(AgroalDataSource dataSource, QueryConfig config) {
        this.dataSource = dataSource;
        this.statementTimeoutMillis = statementTimeoutMillis(config.database().statementTimeout());
    }

    /**
     * PostgreSQL's {@code statement_timeout} for {@code AIBRIDGE_QUERY_STATEMENT_TIMEOUT}: 0 is no
     * limit in both (QueryConfig refuses anything below a millisecond but 0).
     */
    static long statementTimeoutMillis(Duration timeout) {
        return timeout.toMillis();
    }

    public <T> T read(Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            int isolation = connection.getTransactionIsolation();
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            connection.setReadOnly(true);
            try {
                try (Statement statement = connection.createStatement()) {
                    // SET takes no bind parameters; the value is a number we computed.
                    // No JIT: the estimates of our statements over ~90 day partitions (an EXISTS
                    // probe per session, per-partition plans) pass jit_above_cost although they run
                    // in milliseconds, and compiling them took 10-20 ms of every such request.
                    statement.execute("SET LOCAL statement_timeout = " + statementTimeoutMillis + "; SET LOCAL jit = off");
                }
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(connection);
                throw e;
            } finally {
                connection.setReadOnly(false);
                connection.setTransactionIsolation(isolation);
                connection.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new DatabaseException(e);
        }
    }

    private static void rollbackQuietly(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the original failure is the one worth reporting
        }
    }
}

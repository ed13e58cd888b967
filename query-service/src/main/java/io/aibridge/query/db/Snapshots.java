package io.aibridge.query.db;

import io.aibridge.query.QueryConfig;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;

import org.postgresql.jdbc.PgStatement;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Read-only, repeatable-read transactions: every statement of one request sees the same snapshot,
 * so a page agrees with its count and a session with its threads while the recorder keeps writing.
 * {@code AIBRIDGE_QUERY_STATEMENT_TIMEOUT} bounds the whole transaction, whatever number of
 * statements it runs, so that no request can hold the database for long (0: no limit): the
 * transaction has a deadline, each statement may run only for the time left (PostgreSQL's own
 * {@code statement_timeout} stays the backstop of each), and a statement prepared after the deadline
 * fails as a timed-out one does, without running.
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
                T result = work.run(statementTimeoutMillis == 0 ? connection
                        : withDeadline(connection, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(statementTimeoutMillis)));
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

    /**
     * The connection, whose statements each get the time left until {@code deadlineNanos} as their
     * query timeout when they are created (they run at once: every statement here is prepared and
     * executed in one go). pgjdbc enforces it by cancelling the statement, which fails with the same
     * SQLSTATE 57014 as PostgreSQL's {@code statement_timeout}; setting it costs no round trip.
     */
    static Connection withDeadline(Connection connection, long deadlineNanos) {
        return (Connection) Proxy.newProxyInstance(Snapshots.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    boolean statement = method.getName().equals("prepareStatement") || method.getName().equals("createStatement");
                    long left = deadlineNanos - System.nanoTime();
                    if (statement && left <= 0) {
                        throw new SQLException("canceling statement: the request used up its statement timeout", DatabaseException.QUERY_CANCELED);
                    }
                    Object result;
                    try {
                        result = method.invoke(connection, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (statement) {
                        limit((Statement) result, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999)));
                    }
                    return result;
                });
    }

    private static void limit(Statement statement, long millis) throws SQLException {
        try {
            if (statement.isWrapperFor(PgStatement.class)) {
                statement.unwrap(PgStatement.class).setQueryTimeoutMs(millis);
            } else {
                statement.setQueryTimeout((int) Math.min(Integer.MAX_VALUE, (millis + 999) / 1000)); // JDBC's whole seconds
            }
        } catch (SQLException | RuntimeException e) {
            statement.close();
            throw e;
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

package io.aibridge.query.db;

import io.aibridge.query.QueryConfig;
import io.agroal.api.AgroalPoolInterceptor;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/**
 * A bound on how long any read from the database may wait for PostgreSQL to answer, derived from
 * {@code AIBRIDGE_QUERY_STATEMENT_TIMEOUT}: a connection that died without a word (a server frozen,
 * a NAT or firewall that dropped it) fails its request with 503 after the statement timeout and
 * {@link #MARGIN}, instead of holding a request thread and a pooled connection until a restart.
 * The statement timeout itself is PostgreSQL's and answers sooner; this only catches a server that
 * cannot answer at all. It is set on every connection the pool hands out (pgjdbc's
 * {@code socketTimeout}, through {@link Connection#setNetworkTimeout}), so a user-supplied
 * {@code AIBRIDGE_DB_URL} gets it too. A statement timeout of 0 (no limit) sets none: only TCP
 * keep-alive ({@code tcpKeepAlive}, application.properties) then notices a dead peer, after the
 * operating system's keep-alive time.
 */
@ApplicationScoped
public class NetworkTimeout implements AgroalPoolInterceptor {

    /** How much longer than the statement timeout a read may wait: its cancellation's answer on a slow network. */
    static final Duration MARGIN = Duration.ofSeconds(10);

    private final int millis;

    public NetworkTimeout(QueryConfig config) {
        this.millis = millis(config.database().statementTimeout());
    }

    /** The network timeout for a statement timeout, in milliseconds; 0 (none) for no statement limit. */
    static int millis(Duration statementTimeout) {
        if (statementTimeout.isZero()) {
            return 0;
        }
        // QueryConfig caps the statement timeout at 24 days, so this fits in an int
        return Math.toIntExact(statementTimeout.plus(MARGIN).toMillis());
    }

    @Override
    public void onConnectionAcquire(Connection connection) {
        try {
            // pgjdbc uses no executor: the timeout is the socket's read timeout
            connection.setNetworkTimeout(Runnable::run, millis);
        } catch (SQLException e) {
            throw new DatabaseException(e);
        }
    }
}

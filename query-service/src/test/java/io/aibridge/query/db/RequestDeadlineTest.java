package io.aibridge.query.db;

import io.agroal.api.AgroalDataSource;
import io.aibridge.query.QueryConfig;
import io.aibridge.testing.Database;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * AIBRIDGE_QUERY_STATEMENT_TIMEOUT bounds a whole request, not each of its statements: against a
 * real PostgreSQL, with a 1 s timeout, two statements of 0.6 s in one snapshot fail as a timed-out
 * statement does (503 "The query took too long."), one of them passes, and a statement prepared
 * once the time is used up fails without running. 0 is still no limit.
 */
class RequestDeadlineTest {

    private static Database database;

    @BeforeAll
    static void start() {
        database = Database.start();
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    @Test
    void twoStatementsThatTogetherOutlastTheTimeoutFailTheRequest() {
        Snapshots snapshots = snapshots(Duration.ofSeconds(1));
        assertThatThrownBy(() -> snapshots.read(c -> sleep(c, 0.6) + sleep(c, 0.6)))
                .isInstanceOfSatisfying(DatabaseException.class, e -> assertThat(e.timedOut()).isTrue());
    }

    @Test
    void oneStatementWithinTheTimeoutPasses() {
        int rows = snapshots(Duration.ofSeconds(1)).read(c -> sleep(c, 0.6));
        assertThat(rows).isEqualTo(1);
    }

    @Test
    void aStatementAfterTheTimeoutIsUsedUpFailsWithoutRunning() {
        Snapshots snapshots = snapshots(Duration.ofMillis(200));
        assertThatThrownBy(() -> snapshots.read(c -> {
            pause(Duration.ofMillis(300)); // work on this side of the connection: the database is idle meanwhile
            return sleep(c, 0);
        })).isInstanceOfSatisfying(DatabaseException.class, e -> assertThat(e.timedOut()).isTrue());
    }

    @Test
    void zeroIsStillNoLimit() {
        int rows = snapshots(Duration.ZERO).read(c -> sleep(c, 0.6) + sleep(c, 0.6));
        assertThat(rows).isEqualTo(2);
    }

    private static int sleep(Connection c, double seconds) throws SQLException {
        try (var s = c.prepareStatement("SELECT 1 FROM pg_sleep(?)")) {
            s.setDouble(1, seconds);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Snapshots over plain connections to the test database, with this statement timeout. */
    private static Snapshots snapshots(Duration statementTimeout) {
        AgroalDataSource dataSource = proxy(AgroalDataSource.class, (method, args) -> {
            if (method.equals("getConnection")) {
                return database.connect();
            }
            throw new UnsupportedOperationException(method);
        });
        QueryConfig.Database settings = proxy(QueryConfig.Database.class, (method, args) -> statementTimeout);
        QueryConfig config = proxy(QueryConfig.class, (method, args) -> settings);
        return new Snapshots(dataSource, config);
    }

    private interface Answer {
        Object answer(String method, Object[] args) throws Exception;
    }

    private static <T> T proxy(Class<T> type, Answer answer) {
        return type.cast(Proxy.newProxyInstance(RequestDeadlineTest.class.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> answer.answer(method.getName(), args)));
    }
}

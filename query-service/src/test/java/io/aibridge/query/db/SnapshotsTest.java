package io.aibridge.query.db;

import io.agroal.api.AgroalDataSource;
import io.aibridge.query.QueryConfig;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The statement timeout each read transaction sets, from AIBRIDGE_QUERY_STATEMENT_TIMEOUT. */
class SnapshotsTest {

    @Test
    void zeroSetsNoLimitLikePostgresInsteadOfOneMillisecond() throws Exception {
        // before: Math.max(1, 0) made every read time out after 1 ms and answer 503
        assertThat(statementsOfARead(Duration.ZERO)).first().asString().startsWith("SET LOCAL statement_timeout = 0;");
    }

    @Test
    void aTimeoutIsSetInMilliseconds() throws Exception {
        assertThat(statementsOfARead(Duration.ofSeconds(30))).first().asString().startsWith("SET LOCAL statement_timeout = 30000;");
    }

    /** The SQL a read executes before its work, on a connection that records it. */
    private static List<String> statementsOfARead(Duration timeout) throws Exception {
        List<String> executed = new ArrayList<>();
        Statement statement = proxy(Statement.class, (method, args) -> {
            if (method.equals("execute")) {
                executed.add((String) args[0]);
                return true;
            }
            return null;
        });
        Connection connection = proxy(Connection.class, (method, args) -> switch (method) {
            case "createStatement" -> statement;
            case "getAutoCommit" -> true;
            case "getTransactionIsolation" -> Connection.TRANSACTION_READ_COMMITTED;
            default -> null;
        });
        AgroalDataSource dataSource = proxy(AgroalDataSource.class, (method, args) -> method.equals("getConnection") ? connection : null);
        QueryConfig.Database database = proxy(QueryConfig.Database.class, (method, args) -> timeout);
        QueryConfig config = proxy(QueryConfig.class, (method, args) -> database);

        new Snapshots(dataSource, config).read(c -> "done");
        return executed;
    }

    private interface Answer {
        Object answer(String method, Object[] args);
    }

    private static <T> T proxy(Class<T> type, Answer answer) {
        return type.cast(Proxy.newProxyInstance(SnapshotsTest.class.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> answer.answer(method.getName(), args)));
    }
}

package io.aibridge.retention.purge;

import io.aibridge.retention.testdata.DatabaseState;
import io.aibridge.retention.testdata.NinetyDaysOfData;
import io.aibridge.retention.testdata.RecorderStyleWriter;
import io.aibridge.testing.PostgresTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.aibridge.retention.testdata.NinetyDaysOfData.CUTOFF;
import static io.aibridge.retention.testdata.NinetyDaysOfData.RETENTION;
import static io.aibridge.retention.testdata.NinetyDaysOfData.RUN_START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * A run whose database connection goes silent (its server process frozen with SIGSTOP: no answer
 * and no close) fails after the socket timeout (20 s in tests) instead of waiting for ever, which
 * on the single purge thread would have stopped every later run; the next run purges.
 */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
class DeadConnectionTest {

    @Inject
    PurgeService purge;
    @Inject
    DataSource dataSource;

    @Test
    void aRunOnASilentConnectionFailsAndTheNextRunPurges() throws Exception {
        RecorderStyleWriter writer = new RecorderStyleWriter(dataSource::getConnection);
        DatabaseState database = new DatabaseState(dataSource::getConnection);
        writer.reset();
        new NinetyDaysOfData().writeWith(writer);

        Throwable failure;
        try (Connection own = DriverManager.getConnection(setting("quarkus.datasource.jdbc.url"),
                setting("quarkus.datasource.username"), setting("quarkus.datasource.password"))) {
            // the writer left idle connections in the pool: the run takes one of them
            List<Integer> pooled = otherBackends(own);
            assertThat(pooled).isNotEmpty();
            signal("STOP", pooled);
            try {
                CompletableFuture<PurgeReport> run = CompletableFuture.supplyAsync(() -> {
                    try {
                        return purge.purge(RUN_START, RETENTION, false);
                    } catch (SQLException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                // without a socket timeout the run would still be waiting
                failure = catchThrowable(() -> run.get(90, TimeUnit.SECONDS));
            } finally {
                signal("CONT", pooled);
            }
        }
        assertThat(failure).isInstanceOf(ExecutionException.class);
        assertThat(failure.getCause()).hasRootCauseInstanceOf(java.net.SocketTimeoutException.class);

        // the next run (once the frozen backend has noticed its client is gone and let go of the purge lock)
        await().atMost(Duration.ofSeconds(60)).until(() -> purge.purge(RUN_START, RETENTION, false).outcome() == PurgeReport.Outcome.COMPLETE);
        for (PartitionedTable table : PartitionedTable.values()) {
            assertThat(database.rowsStartedBefore(table, CUTOFF)).as("%s rows before the cutoff", table).isZero();
        }
    }

    /** Every other client backend of the database: the service's pooled connections. */
    private static List<Integer> otherBackends(Connection own) throws SQLException {
        List<Integer> pids = new ArrayList<>();
        try (Statement statement = own.createStatement();
             ResultSet rows = statement.executeQuery("SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend'"
                     + " AND datname = current_database() AND pid <> pg_backend_pid()")) {
            while (rows.next()) {
                pids.add(rows.getInt(1));
            }
        }
        return pids;
    }

    private static void signal(String signal, List<Integer> pids) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        pids.forEach(pid -> command.add(String.valueOf(pid)));
        Process kill = new ProcessBuilder(command).inheritIO().start();
        assertThat(kill.waitFor()).as("kill -%s %s", signal, pids).isZero();
    }

    private static String setting(String name) {
        return ConfigProvider.getConfig().getValue(name, String.class);
    }
}

package io.aibridge.retention.purge;

import io.aibridge.retention.testdata.DatabaseState;
import io.aibridge.retention.testdata.NinetyDaysOfData;
import io.aibridge.retention.testdata.RecorderStyleWriter;
import io.aibridge.testing.FrozenBackends;
import io.aibridge.testing.PostgresTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.SQLException;
import java.time.Duration;
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
        // the writer left idle connections in the pool: the run takes one of them
        try (FrozenBackends frozen = FrozenBackends.ofTheServicesDatabase()) {
            CompletableFuture<PurgeReport> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return purge.purge(RUN_START, RETENTION, false);
                } catch (SQLException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            // without a socket timeout the run would still be waiting
            failure = catchThrowable(() -> run.get(90, TimeUnit.SECONDS));
        }
        assertThat(failure).isInstanceOf(ExecutionException.class);
        assertThat(failure.getCause()).hasRootCauseInstanceOf(java.net.SocketTimeoutException.class);

        // the next run (once the frozen backend has noticed its client is gone and let go of the purge lock)
        await().atMost(Duration.ofSeconds(60)).until(() -> purge.purge(RUN_START, RETENTION, false).outcome() == PurgeReport.Outcome.COMPLETE);
        for (PartitionedTable table : PartitionedTable.values()) {
            assertThat(database.rowsStartedBefore(table, CUTOFF)).as("%s rows before the cutoff", table).isZero();
        }
    }
}

package io.aibridge.retention.schedule;

import io.aibridge.retention.testdata.RecorderStyleWriter;
import io.aibridge.retention.testdata.TestInterception;
import io.aibridge.testing.Database;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A real PostgreSQL with the schema and, before the service starts, interceptions from 90 days ago
 * up to now: client session "seeded-old" (61 to 90 days old) and "seeded-young" (up to 59 days old).
 */
public class SeededPostgresTestResource implements QuarkusTestResourceLifecycleManager {

    private Database database;

    @Override
    public Map<String, String> start() {
        database = Database.start().migrate();
        seed(database);
        return Map.of(
                "quarkus.datasource.jdbc.url", database.jdbcUrl(),
                "quarkus.datasource.username", database.user(),
                "quarkus.datasource.password", database.password());
    }

    /** Writes what the service finds at start; a subclass may seed something else. */
    protected void seed(Database database) {
        Instant now = Instant.now();
        UUID initiator = UUID.randomUUID();
        List<TestInterception> interceptions = new ArrayList<>();
        for (int days = 61; days <= 90; days += 3) {
            interceptions.add(TestInterception.startedAt(now.minus(Duration.ofDays(days)), initiator).inSession("seeded-old"));
        }
        for (int days = 0; days <= 59; days += 3) {
            interceptions.add(TestInterception.startedAt(now.minus(Duration.ofDays(days)).minusSeconds(60), initiator).inSession("seeded-young"));
        }
        try {
            new RecorderStyleWriter(database::connect).write(interceptions);
        } catch (SQLException e) {
            throw new IllegalStateException("could not seed the test database", e);
        }
    }

    @Override
    public void stop() {
        if (database != null) {
            database.close();
        }
    }
}

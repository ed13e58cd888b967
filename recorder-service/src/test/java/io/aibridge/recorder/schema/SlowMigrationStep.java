package io.aibridge.recorder.schema;

import io.quarkus.flyway.FlywayConfigurationCustomizer;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.ConfigProvider;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;

import java.sql.Statement;
import java.util.Arrays;
import java.util.Optional;

/**
 * Test only: with {@value #SECONDS} set (only {@link LongMigrationStepTest}'s profile sets it), the
 * migration gets one more step after the schema's own, during which the server sends nothing for
 * that many seconds, as while PostgreSQL builds an index on a large table. Read at run time, so the
 * other test classes boot without it.
 */
@Singleton
public class SlowMigrationStep implements FlywayConfigurationCustomizer {

    static final String SECONDS = "aibridge.test.slow-migration-step-seconds";
    static final String VERSION = "9000";

    @Override
    public void customize(FluentConfiguration configuration) {
        Optional<Integer> seconds = ConfigProvider.getConfig().getOptionalValue(SECONDS, Integer.class);
        if (seconds.isEmpty()) {
            return;
        }
        JavaMigration[] steps = Arrays.copyOf(configuration.getJavaMigrations(), configuration.getJavaMigrations().length + 1);
        steps[steps.length - 1] = new Step(seconds.get());
        configuration.javaMigrations(steps);
    }

    private record Step(int seconds) implements JavaMigration {

        @Override
        public MigrationVersion getVersion() {
            return MigrationVersion.fromVersion(VERSION);
        }

        @Override
        public String getDescription() {
            return "test only: " + seconds + " s without a byte from the server";
        }

        @Override
        public Integer getChecksum() {
            return null;
        }

        @Override
        public boolean canExecuteInTransaction() {
            return true;
        }

        @Override
        public void migrate(Context context) throws Exception {
            try (Statement statement = context.getConnection().createStatement()) {
                statement.execute("SELECT pg_sleep(" + seconds + ")");
            }
        }
    }
}

package io.aibridge.recorder.schema;

import io.quarkus.flyway.FlywayConfigurationCustomizer;
import jakarta.inject.Singleton;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/**
 * A replica that starts while another one migrates waits for it however long the migration takes.
 * Flyway serialises migrations with a PostgreSQL advisory lock and by default gives up after 50
 * tries a second apart, so a replica queued behind a migration of more than about 50 s failed its
 * start instead of finding nothing left to do. Unbounded here: on Kubernetes the startup probe is
 * the bound. (Quarkus has no setting for Flyway's lock retry count.)
 */
@Singleton
public class MigrationLockWait implements FlywayConfigurationCustomizer {

    /** Flyway's value for "retry for ever". */
    static final int FOREVER = -1;

    @Override
    public void customize(FluentConfiguration configuration) {
        configuration.lockRetryCount(FOREVER);
    }
}

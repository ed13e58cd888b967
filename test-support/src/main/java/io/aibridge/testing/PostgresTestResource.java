package io.aibridge.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * Quarkus test resource: a real PostgreSQL for the test class ({@link Database}). Sets the JDBC
 * datasource URL and credentials. With the init argument {@code migrate=true} the
 * schema's Flyway migrations are applied first, for services that read but never migrate:
 * {@code @WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))}.
 * With {@code migrate-to} (a version, e.g. {@code 47}) they are applied up to that version only: a
 * database that recorder-service has not brought to the current schema yet.
 * A field {@code @InjectDatabase Database database;} of the test class receives the {@link Database}
 * itself (to stop and restart it, for instance).
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    private Database database;
    private boolean migrate;
    private String migrateTo;

    @Override
    public void init(Map<String, String> initArgs) {
        migrate = Boolean.parseBoolean(initArgs.getOrDefault("migrate", "false"));
        migrateTo = initArgs.get("migrate-to");
    }

    @Override
    public Map<String, String> start() {
        database = Database.start();
        if (migrateTo != null) {
            database.migrate(migrateTo);
        } else if (migrate) {
            database.migrate();
        }
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.datasource.jdbc.url", database.jdbcUrl());
        config.put("quarkus.datasource.username", database.user());
        config.put("quarkus.datasource.password", database.password());
        return config;
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(database, new TestInjector.AnnotatedAndMatchesType(InjectDatabase.class, Database.class));
    }

    @Override
    public void stop() {
        if (database != null) {
            database.close();
        }
    }
}

package io.aibridge.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/**
 * A real PostgreSQL for one test class: embedded binaries (PostgreSQL 15, random port, trust
 * auth), or, when {@code AIBRIDGE_TEST_JDBC_URL} is set, a fresh database created on that server
 * (with {@code AIBRIDGE_TEST_DB_USER} / {@code AIBRIDGE_TEST_DB_PASSWORD}, which must be allowed to
 * create databases), so tests never see each other's rows.
 */
public final class Database implements AutoCloseable {

    public static final String EXTERNAL_URL = "AIBRIDGE_TEST_JDBC_URL";
    public static final String EXTERNAL_USER = "AIBRIDGE_TEST_DB_USER";
    public static final String EXTERNAL_PASSWORD = "AIBRIDGE_TEST_DB_PASSWORD";

    private final EmbeddedPostgres embedded;
    private final String host;
    private final int port;
    private final String database;
    private final String user;
    private final String password;

    private Database(EmbeddedPostgres embedded, String host, int port, String database, String user, String password) {
        this.embedded = embedded;
        this.host = host;
        this.port = port;
        this.database = database;
        this.user = user;
        this.password = password;
    }

    /** Starts embedded PostgreSQL, or creates a fresh database on the external server. */
    public static Database start() {
        QuietLogs.apply();
        String external = System.getenv(EXTERNAL_URL);
        if (external != null && !external.isBlank()) {
            return createOnExternalServer(external);
        }
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
            return new Database(pg, "127.0.0.1", pg.getPort(), "postgres", "postgres", "postgres");
        } catch (IOException e) {
            throw new IllegalStateException("could not start embedded PostgreSQL", e);
        }
    }

    private static Database createOnExternalServer(String adminUrl) {
        // jdbc:postgresql://host:port/db
        String rest = adminUrl.substring("jdbc:postgresql://".length());
        String hostPort = rest.substring(0, rest.indexOf('/'));
        String host = hostPort.contains(":") ? hostPort.substring(0, hostPort.indexOf(':')) : hostPort;
        int port = hostPort.contains(":") ? Integer.parseInt(hostPort.substring(hostPort.indexOf(':') + 1)) : 5432;
        String user = System.getenv().getOrDefault(EXTERNAL_USER, "postgres");
        String password = System.getenv().getOrDefault(EXTERNAL_PASSWORD, "");
        String database = "aibridge_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
        try (Connection c = DriverManager.getConnection(adminUrl, user, password); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create a test database on " + adminUrl, e);
        }
        return new Database(null, host, port, database, user, password);
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    public int port() {
        return port;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), user, password);
    }

    /** Applies the Flyway migrations found at {@code classpath:db/migration} (the schema module). */
    public Database migrate() {
        Flyway.configure().dataSource(jdbcUrl(), user, password).locations("classpath:db/migration").load().migrate();
        return this;
    }

    @Override
    public void close() {
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                throw new IllegalStateException("could not stop embedded PostgreSQL", e);
            }
        }
    }
}

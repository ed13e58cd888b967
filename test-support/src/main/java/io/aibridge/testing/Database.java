package io.aibridge.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A real PostgreSQL for one test class: embedded binaries (PostgreSQL 15, random port, trust
 * auth), or, when {@code AIBRIDGE_TEST_JDBC_URL} is set, a fresh database created on that server
 * (with {@code AIBRIDGE_TEST_DB_USER} / {@code AIBRIDGE_TEST_DB_PASSWORD}, which must be allowed to
 * create databases), so tests never see each other's rows.
 *
 * <p>The embedded server can be {@linkplain #stop() stopped} and {@linkplain #restart() restarted}
 * on the same port with the same data, for tests of what happens while the database is away.
 */
public final class Database implements AutoCloseable {

    public static final String EXTERNAL_URL = "AIBRIDGE_TEST_JDBC_URL";
    public static final String EXTERNAL_USER = "AIBRIDGE_TEST_DB_USER";
    public static final String EXTERNAL_PASSWORD = "AIBRIDGE_TEST_DB_PASSWORD";

    private volatile EmbeddedPostgres embedded;
    /** The embedded server's data directory; kept across {@link #stop()} and {@link #restart()}. */
    private final Path dataDirectory;
    private final String host;
    private final int port;
    private final String database;
    private final String user;
    private final String password;

    private Database(EmbeddedPostgres embedded, Path dataDirectory, String host, int port, String database, String user,
                     String password) {
        this.embedded = embedded;
        this.dataDirectory = dataDirectory;
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
            // Our own data directory, kept when the server stops, so that restart() finds the data again.
            Path dataDirectory = Files.createTempDirectory("aibridge-pg-");
            EmbeddedPostgres pg = embedded(dataDirectory, 0);
            Database database = new Database(pg, dataDirectory, "127.0.0.1", pg.getPort(), "postgres", "postgres", "postgres");
            // A test that never closes it must not leave its data directory behind.
            Runtime.getRuntime().addShutdownHook(new Thread(database::close, "aibridge-pg-cleanup"));
            return database;
        } catch (IOException e) {
            throw new IllegalStateException("could not start embedded PostgreSQL", e);
        }
    }

    private static EmbeddedPostgres embedded(Path dataDirectory, int port) throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(false);
        if (port > 0) {
            builder.setPort(port);
        }
        return builder.start();
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
        return new Database(null, null, host, port, database, user, password);
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

    /** Applies the migrations up to and including {@code version} (e.g. {@code "47"}), none after it. */
    public Database migrate(String version) {
        Flyway.configure().dataSource(jdbcUrl(), user, password).locations("classpath:db/migration").target(version).load().migrate();
        return this;
    }

    /**
     * Stops the embedded server (a fast shutdown: open connections are cut) and keeps its data;
     * {@link #restart()} brings it back on the same port. Only for the embedded server.
     */
    public synchronized Database stop() {
        requireEmbedded("stop");
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                throw new IllegalStateException("could not stop embedded PostgreSQL", e);
            }
            embedded = null;
        }
        return this;
    }

    /** Starts the embedded server again after {@link #stop()}, on the same port, with the same data. */
    public synchronized Database restart() {
        requireEmbedded("restart");
        if (embedded == null) {
            try {
                embedded = embedded(dataDirectory, port);
            } catch (IOException e) {
                throw new IllegalStateException("could not restart embedded PostgreSQL on port " + port, e);
            }
        }
        return this;
    }

    /** True while the embedded server runs (always true for an external server). */
    public boolean running() {
        return dataDirectory == null || embedded != null;
    }

    private void requireEmbedded(String what) {
        if (dataDirectory == null) {
            throw new UnsupportedOperationException("cannot " + what + " an external PostgreSQL server");
        }
    }

    @Override
    public synchronized void close() {
        if (dataDirectory == null || !Files.exists(dataDirectory)) {
            return;
        }
        stop();
        try (Stream<Path> files = Files.walk(dataDirectory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dataDirectory, e);
        }
    }
}

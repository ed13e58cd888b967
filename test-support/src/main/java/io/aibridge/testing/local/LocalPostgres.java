package io.aibridge.testing.local;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A PostgreSQL server for the local stack: the embedded binaries (PostgreSQL 15) on a fixed port
 * with a data directory that survives restarts, plus the application's role and database.
 *
 * <p>Unlike {@link io.aibridge.testing.Database} (random port, throw-away data), this one keeps its
 * data, so a second start of the stack finds what the first one recorded. The server listens on
 * the loopback interface only and, like every embedded test server, trusts local connections; the
 * application role still gets a password so that the services use the same settings as against a
 * real server.
 */
public final class LocalPostgres implements AutoCloseable {

    /** PostgreSQL identifiers we create: plain lower-case names, never quoted, never user SQL. */
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final EmbeddedPostgres server;
    private final Settings settings;

    /**
     * What to run.
     *
     * @param port       the fixed TCP port on 127.0.0.1
     * @param dataDir    the data directory; initialised on first start, reused after that
     * @param runtimeDir where the PostgreSQL binaries are unpacked (kept between starts, so that
     *                   only the first start pays for unpacking); must not contain {@code dataDir}
     * @param database   the application database, created when missing
     * @param user       the application role (login, owner of {@code database}), created when missing
     * @param password   the application role's password, set on every start
     */
    public record Settings(int port, Path dataDir, Path runtimeDir, String database, String user, String password) {

        public Settings {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be between 1 and 65535, was " + port);
            }
            requireIdentifier("database", database);
            requireIdentifier("user", user);
            if (password == null || password.isEmpty()) {
                throw new IllegalArgumentException("password must not be empty");
            }
            dataDir = dataDir.toAbsolutePath().normalize();
            runtimeDir = runtimeDir.toAbsolutePath().normalize();
            if (dataDir.startsWith(runtimeDir)) {
                // the embedded library deletes unlocked data directories it finds under its working directory
                throw new IllegalArgumentException("the data directory must not be inside the runtime directory");
            }
        }

        /** The JDBC URL of the application database. */
        public String jdbcUrl() {
            return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
        }
    }

    /**
     * The settings of a server that holds real data, not a test's: PostgreSQL's defaults (128 MB of
     * shared buffers, a checkpoint every 1 GB of WAL) are sized for a small machine, and with them
     * the recorder's index pages fall out of the buffer cache and sustained ingest checkpoints every
     * few seconds, so that most WAL is full-page images. These are the usual first steps of tuning
     * a database server: a quarter of RAM or less for shared buffers, checkpoints far apart.
     *
     * @param sharedBuffers PostgreSQL's {@code shared_buffers}, e.g. {@code 1GB}
     */
    public static Map<String, String> serverTuning(String sharedBuffers) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("shared_buffers", sharedBuffers);
        config.put("max_wal_size", "8GB");
        config.put("min_wal_size", "1GB");
        config.put("checkpoint_timeout", "15min");
        config.put("checkpoint_completion_target", "0.9");
        config.put("effective_cache_size", "4GB");
        return config;
    }

    private LocalPostgres(EmbeddedPostgres server, Settings settings) {
        this.server = server;
        this.settings = settings;
    }

    /**
     * Starts the server (initialising the data directory on first use) and makes sure the role and
     * the database exist. Fails when the port is taken or another server holds the data directory.
     * The server's own log is passed to SLF4J.
     */
    public static LocalPostgres start(Settings settings) {
        return start(settings, ProcessBuilder.Redirect.PIPE);
    }

    /**
     * Same as {@link #start(Settings)}, with the server's own log (start-up, shutdown, errors) sent
     * to {@code serverOutput}, e.g. {@link ProcessBuilder.Redirect#INHERIT} in a process of its own.
     */
    public static LocalPostgres start(Settings settings, ProcessBuilder.Redirect serverOutput) {
        return start(settings, serverOutput, Map.of());
    }

    /**
     * Same as {@link #start(Settings, ProcessBuilder.Redirect)}, with server settings (for example
     * {@link #serverTuning(String)}) passed to PostgreSQL on every start.
     */
    public static LocalPostgres start(Settings settings, ProcessBuilder.Redirect serverOutput, Map<String, String> serverConfig) {
        // The embedded library only checks that *a* server answers on the port: with another
        // PostgreSQL already there it would "start" and we would create our role in a stranger's server.
        requireFreePort(settings.port());
        EmbeddedPostgres server;
        try {
            Files.createDirectories(settings.dataDir().getParent());
            Files.createDirectories(settings.runtimeDir());
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
            serverConfig.forEach(builder::setServerConfig);
            server = builder
                    .setPort(settings.port())
                    .setDataDirectory(settings.dataDir())
                    .setCleanDataDirectory(false)
                    .setOverrideWorkingDirectory(settings.runtimeDir().toFile())
                    // the embedded default is off (fast tests); the local stack keeps what it acknowledged
                    .setServerConfig("synchronous_commit", "on")
                    // TCP on the loopback only: no socket file in a shared directory such as /tmp
                    .setServerConfig("unix_socket_directories", "''")
                    .setPGStartupWait(Duration.ofSeconds(30))
                    .setOutputRedirector(serverOutput)
                    .setErrorRedirector(serverOutput)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start PostgreSQL on port " + settings.port()
                    + " with data in " + settings.dataDir(), e);
        }
        LocalPostgres postgres = new LocalPostgres(server, settings);
        if (!postgres.isRunning()) {
            postgres.close();
            throw new IllegalStateException("PostgreSQL did not start on port " + settings.port() + " with data in "
                    + settings.dataDir() + "; see its log");
        }
        try {
            postgres.ensureRoleAndDatabase();
        } catch (SQLException | RuntimeException e) {
            postgres.close();
            throw new IllegalStateException("could not create role " + settings.user() + " and database "
                    + settings.database(), e);
        }
        return postgres;
    }

    public Settings settings() {
        return settings;
    }

    /** The process id of the postmaster, from its pid file; empty when it is not running. */
    public Optional<Long> postmasterPid() {
        Path pidFile = settings.dataDir().resolve("postmaster.pid");
        try {
            List<String> lines = Files.readAllLines(pidFile);
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether the postmaster is still running (it can die on its own, e.g. when its disk fills). */
    public boolean isRunning() {
        return postmasterPid().flatMap(ProcessHandle::of).map(ProcessHandle::isAlive).orElse(false);
    }

    private void ensureRoleAndDatabase() throws SQLException {
        String superuserUrl = "jdbc:postgresql://127.0.0.1:" + settings.port() + "/postgres";
        try (Connection c = DriverManager.getConnection(superuserUrl, "postgres", "")) {
            boolean roleExists = exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", settings.user());
            try (Statement s = c.createStatement()) {
                // the password is a literal in DDL (no bind parameters there): quote it as a string literal
                String password = "'" + settings.password().replace("'", "''") + "'";
                s.execute((roleExists ? "ALTER ROLE " : "CREATE ROLE ") + settings.user() + " LOGIN PASSWORD " + password);
                if (!exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", settings.database())) {
                    s.execute("CREATE DATABASE " + settings.database() + " OWNER " + settings.user() + " ENCODING 'UTF8'");
                }
            }
        }
    }

    private static void requireFreePort(int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            throw new IllegalStateException("port " + port + " on 127.0.0.1 is already in use; PostgreSQL was not started", e);
        }
    }

    private static boolean exists(Connection c, String sql, String name) throws SQLException {
        try (PreparedStatement query = c.prepareStatement(sql)) {
            query.setString(1, name);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next();
            }
        }
    }

    private static void requireIdentifier(String what, String value) {
        if (value == null || !IDENTIFIER.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must be a lower-case PostgreSQL identifier ([a-z_][a-z0-9_]*), was " + value);
        }
    }

    /** Stops the server (fast shutdown: open sessions are ended, committed data is kept). */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not stop PostgreSQL", e);
        }
    }
}

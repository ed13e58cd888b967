package io.aibridge.testing.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalPostgresTest {

    /**
     * Where the embedded library unpacks its binaries by default, so these tests reuse the copy that
     * every other test on this machine already unpacked (unpacking costs seconds).
     */
    private static final Path runtime = Path.of(System.getProperty("java.io.tmpdir"), "embedded-pg");

    @TempDir
    Path home;

    @Test
    void createsTheApplicationRoleAndDatabaseAndKeepsTheirRowsAcrossRestarts() throws Exception {
        LocalPostgres.Settings settings = new LocalPostgres.Settings(freePort(), home.resolve("pgdata"),
                runtime, "aibridge", "aibridge", "s3cr'et");

        try (LocalPostgres first = LocalPostgres.start(settings); Connection c = connect(settings)) {
            assertTrue(first.isRunning());
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE survivor (id int PRIMARY KEY)");
                s.execute("INSERT INTO survivor VALUES (42)");
            }
        }

        try (LocalPostgres second = LocalPostgres.start(settings); Connection c = connect(settings);
             Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT id, current_user, current_database() FROM survivor")) {
            assertTrue(rows.next());
            assertEquals(42, rows.getInt(1));
            assertEquals("aibridge", rows.getString(2));
            assertEquals("aibridge", rows.getString(3));
            assertTrue(second.postmasterPid().isPresent());
        }
    }

    @Test
    void stopsThePostmasterOnClose() throws Exception {
        LocalPostgres.Settings settings = new LocalPostgres.Settings(freePort(), home.resolve("pgdata"),
                runtime, "aibridge", "aibridge", "aibridge");
        LocalPostgres postgres = LocalPostgres.start(settings);
        long pid = postgres.postmasterPid().orElseThrow();

        postgres.close();

        // pg_ctl returns once the pid file is gone; the postmaster process exits a moment later
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        assertFalse(postgres.isRunning());
        assertThrows(SQLException.class, () -> connect(settings).close());
    }

    @Test
    void refusesToStartWhenSomethingElseHoldsThePort() throws Exception {
        try (ServerSocket stranger = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            LocalPostgres.Settings settings = new LocalPostgres.Settings(stranger.getLocalPort(), home.resolve("pgdata"),
                    runtime, "aibridge", "aibridge", "aibridge");

            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> LocalPostgres.start(settings));

            assertTrue(refused.getMessage().contains("already in use"), refused.getMessage());
            assertFalse(Files.exists(settings.dataDir().resolve("postmaster.pid")));
        }
    }

    @Test
    void refusesNamesThatAreNotPlainIdentifiers() {
        assertThrows(IllegalArgumentException.class, () -> new LocalPostgres.Settings(15432, home.resolve("d"),
                home.resolve("r"), "aibridge; DROP DATABASE postgres", "aibridge", "x"));
        assertThrows(IllegalArgumentException.class, () -> new LocalPostgres.Settings(15432, home.resolve("d"),
                home.resolve("r"), "aibridge", "Robert", "x"));
        assertThrows(IllegalArgumentException.class, () -> new LocalPostgres.Settings(0, home.resolve("d"),
                home.resolve("r"), "aibridge", "aibridge", "x"));
        assertThrows(IllegalArgumentException.class, () -> new LocalPostgres.Settings(15432, home.resolve("r/d"),
                home.resolve("r"), "aibridge", "aibridge", "x"));
    }

    private static Connection connect(LocalPostgres.Settings settings) throws SQLException {
        return DriverManager.getConnection(settings.jdbcUrl(), settings.user(), settings.password());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

package io.aibridge.testing;

import org.eclipse.microprofile.config.ConfigProvider;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A database that goes silent for a Quarkus service: every other client backend of the service's
 * database (its pooled connections) is stopped with {@code kill -STOP}, so it neither answers nor
 * closes its socket, as when the database host vanishes; {@link #close()} lets them go on. The
 * embedded PostgreSQL runs as the test's own user, so the test may signal its processes.
 */
public final class FrozenBackends implements AutoCloseable {

    private final Connection own;
    private final List<Integer> pids;

    private FrozenBackends(Connection own, List<Integer> pids) {
        this.own = own;
        this.pids = pids;
    }

    /** Freezes every client backend of the service's datasource but the one this opens for itself. */
    public static FrozenBackends ofTheServicesDatabase() throws SQLException, IOException, InterruptedException {
        Connection own = DriverManager.getConnection(setting("quarkus.datasource.jdbc.url"),
                setting("quarkus.datasource.username"), setting("quarkus.datasource.password"));
        try {
            List<Integer> pids = new ArrayList<>();
            try (Statement statement = own.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend'"
                         + " AND datname = current_database() AND pid <> pg_backend_pid()")) {
                while (rows.next()) {
                    pids.add(rows.getInt(1));
                }
            }
            if (pids.isEmpty()) {
                throw new IllegalStateException("the service holds no database connection to freeze");
            }
            signal("STOP", pids);
            return new FrozenBackends(own, pids);
        } catch (SQLException | IOException | InterruptedException | RuntimeException e) {
            own.close();
            throw e;
        }
    }

    /** The frozen backends' process ids. */
    public List<Integer> pids() {
        return List.copyOf(pids);
    }

    /** Lets the backends go on. */
    @Override
    public void close() throws SQLException, IOException, InterruptedException {
        try {
            signal("CONT", pids);
        } finally {
            own.close();
        }
    }

    private static void signal(String signal, List<Integer> pids) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        pids.forEach(pid -> command.add(String.valueOf(pid)));
        Process kill = new ProcessBuilder(command).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + pids + " failed");
        }
    }

    private static String setting(String name) {
        return ConfigProvider.getConfig().getValue(name, String.class);
    }
}

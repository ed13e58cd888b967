package io.aibridge.testing.local;

import io.aibridge.testing.QuietLogs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs {@link LocalPostgres} in the foreground until the process is told to stop (SIGTERM or
 * Ctrl-C), for {@code deploy/local/run.sh}. PostgreSQL is stopped cleanly on the way out.
 *
 * <pre>
 * java -cp test-support/target/classes:&lt;runtime classpath&gt; io.aibridge.testing.local.LocalPostgresMain \
 *     --port 15432 --data-dir .aibridge/pgdata --runtime-dir .aibridge/pg-runtime \
 *     [--database aibridge] [--user aibridge] [--password aibridge] [--ready-file .aibridge/run/postgres.ready]
 * </pre>
 *
 * The ready file is written once the role and database exist, so a script can wait for it; the
 * process exits with status 1 when PostgreSQL stops on its own, and 2 on a usage error.
 */
public final class LocalPostgresMain {

    private static final Set<String> OPTIONS = Set.of("--port", "--data-dir", "--runtime-dir", "--database", "--user",
            "--password", "--ready-file");

    private LocalPostgresMain() {
    }

    public static void main(String[] args) throws Exception {
        QuietLogs.inProcessOfItsOwn();
        Map<String, String> options;
        LocalPostgres.Settings settings;
        try {
            options = parse(args);
            settings = new LocalPostgres.Settings(
                    Integer.parseInt(options.getOrDefault("--port", "15432")),
                    Path.of(required(options, "--data-dir")),
                    Path.of(required(options, "--runtime-dir")),
                    options.getOrDefault("--database", "aibridge"),
                    options.getOrDefault("--user", "aibridge"),
                    options.getOrDefault("--password", "aibridge"));
        } catch (IllegalArgumentException e) {
            System.err.println("LocalPostgresMain: " + e.getMessage());
            System.err.println("usage: LocalPostgresMain --data-dir DIR --runtime-dir DIR [--port 15432] [--database aibridge]"
                    + " [--user aibridge] [--password aibridge] [--ready-file FILE]");
            System.exit(2);
            return;
        }
        Path readyFile = options.containsKey("--ready-file") ? Path.of(options.get("--ready-file")) : null;
        if (readyFile != null) {
            Files.deleteIfExists(readyFile);
        }

        // this process is PostgreSQL's launcher: its output is the server's log
        String sharedBuffers = System.getenv().getOrDefault("AIBRIDGE_PG_SHARED_BUFFERS", "1GB");
        LocalPostgres postgres = LocalPostgres.start(settings, ProcessBuilder.Redirect.INHERIT,
                LocalPostgres.serverTuning(sharedBuffers));
        AtomicBoolean stopping = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping.set(true);
            postgres.close();
        }, "local-postgres-stop"));
        System.out.println("PostgreSQL ready on 127.0.0.1:" + settings.port() + " (" + settings.jdbcUrl()
                + ", user " + settings.user() + ", data in " + settings.dataDir() + ")");
        if (readyFile != null) {
            Files.createDirectories(readyFile.toAbsolutePath().getParent());
            Path partial = readyFile.resolveSibling(readyFile.getFileName() + ".tmp");
            Files.writeString(partial, settings.jdbcUrl() + System.lineSeparator());
            Files.move(partial, readyFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        while (postgres.isRunning() || stopping.get()) {
            Thread.sleep(1000);
        }
        System.err.println("PostgreSQL stopped on its own; see the server log above");
        System.exit(1);
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        List<String> list = List.of(args);
        for (int i = 0; i < list.size(); i += 2) {
            String name = list.get(i);
            if (!OPTIONS.contains(name)) {
                throw new IllegalArgumentException("unknown option " + name);
            }
            if (i + 1 >= list.size()) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            options.put(name, list.get(i + 1));
        }
        return options;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
        return value;
    }
}

package io.aibridge.bench.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The local stack the benchmarks run against, as {@code deploy/local/run.sh --demo} started it
 * (from {@code bench/run.sh}, with a home and ports of its own): where each component listens, the
 * bootstrap token, and the process ids from the stack's pid files, for CPU, memory and profiles.
 *
 * @param repo         the checkout (for the retention-service jar)
 * @param home         the stack's {@code AIBRIDGE_HOME}
 * @param proxyUrl     {@code http://127.0.0.1:<proxy port>}
 * @param fakeUrl      the fake provider, {@code http://127.0.0.1:<port>}
 * @param queryUrl     query-service
 * @param recorderUrl  recorder-service (metrics)
 * @param kafka        bootstrap servers
 * @param jdbcUrl      the database
 * @param retentionPort a free port for the retention-service the purge benchmark starts itself
 */
public record Stack(Path repo, Path home, String proxyUrl, String fakeUrl, String queryUrl, String recorderUrl,
                    String kafka, String jdbcUrl, String dbUser, String dbPassword, int retentionPort) {

    /** The bootstrap admin token run.sh made for this stack. */
    public String token() {
        try {
            return Files.readString(home.resolve("bootstrap-token")).trim();
        } catch (IOException e) {
            throw new IllegalStateException("no bootstrap token in " + home + "; is the stack running?", e);
        }
    }

    /** The pid of a component (proxy-service, recorder-service, kafka, fake-provider, ...), from its pid file. */
    public OptionalLong pid(String component) {
        Path file = home.resolve("run").resolve(component + ".pid");
        try {
            long pid = Long.parseLong(Files.readString(file).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isPresent() ? OptionalLong.of(pid) : OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    public long requirePid(String component) {
        return pid(component).orElseThrow(() -> new IllegalStateException(component + " of the stack in " + home + " is not running"));
    }

    /** The postmaster of the stack's PostgreSQL and all its backends (they do the database's work). */
    public List<Long> postgresPids() {
        List<Long> pids = new ArrayList<>();
        try {
            String first = Files.readAllLines(home.resolve("pgdata").resolve("postmaster.pid")).get(0).trim();
            long postmaster = Long.parseLong(first);
            ProcessHandle.of(postmaster).ifPresent(p -> {
                pids.add(p.pid());
                p.children().forEach(c -> pids.add(c.pid()));
            });
        } catch (IOException | RuntimeException ignored) {
            // an external database: not measured
        }
        return pids;
    }
}

package io.aibridge.bench.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * CPU time and resident memory of processes, from Linux's {@code /proc}: what the proxy (and its
 * neighbours on the same two cores) cost during a run.
 */
public final class ProcessStats {

    /** Linux reports CPU time in clock ticks; 100 per second on every common kernel configuration. */
    private static final double TICKS_PER_SECOND = 100.0;

    private ProcessStats() {
    }

    /** User plus system CPU seconds a process has used so far (0 if it is gone). */
    public static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name (field 2) may contain spaces: fields are counted after its closing parenthesis
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long utime = Long.parseLong(fields[11]);
            long stime = Long.parseLong(fields[12]);
            return (utime + stime) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    public static double cpuSeconds(Collection<Long> pids) {
        double sum = 0;
        for (long pid : pids) {
            sum += cpuSeconds(pid);
        }
        return sum;
    }

    /** Resident set size in MiB (0 if the process is gone). */
    public static double rssMb(long pid) {
        return statusField(pid, "VmRSS:") / 1024.0;
    }

    /** Threads of a process (0 if it is gone). */
    public static int threads(long pid) {
        return (int) statusField(pid, "Threads:");
    }

    /** Open file descriptors of a process, sockets included (0 if it is gone). */
    public static int openFiles(long pid) {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return (int) fds.count();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** The number in a line of {@code /proc/<pid>/status} ("VmRSS:   12345 kB" gives 12345); 0 if there is none. */
    private static long statusField(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // gone
        }
        return 0;
    }

    /**
     * CPU used by a set of processes between two moments, as a share of one core. The set is asked
     * for again at the end, so that processes started meanwhile (PostgreSQL backends) count too.
     */
    public static final class CpuMeter {
        private final Supplier<List<Long>> pids;
        private final Map<Long, Double> start = new HashMap<>();
        private final long startNanos = System.nanoTime();

        public CpuMeter(Supplier<List<Long>> pids) {
            this.pids = pids;
            for (long pid : pids.get()) {
                start.put(pid, cpuSeconds(pid));
            }
        }

        public static CpuMeter of(long pid) {
            return new CpuMeter(() -> List.of(pid));
        }

        /** CPU seconds per wall second since the meter started: 1.0 is one core busy. */
        public double cores() {
            double wall = (System.nanoTime() - startNanos) / 1e9;
            double used = 0;
            for (long pid : pids.get()) {
                used += cpuSeconds(pid) - start.getOrDefault(pid, 0.0);
            }
            return wall <= 0 ? 0 : used / wall;
        }
    }
}

package io.aibridge.bench.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
            return statCpuSeconds(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** User plus system CPU seconds in a process's or a thread's {@code stat} line. */
    private static double statCpuSeconds(String stat) {
        // the command name (field 2) may contain spaces: fields are counted after its closing parenthesis
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long utime = Long.parseLong(fields[11]);
        long stime = Long.parseLong(fields[12]);
        return (utime + stime) / TICKS_PER_SECOND;
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
     * The groups a Quarkus service's threads fall into, in table order, by the name Linux keeps for
     * them ({@code /proc/<pid>/task/<tid>/comm}: the Java name cut to 15 characters).
     */
    public static final List<String> THREAD_GROUPS = List.of("event loops", "event publisher", "Kafka producer", "JIT compiler",
            "GC and VM", "other");

    /** The {@link #THREAD_GROUPS group} of a thread, from its Linux name. */
    public static String threadGroup(String linuxName) {
        String name = linuxName.strip();
        if (name.startsWith("vert.x-eventloo")) {
            return "event loops";
        }
        if (name.startsWith("aibridge-event-")) {
            return "event publisher"; // aibridge-event-publisher, and the short-lived aibridge-event-topic
        }
        if (name.startsWith("kafka-producer-")) {
            return "Kafka producer";
        }
        if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
            return "JIT compiler";
        }
        if (name.startsWith("GC Thread") || name.startsWith("G1 ") || name.equals("VM Thread") || name.equals("VM Periodic Tas")) {
            return "GC and VM";
        }
        return "other";
    }

    /** CPU seconds of each live thread of a process so far, by thread id: its Linux name and its user plus system time. */
    static Map<Long, ThreadCpu> threadCpuSeconds(long pid) {
        Map<Long, ThreadCpu> threads = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            tasks.forEach(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    threads.put(Long.parseLong(task.getFileName().toString()), new ThreadCpu(name, statCpuSeconds(stat)));
                } catch (IOException | RuntimeException ignored) {
                    // the thread ended while the directory was read
                }
            });
        } catch (IOException | RuntimeException e) {
            // the process is gone
        }
        return threads;
    }

    record ThreadCpu(String name, double seconds) {
    }

    /**
     * CPU used by one process's threads between two moments, per {@link #THREAD_GROUPS group}, as a
     * share of one core: where a service's CPU went without a profiler (event loops, the event
     * publisher, the JIT compiler still at work...). A thread that started meanwhile counts whole;
     * one that ended meanwhile is lost.
     */
    public static final class ThreadCpuMeter {
        private final long pid;
        private final Map<Long, ThreadCpu> start;
        private final long startNanos = System.nanoTime();

        public ThreadCpuMeter(long pid) {
            this.pid = pid;
            this.start = threadCpuSeconds(pid);
        }

        /** Cores per group since the meter started, every group present, in {@link #THREAD_GROUPS} order. */
        public Map<String, Double> cores() {
            double wall = (System.nanoTime() - startNanos) / 1e9;
            Map<String, Double> used = new LinkedHashMap<>();
            THREAD_GROUPS.forEach(group -> used.put(group, 0.0));
            threadCpuSeconds(pid).forEach((tid, now) -> {
                ThreadCpu before = start.get(tid);
                double seconds = now.seconds() - (before != null && before.name().equals(now.name()) ? before.seconds() : 0);
                used.merge(threadGroup(now.name()), seconds, Double::sum);
            });
            used.replaceAll((group, seconds) -> wall <= 0 ? 0 : seconds / wall);
            return used;
        }
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

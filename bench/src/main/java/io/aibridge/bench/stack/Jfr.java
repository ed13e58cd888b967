package io.aibridge.bench.stack;

import io.aibridge.bench.Table;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Profiles a running service with Java Flight Recorder, started and stopped through {@link Jcmd}
 * (no restart, no JVM flag), and sums up where its CPU went: the hottest methods (the frame on top
 * of each execution sample), the same by library, the hottest of our own methods anywhere on the
 * stack, the biggest allocators, and time in GC pauses.
 */
public final class Jfr {

    private static final String RECORDING = "aibridge-bench";

    private Jfr() {
    }

    public static void start(long pid) {
        Jcmd.run(pid, "JFR.start", "name=" + RECORDING, "settings=profile");
    }

    public static void stop(long pid, Path file) {
        Jcmd.run(pid, "JFR.stop", "name=" + RECORDING, "filename=" + file.toAbsolutePath());
    }

    /** What a recording shows. */
    public record Profile(long samples, Map<String, Long> topFrames, Map<String, Long> topLibraries, Map<String, Long> topOwnFrames,
                          Map<String, Long> topAllocations, long allocationBytes, Duration gcPauses, int gcCount, Duration recorded) {

        /** The profile as two tables: hot methods, and libraries / our code / allocations / GC. */
        public List<Table> tables(String what) {
            Table methods = new Table("Profile of " + what + ": hottest methods (top frame of " + samples + " CPU samples)",
                    "method", "share of samples");
            topFrames.forEach((k, v) -> methods.row(k, Table.percent((double) v / Math.max(1, samples))));
            Table summary = new Table("Profile of " + what + ": by library, our own code on the stack, allocations, GC",
                    "what", "share / amount");
            topLibraries.forEach((k, v) -> summary.row("library " + k, Table.percent((double) v / Math.max(1, samples))));
            topOwnFrames.forEach((k, v) -> summary.row("on stack: " + k, Table.percent((double) v / Math.max(1, samples))));
            double seconds = Math.max(1e-9, recorded.toNanos() / 1e9);
            summary.row("allocation rate (sampled estimate)", String.format(java.util.Locale.ROOT, "%.0f MB/s", allocationBytes / seconds / 1e6));
            topAllocations.forEach((k, v) -> summary.row("allocates " + k, Table.percent((double) v / Math.max(1, allocationBytes))));
            summary.row("GC pauses", String.format(java.util.Locale.ROOT, "%d in %.0f s, %.0f ms in all (%.2f %% of the time)", gcCount,
                    seconds, gcPauses.toNanos() / 1e6, gcPauses.toNanos() / 1e9 / seconds * 100));
            return List.of(methods, summary);
        }
    }

    public static Profile summarize(Path file, int top) throws IOException {
        Map<String, Long> frames = new HashMap<>();
        Map<String, Long> libraries = new HashMap<>();
        Map<String, Long> own = new HashMap<>();
        Map<String, Long> allocations = new HashMap<>();
        long samples = 0;
        long allocated = 0;
        long pauseNanos = 0;
        int pauses = 0;
        java.time.Instant first = null;
        java.time.Instant last = null;
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            if (first == null || event.getStartTime().isBefore(first)) {
                first = event.getStartTime();
            }
            if (last == null || event.getEndTime().isAfter(last)) {
                last = event.getEndTime();
            }
            switch (event.getEventType().getName()) {
                case "jdk.ExecutionSample" -> {
                    RecordedStackTrace stack = event.getStackTrace();
                    if (stack == null || stack.getFrames().isEmpty()) {
                        continue;
                    }
                    samples++;
                    RecordedFrame top0 = stack.getFrames().get(0);
                    frames.merge(method(top0), 1L, Long::sum);
                    libraries.merge(library(top0.getMethod().getType().getName()), 1L, Long::sum);
                    for (RecordedFrame frame : stack.getFrames()) {
                        if (frame.getMethod().getType().getName().startsWith("io.aibridge.")) {
                            own.merge(method(frame), 1L, Long::sum);
                            break;
                        }
                    }
                }
                case "jdk.ObjectAllocationSample" -> {
                    long weight = event.getLong("weight");
                    allocated += weight;
                    allocations.merge(event.getClass("objectClass").getName(), weight, Long::sum);
                }
                case "jdk.GarbageCollection" -> {
                    pauseNanos += event.getDuration("sumOfPauses").toNanos();
                    pauses++;
                }
                default -> {
                }
            }
        }
        Duration recorded = first == null ? Duration.ZERO : Duration.between(first, last);
        return new Profile(samples, topN(frames, top), topN(libraries, 8), topN(own, top), topN(allocations, 5), allocated,
                Duration.ofNanos(pauseNanos), pauses, recorded);
    }

    private static String method(RecordedFrame frame) {
        String type = frame.getMethod().getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + frame.getMethod().getName() + " (" + type.substring(0, Math.max(0, type.lastIndexOf('.'))) + ")";
    }

    /** The library a class belongs to: its first three package names ("io.netty.buffer", "com.fasterxml.jackson"). */
    private static String library(String type) {
        String[] parts = type.split("\\.");
        int n = Math.min(parts.length - 1, type.startsWith("java.") || type.startsWith("jdk.") || type.startsWith("sun.") ? 2 : 3);
        return String.join(".", java.util.Arrays.copyOf(parts, Math.max(1, n)));
    }

    private static Map<String, Long> topN(Map<String, Long> counts, int n) {
        Map<String, Long> out = new LinkedHashMap<>();
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
                .limit(n).forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }
}

package io.aibridge.bench.stack;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a running JVM holds, measured so that two moments compare: a full collection first
 * ({@code jcmd GC.run}), so that the heap's occupancy is what is still referenced (the live set)
 * and not how long ago the last collection ran; then the heap and metaspace in use
 * ({@code GC.heap_info}), and the process's resident memory, threads and open file descriptors
 * from {@code /proc}. A leak of a few hundred bytes per request shows in the live heap after some
 * thousands of requests; a leaked connection or thread shows in the last two.
 *
 * @param heapLiveMb  heap in use right after a full collection, MiB
 * @param metaspaceMb metaspace in use, MiB (class metadata: grows only while new classes load)
 * @param rssMb       resident set size of the process, MiB
 * @param threads     threads of the process
 * @param openFiles   open file descriptors (sockets included)
 */
public record JvmMemory(double heapLiveMb, double metaspaceMb, double rssMb, int threads, int openFiles) {

    /** "used 32768K" (G1, serial, parallel, ZGC) or "21530K used" (Shenandoah). */
    private static final Pattern USED = Pattern.compile("used (\\d+)([KMG])|(\\d+)([KMG]) used");
    private static final Map<String, Double> MIB_PER_UNIT = Map.of("K", 1.0 / 1024, "M", 1.0, "G", 1024.0);

    /** Collects the JVM's garbage, then measures it. */
    public static JvmMemory afterFullGc(long pid) {
        Jcmd.run(pid, "GC.run");
        String heapInfo = Jcmd.run(pid, "GC.heap_info");
        return new JvmMemory(heapUsedMb(heapInfo), metaspaceUsedMb(heapInfo), ProcessStats.rssMb(pid),
                ProcessStats.threads(pid), ProcessStats.openFiles(pid));
    }

    /** The heap's "used" amounts of a {@code GC.heap_info} answer (both generations of the serial collector), in MiB. */
    static double heapUsedMb(String heapInfo) {
        double used = 0;
        for (String line : heapInfo.split("\n")) {
            if (!line.contains("Metaspace") && !line.contains("class space")) {
                used += usedMb(line);
            }
        }
        return used;
    }

    static double metaspaceUsedMb(String heapInfo) {
        for (String line : heapInfo.split("\n")) {
            if (line.contains("Metaspace")) {
                return usedMb(line);
            }
        }
        return 0;
    }

    private static double usedMb(String line) {
        Matcher m = USED.matcher(line);
        if (!m.find()) {
            return 0;
        }
        boolean first = m.group(1) != null;
        return Long.parseLong(first ? m.group(1) : m.group(3)) * MIB_PER_UNIT.get(first ? m.group(2) : m.group(4));
    }
}

package io.aibridge.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What every result carries so that numbers from different machines, commits and moments are never
 * compared by mistake: cores, memory, JVM, the git commit (and whether the tree had changes), and
 * the load average, because this machine is shared with builds that come and go.
 */
public record Machine(int cores, long memoryMb, String javaVersion, String os, String commit, boolean dirty) {

    /** The machine and the checkout at {@code repo}. */
    public static Machine describe(Path repo) {
        String commit = git(repo, "rev-parse", "--short=12", "HEAD");
        String status = git(repo, "status", "--porcelain", "--untracked-files=no");
        return new Machine(Runtime.getRuntime().availableProcessors(), totalMemoryMb(), System.getProperty("java.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                commit.isEmpty() ? "unknown" : commit, !status.isEmpty());
    }

    /** The 1, 5 and 15 minute load averages (Linux), or NaN where unknown. */
    public static double[] loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return new double[]{Double.parseDouble(parts[0]), Double.parseDouble(parts[1]), Double.parseDouble(parts[2])};
        } catch (IOException | RuntimeException e) {
            return new double[]{Double.NaN, Double.NaN, Double.NaN};
        }
    }

    /** "load 3.21 / 2.80 / 2.45": how busy the machine was, for the line under a table. */
    public static String loadLine() {
        double[] load = loadAverage();
        return String.format(java.util.Locale.ROOT, "load average %.2f / %.2f / %.2f (1 / 5 / 15 min)", load[0], load[1], load[2]);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("cores", cores);
        map.put("memory_mb", memoryMb);
        map.put("java", javaVersion);
        map.put("os", os);
        map.put("commit", commit);
        map.put("dirty", dirty);
        return map;
    }

    private static long totalMemoryMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux: unknown
        }
        return -1;
    }

    private static String git(Path repo, String... args) {
        String[] command = new String[args.length + 3];
        command[0] = "git";
        command[1] = "-C";
        command[2] = repo.toString();
        System.arraycopy(args, 0, command, 3, args.length);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0 ? out : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}

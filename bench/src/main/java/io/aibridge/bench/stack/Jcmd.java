package io.aibridge.bench.stack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Runs a diagnostic command in a running JVM through the JDK's {@code jcmd} (no restart, no JVM
 * flag): Flight Recorder for the profiles, a full collection and the heap's occupancy for the
 * memory benchmark.
 */
public final class Jcmd {

    private Jcmd() {
    }

    /** The command's output; fails when jcmd is missing, fails, or the JVM answers with an exception. */
    public static String run(long pid, String... command) {
        String[] args = new String[command.length + 2];
        args[0] = "jcmd";
        args[1] = Long.toString(pid);
        System.arraycopy(command, 0, args, 2, command.length);
        try {
            Process process = new ProcessBuilder(args).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0 || out.contains("Exception")) {
                throw new IllegalStateException(String.join(" ", args) + " failed: " + out.trim());
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("could not run jcmd (is a JDK on the PATH?): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}

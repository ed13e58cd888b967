package io.aibridge.system.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One process of the system (a service, the broker): started with a command, an environment of its
 * own (nothing inherited that could point it elsewhere) and its output appended to one log file per
 * component, so the secret scan reads every line every incarnation wrote. Stopped with SIGTERM (a
 * graceful stop), killed with SIGKILL, paused with SIGSTOP.
 */
public final class ChildProcess {

    private final String name;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Path log;
    private final Path workingDirectory;
    private Process process;

    ChildProcess(String name, List<String> command, Map<String, String> environment, Path log, Path workingDirectory) {
        this.name = name;
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.log = log;
        this.workingDirectory = workingDirectory;
    }

    public String name() {
        return name;
    }

    public Path log() {
        return log;
    }

    public synchronized ChildProcess start() {
        return start(Map.of());
    }

    /** Starts with the environment given at construction plus {@code overrides}, for this incarnation only. */
    public synchronized ChildProcess start(Map<String, String> overrides) {
        if (alive()) {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, "===== " + Instant.now() + " starting " + name + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            // nothing from the shell that runs the build may point a service elsewhere
            builder.environment().keySet().removeIf(k -> k.startsWith("AIBRIDGE_") || k.startsWith("KAFKA_")
                    || k.startsWith("QUARKUS_") || k.startsWith("JAVA_TOOL_OPTIONS") || k.startsWith("PROXY_"));
            builder.environment().putAll(environment);
            builder.environment().putAll(overrides);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name, e);
        }
        return this;
    }

    public synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    /** SIGTERM, then waits; SIGKILL if it has not exited within {@code grace}. Returns the exit code. */
    public int stop(Duration grace) {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p == null || !p.isAlive()) {
            return p == null ? -1 : p.exitValue();
        }
        p.destroy();
        try {
            if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                System.err.println(name + " ignored SIGTERM for " + grace + "; killing it");
                kill();
            }
            return p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            return -1;
        }
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    public void kill() {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p == null) {
            return;
        }
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sends a signal by name ({@code STOP}, {@code CONT}) with the system's {@code kill} command. */
    public void signal(String signal) {
        try {
            Process k = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid())).redirectErrorStream(true).start();
            if (k.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid() + " failed: "
                        + new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last lines of the log, for failure messages. */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", new ArrayList<>(all.subList(Math.max(0, all.size() - lines), all.size())));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}

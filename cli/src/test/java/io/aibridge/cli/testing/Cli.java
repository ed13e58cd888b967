package io.aibridge.cli.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.AibridgeCommand;
import io.aibridge.cli.Io;
import io.aibridge.cli.json.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the {@code aibridge} command in this JVM, exactly as {@code main} does, with its own
 * environment ({@code AIBRIDGE_URL}, {@code AIBRIDGE_TOKEN}) and captured stdout and stderr.
 */
public final class Cli {

    /** What one run printed and returned. */
    public record Result(int exitCode, String stdout, String stderr) {

        public JsonNode json() {
            try {
                return Json.MAPPER.readTree(stdout);
            } catch (IOException e) {
                throw new UncheckedIOException("stdout is not JSON:\n" + stdout + "\nstderr:\n" + stderr, e);
            }
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    private final Map<String, String> env;
    private final boolean terminal;

    public Cli(String url, String token) {
        this(envOf(url, token), false);
    }

    private Cli(Map<String, String> env, boolean terminal) {
        this.env = env;
        this.terminal = terminal;
    }

    /** The same CLI with another token (a member's key, a revoked key). */
    public Cli withToken(String token) {
        return new Cli(envOf(env.get("AIBRIDGE_URL"), token), terminal);
    }

    /** The same CLI as if stdout and stderr were a terminal. */
    public Cli onTerminal() {
        Map<String, String> e = new HashMap<>(env);
        e.put("COLUMNS", "100");
        return new Cli(e, true);
    }

    public Cli withEnv(String name, String value) {
        Map<String, String> e = new HashMap<>(env);
        if (value == null) {
            e.remove(name);
        } else {
            e.put(name, value);
        }
        return new Cli(e, terminal);
    }

    public Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = AibridgeCommand.run(new Io(out, err, env, terminal, terminal), args);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    public Result run(List<String> args) {
        return run(args.toArray(String[]::new));
    }

    /** Runs and expects exit code 0; returns the result. */
    public Result ok(String... args) {
        Result r = run(args);
        if (r.exitCode() != 0) {
            throw new AssertionError("expected exit 0 for " + String.join(" ", args) + "\n" + r);
        }
        return r;
    }

    public static List<String> args(String... args) {
        return new ArrayList<>(List.of(args));
    }

    private static Map<String, String> envOf(String url, String token) {
        Map<String, String> e = new HashMap<>();
        if (url != null) {
            e.put("AIBRIDGE_URL", url);
        }
        if (token != null) {
            e.put("AIBRIDGE_TOKEN", token);
        }
        return e;
    }
}

package io.aibridge.deploy;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The local stack's scripts (deploy/local): functions of lib.sh, and stop.sh, run in bash against a
 * copy of the scripts in a temporary repository, with a temporary {@code AIBRIDGE_HOME} and working
 * directory. Nothing is built and no component of the stack is started.
 */
class LocalStackScriptsTest {

    private static final Path LOCAL = Path.of(System.getProperty("aibridge.local.dir", "../deploy/local")).toAbsolutePath().normalize();

    @TempDir
    Path tmp;
    private Path repo;
    private Path home;
    private Path work;

    @BeforeEach
    void copyTheScripts() throws IOException {
        repo = Files.createDirectories(tmp.resolve("repo"));
        home = Files.createDirectories(tmp.resolve("home")).toRealPath();
        work = Files.createDirectories(tmp.resolve("work"));
        Files.createDirectories(repo.resolve("deploy/local"));
        for (String script : List.of("lib.sh", "run.sh", "stop.sh")) {
            Files.copy(LOCAL.resolve(script), repo.resolve("deploy/local").resolve(script));
        }
        Files.copy(LOCAL.resolve("../../pom.xml"), repo.resolve("pom.xml"));
    }

    // ------------------------------------------------------------------ the services' settings

    @Test
    void theProxySpoolIsInTheStackHomeNotInTheWorkingDirectory() throws Exception {
        Result result = lib(Map.of(), "export_service_settings; printf '%s' \"$AIBRIDGE_SPOOL_DIR\"");

        assertThat(result.out()).isEqualTo(home.resolve("spool").toString());
    }

    @Test
    void aSpoolDirectoryGivenInTheShellIsKept() throws Exception {
        Result result = lib(Map.of("AIBRIDGE_SPOOL_DIR", "/elsewhere/spool"), "export_service_settings; printf '%s' \"$AIBRIDGE_SPOOL_DIR\"");

        assertThat(result.out()).isEqualTo("/elsewhere/spool");
    }

    // ------------------------------------------------------------------ helpers

    record Result(int exit, String out, String err) {
    }

    /** Sources lib.sh in bash (as run.sh does: set -euo pipefail) and runs the script; it must succeed. */
    private Result lib(Map<String, String> env, String script) throws Exception {
        Result result = bash(env, "set -euo pipefail; source \"$AIBRIDGE_TEST_REPO/deploy/local/lib.sh\"; " + script);
        assertThat(result.exit()).as("exit status; stderr: %s", result.err()).isZero();
        return result;
    }

    /** Runs bash -c script in the working directory, with AIBRIDGE_HOME and none of the shell's stack settings. */
    private Result bash(Map<String, String> env, String script) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", script).directory(work.toFile());
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(name -> name.startsWith("AIBRIDGE_") || name.equals("KAFKA_BOOTSTRAP_SERVERS"));
        environment.put("AIBRIDGE_HOME", home.toString());
        environment.put("AIBRIDGE_TEST_REPO", repo.toString());
        environment.putAll(env);
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("bash did not finish within 60 s: " + script + "\nstderr: " + Files.readString(err));
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }
}

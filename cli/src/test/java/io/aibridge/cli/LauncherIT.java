package io.aibridge.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The launcher script runs the packaged jar, and exit codes reach the shell (after package, by failsafe). */
class LauncherIT {

    static final Path HOME = Path.of(System.getProperty("aibridge.cli.home", "."));

    record Run(int exitCode, String stdout, String stderr) {
    }

    @Test
    void theLauncherPrintsHelpAndExitsZero() throws Exception {
        Run r = run("--help");

        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).startsWith("Usage: aibridge [-hV]").contains("Manage AI Bridge.").contains("interceptions");
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void theFirstRunRecordsAClassArchiveThatLaterRunsUseSilently() throws Exception {
        try (Stream<Path> old = Files.list(HOME.resolve("target"))) {
            for (Path p : old.filter(p -> p.getFileName().toString().endsWith(".jsa")).toList()) {
                Files.delete(p);
            }
        }

        Run first = run("interceptions", "--help");
        List<Path> archives;
        try (Stream<Path> files = Files.list(HOME.resolve("target"))) {
            archives = files.filter(p -> p.getFileName().toString().matches("aibridge-\\d+\\.jsa")).toList();
        }
        Run second = run("interceptions", "--help");

        assertThat(archives).hasSize(1);
        assertThat(second).isEqualTo(first);
        assertThat(second.stdout()).startsWith("Usage: aibridge interceptions");
        assertThat(second.stderr()).isEmpty();
    }

    @Test
    void theLauncherReportsTheVersionFromTheJar() throws Exception {
        Run r = run("--version");

        assertThat(r.stdout()).matches("aibridge \\d+\\.\\d+\\.\\d+.*\n");
    }

    @Test
    void exitCodesReachTheShell() throws Exception {
        assertThat(run("interceptions", "list", "--limit", "0").exitCode()).isEqualTo(1);
        Run refused = run("interceptions", "list", "--url", "http://127.0.0.1:1", "--token", "t");
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.stderr()).isEqualTo("Cannot reach AI Bridge at http://127.0.0.1:1: connection refused\n");
    }

    private static Run run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(HOME.resolve("bin/aibridge").toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("aibridge-out", ".txt");
        Path err = Files.createTempFile("aibridge-err", ".txt");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().remove("AIBRIDGE_URL");
            builder.environment().remove("AIBRIDGE_TOKEN");
            Process p = builder.start();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}

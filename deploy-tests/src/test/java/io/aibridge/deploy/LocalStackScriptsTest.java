package io.aibridge.deploy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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

    // ------------------------------------------------------------------ the shell

    @Test
    void aShellOtherThanBash5IsToldWhatTheScriptsNeed() throws Exception {
        // BASH_VERSINFO is read-only in bash, so bash 3.2 cannot be played; sh has none, which takes the same branch
        assumeTrue(bash(Map.of(), "sh -c '[ -z \"$BASH_VERSION\" ]'").exit() == 0, "sh is not bash");
        Result result = bash(Map.of(), "sh -c '. \"$0\"' \"$AIBRIDGE_TEST_REPO/deploy/local/lib.sh\"");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).contains("deploy/local needs bash 5 or newer; this is not bash", "brew install bash");
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

    // ------------------------------------------------------------------ stopping

    @Test
    void theServicesGetTheirRequestsInFlightAndTheEventDrainBeforeTheyAreKilled() throws Exception {
        Result result = lib(Map.of(), "export_service_settings; printf '%s %s' \"$AIBRIDGE_SHUTDOWN_TIMEOUT\" \"$(services_grace_for_settings)\"");

        assertThat(result.out()).as("10 s for requests in flight + 30 s drain + 5 s").isEqualTo("10s 45");
    }

    @Test
    void shutdownSettingsFromTheShellAreKeptAndLengthenTheGrace() throws Exception {
        Result result = lib(Map.of("AIBRIDGE_SHUTDOWN_TIMEOUT", "2m", "AIBRIDGE_SHUTDOWN_DELAY", "5s"),
                "export_service_settings; printf '%s %s' \"$AIBRIDGE_SHUTDOWN_TIMEOUT\" \"$(services_grace_for_settings)\"");
        Result millis = lib(Map.of("AIBRIDGE_SHUTDOWN_TIMEOUT", "500ms"), "services_grace_for_settings");

        assertThat(result.out()).as("5 s delay + 120 s + 30 s + 5 s").isEqualTo("2m 160");
        assertThat(millis.out().strip()).as("rounded up to 1 s").isEqualTo("36");
    }

    @Test
    void aShutdownTimeoutTheScriptCannotReadStopsTheStartWithItsName() throws Exception {
        Result result = bash(Map.of("AIBRIDGE_SHUTDOWN_TIMEOUT", "soon"), "bash \"$AIBRIDGE_TEST_REPO/deploy/local/run.sh\" --no-build");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).contains("AIBRIDGE_SHUTDOWN_TIMEOUT (soon)");
    }

    // ------------------------------------------------------------------ the recording side's niceness

    private static final String NICENESS_OF_EACH = "for c in \"${COMPONENTS[@]}\"; do printf '%s=%s ' \"$c\" \"$(component_nice \"$c\")\"; done";

    @Test
    void theRecordingSideYieldsTheCpuToTheProxyAndTheApiByDefault() throws Exception {
        Result result = lib(Map.of(), NICENESS_OF_EACH);

        assertThat(result.out().strip()).isEqualTo("proxy-service=0 query-service=0 recorder-service=10 retention-service=10 "
                + "fake-provider=0 kafka=10 postgres=10");
    }

    @Test
    void theRecordingSidesNicenessIsSetOrTurnedOffFromTheShell() throws Exception {
        assertThat(lib(Map.of("AIBRIDGE_BACKGROUND_NICE", "19"), NICENESS_OF_EACH).out().strip())
                .isEqualTo("proxy-service=0 query-service=0 recorder-service=19 retention-service=19 fake-provider=0 kafka=19 postgres=19");
        assertThat(lib(Map.of("AIBRIDGE_BACKGROUND_NICE", "0"), NICENESS_OF_EACH).out().strip())
                .isEqualTo("proxy-service=0 query-service=0 recorder-service=0 retention-service=0 fake-provider=0 kafka=0 postgres=0");
        assertThat(lib(Map.of("AIBRIDGE_BACKGROUND_NICE", "05"), "background_nice").out().strip()).as("not octal").isEqualTo("5");
    }

    @Test
    void aNicenessOutsideZeroToNineteenStopsTheStartWithItsName() throws Exception {
        for (String value : List.of("20", "-5", "high", "1.5", "100")) {
            Result result = bash(Map.of("AIBRIDGE_BACKGROUND_NICE", value), "bash \"$AIBRIDGE_TEST_REPO/deploy/local/run.sh\" --no-build");

            assertThat(result.exit()).as(value).isEqualTo(1);
            assertThat(result.err()).as(value).contains("AIBRIDGE_BACKGROUND_NICE must be a niceness from 0 (off) to 19, not \"" + value + "\"");
        }
    }

    @Test
    void theStopUsesTheGraceTheRunRecordedNotTheStopShellsSettings() throws Exception {
        Files.createDirectories(home.resolve("run"));
        Files.writeString(home.resolve("run/services.grace"), "77\n");

        Result result = lib(Map.of("AIBRIDGE_SHUTDOWN_TIMEOUT", "1s"), "services_grace");

        assertThat(result.out().strip()).isEqualTo("77");
    }

    @Test
    void aServiceThatOutlastsTheRecordedGraceIsKilledAfterIt() throws Exception {
        // a "proxy-service" of this home (both markers on its command line) that ignores SIGTERM
        Process service = dummy("trap '' TERM; exec -a \"$0\" sleep 60",
                "java -Daibridge.component=proxy-service -Daibridge.home=" + home + " -jar proxy-service.jar");
        awaitCommandLine(service, "java -Daibridge.component=proxy-service");
        Files.createDirectories(home.resolve("run"));
        Files.writeString(home.resolve("run/proxy-service.pid"), service.pid() + "\n");
        Files.writeString(home.resolve("run/services.grace"), "1\n");

        Result result = lib(Map.of(), "stop_components");

        assertThat(service.waitFor(10, TimeUnit.SECONDS)).as("killed").isTrue();
        assertThat(result.err()).contains("pid " + service.pid() + " did not stop within 1 s; killing it");
    }

    @Test
    void aClosedTerminalStillStopsTheStackThoughNothingCanBePrintedAnyMore() throws Exception {
        // a "proxy-service" of this home that ignores SIGTERM (so the stop also warns before it kills it) and a "kafka"
        Process service = dummy("trap '' TERM; exec -a \"$0\" sleep 60",
                "java -Daibridge.component=proxy-service -Daibridge.home=" + home + " -jar proxy-service.jar");
        Process kafka = dummy("exec -a \"$0\" sleep 60", "java -Daibridge.component=kafka -Daibridge.home=" + home + " kafka.Kafka");
        awaitCommandLine(service, "java -Daibridge.component=proxy-service");
        awaitCommandLine(kafka, "java -Daibridge.component=kafka");
        Path run = Files.createDirectories(home.resolve("run"));
        Files.writeString(run.resolve("proxy-service.pid"), service.pid() + "\n");
        Files.writeString(run.resolve("kafka.pid"), kafka.pid() + "\n");
        Files.writeString(run.resolve("services.grace"), "1\n");
        Files.writeString(run.resolve("stack.pid"), "1 then\n");

        // run.sh's traps once it has launched something; then its terminal goes: every write fails (a hung-up
        // terminal's with EIO, /dev/full's with ENOSPC) and SIGHUP comes
        Result result = bash(Map.of(), LIB + "STOPPING= LAUNCHED=1; stop_stack_on_exit; exec >/dev/full 2>/dev/full; kill -HUP $$; sleep 30");

        assertThat(result.exit()).as("shutdown 143").isEqualTo(143);
        assertThat(service.waitFor(10, TimeUnit.SECONDS)).as("the service was stopped").isTrue();
        assertThat(kafka.waitFor(10, TimeUnit.SECONDS)).as("Kafka was stopped").isTrue();
        try (Stream<Path> left = Files.list(run)) {
            assertThat(left.map(file -> file.getFileName().toString())).as("no pid file and no stack.pid left").isEmpty();
        }
    }

    // ------------------------------------------------------------------ the stale-build check

    @Test
    void aSourceFileOfTelemetryNewerThanTheBuildMakesItStale() throws Exception {
        builtTwoHoursAgo();
        assertThat(bash(Map.of(), LIB + "build_is_stale").exit()).as("nothing changed: not stale").isEqualTo(1);

        // every service depends on telemetry
        Files.writeString(repo.resolve("telemetry/src/main/java/Changed.java"), "class Changed {}\n");

        assertThat(bash(Map.of(), LIB + "build_is_stale").exit()).as("stale").isZero();
    }

    @Test
    void aFileSavedWhileTheBuildRunsIsBuiltByTheNextStart() throws Exception {
        builtTwoHoursAgo();
        // the "build" takes a moment, and meanwhile a source file is saved
        fakeMaven("sleep 0.1; echo 'class Saved {}' > telemetry/src/main/java/Saved.java; echo built");

        lib(Map.of(), "mkdir -p \"$LOG_DIR\"; build_modules");

        assertThat(home.resolve("build.stamp")).exists();
        assertThat(home.resolve("build.stamp.new")).doesNotExist();
        assertThat(Files.readString(home.resolve("logs/build.log"))).contains("built");
        assertThat(bash(Map.of(), LIB + "build_is_stale").exit()).as("stale").isZero();
    }

    @Test
    void aFailedBuildLeavesTheLastStampAlone() throws Exception {
        builtTwoHoursAgo();
        FileTime before = Files.getLastModifiedTime(home.resolve("build.stamp"));
        fakeMaven("echo 'BUILD FAILURE'; exit 1");

        Result result = bash(Map.of(), LIB + "mkdir -p \"$LOG_DIR\"; build_modules");

        assertThat(result.exit()).isNotZero();
        assertThat(Files.readString(home.resolve("logs/build.log"))).contains("BUILD FAILURE");
        assertThat(Files.getLastModifiedTime(home.resolve("build.stamp"))).isEqualTo(before);
        assertThat(home.resolve("build.stamp.new")).doesNotExist();
    }

    // ------------------------------------------------------------------ the Kafka broker jars

    /** A ./mvnw that copies the broker jar (and, when told, the rest) into -DoutputDirectory, then exits with the status. */
    private static final String FAKE_COPY = """
            for arg in "$@"; do
              case $arg in -DoutputDirectory=*) out=${arg#*=} ;; -Dkafka.version=*) version=${arg#*=} ;; esac
            done
            mkdir -p "$out" && echo jar >"$out/kafka_2.13-$version.jar"
            [[ $STATUS == 0 ]] && echo jar >"$out/kafka-clients-$version.jar"
            exit $STATUS
            """;

    @Test
    void anInterruptedFetchOfTheKafkaJarsLeavesNoLibThatLooksComplete() throws Exception {
        fakeMaven("STATUS=1\n" + FAKE_COPY);

        Result fetch = bash(Map.of(), LIB + "mkdir -p \"$LOG_DIR\"; fetch_kafka_jars 4.1.2");
        Result ready = bash(Map.of(), LIB + "kafka_jars_ready 4.1.2");

        assertThat(fetch.exit()).isNotZero();
        assertThat(ready.exit()).as("not ready").isNotZero();
        try (Stream<Path> left = Files.list(repo.resolve("deploy/kafka"))) {
            assertThat(left).as("no partial directory left").isEmpty();
        }
    }

    @Test
    void aLibWithoutTheMarkerIsFetchedAgainAndReplacedWhole() throws Exception {
        // what an interrupted copy straight into lib/ left: the broker jar and nothing else
        write(repo.resolve("deploy/kafka/lib/kafka_2.13-4.1.2.jar"), "jar");
        assertThat(bash(Map.of(), LIB + "kafka_jars_ready 4.1.2").exit()).as("not ready").isNotZero();
        fakeMaven("STATUS=0\n" + FAKE_COPY);

        lib(Map.of(), "mkdir -p \"$LOG_DIR\"; fetch_kafka_jars 4.1.2");

        assertThat(bash(Map.of(), LIB + "kafka_jars_ready 4.1.2").exit()).as("ready").isZero();
        assertThat(bash(Map.of(), LIB + "kafka_jars_ready 4.2.0").exit()).as("another version is not").isNotZero();
        try (Stream<Path> lib = Files.list(repo.resolve("deploy/kafka/lib"))) {
            assertThat(lib.map(file -> file.getFileName().toString()))
                    .containsExactlyInAnyOrder("kafka_2.13-4.1.2.jar", "kafka-clients-4.1.2.jar", "fetched");
        }
        try (Stream<Path> left = Files.list(repo.resolve("deploy/kafka"))) {
            assertThat(left.map(file -> file.getFileName().toString())).containsExactly("lib");
        }
    }

    // ------------------------------------------------------------------ stop.sh and a stale stack.pid

    @Test
    void aStaleStackPidNamingAnotherRunShIsNotSignalled() throws Exception {
        Process stranger = dummy("exec -a \"$0\" sleep 60", "run.sh");
        awaitCommandLine(stranger, "run.sh");
        Files.createDirectories(home.resolve("run"));
        Files.writeString(home.resolve("run/stack.pid"), stranger.pid() + "\n"); // as run.sh wrote it before

        Result result = bash(Map.of(), "bash \"$AIBRIDGE_TEST_REPO/deploy/local/stop.sh\"");

        assertThat(result.exit()).as("stderr: %s", result.err()).isZero();
        assertThat(result.out()).contains("AI Bridge is not running");
        assertThat(stranger.isAlive()).as("not signalled").isTrue();
    }

    @Test
    void aStackPidWithTheRightStartTimeStillNeedsTheRunLock() throws Exception {
        assumeTrue(flockIsThere(), "flock is on the PATH");
        Process stranger = dummy("exec -a \"$0\" sleep 60", "run.sh");
        awaitCommandLine(stranger, "run.sh");
        Files.createDirectories(home.resolve("run"));
        Files.writeString(home.resolve("run/stack.pid"), lib(Map.of(), "runner_record " + stranger.pid()).out());

        Result result = bash(Map.of(), "bash \"$AIBRIDGE_TEST_REPO/deploy/local/stop.sh\"");

        assertThat(result.out()).contains("AI Bridge is not running");
        assertThat(stranger.isAlive()).as("not signalled").isTrue();
    }

    @Test
    void theRunShThatHoldsTheRunLockIsAskedToStop() throws Exception {
        assumeTrue(flockIsThere(), "flock is on the PATH");
        Files.createDirectories(home.resolve("run"));
        Process runner = dummy("exec 9>\"$1\" && flock -n 9 && exec -a \"$0\" sleep 60", "run.sh",
                home.resolve("run/stack.lock").toString());
        awaitCommandLine(runner, "run.sh");
        Files.writeString(home.resolve("run/stack.pid"), lib(Map.of(), "runner_record " + runner.pid()).out());

        Result result = bash(Map.of(), "bash \"$AIBRIDGE_TEST_REPO/deploy/local/stop.sh\"");

        assertThat(result.exit()).as("stderr: %s", result.err()).isZero();
        assertThat(result.out()).contains("Asking run.sh (pid " + runner.pid() + ")", "Stopped.");
        assertThat(runner.waitFor(10, TimeUnit.SECONDS)).as("stopped by SIGTERM").isTrue();
    }

    @Test
    void withoutFlockTheStartTimeTellsTheRunShFromAStranger() throws Exception {
        Map<String, String> noFlock = Map.of("PATH", pathWithout("flock").toString());
        Process stranger = dummy("exec -a \"$0\" sleep 60", "run.sh");
        Process runner = dummy("exec -a \"$0\" sleep 60", "run.sh");
        awaitCommandLine(stranger, "run.sh");
        awaitCommandLine(runner, "run.sh");
        Files.createDirectories(home.resolve("run"));
        String runnerStarted = lib(Map.of(), "process_started " + runner.pid()).out().strip();
        assertThat(runnerStarted).isNotEmpty();

        // the stranger got the pid of a run.sh that started at some other time
        Files.writeString(home.resolve("run/stack.pid"), stranger.pid() + " Thu Jan 1 00:00:00 1970\n");
        Result stale = bash(noFlock, "bash \"$AIBRIDGE_TEST_REPO/deploy/local/stop.sh\"");
        Files.writeString(home.resolve("run/stack.pid"), runner.pid() + " " + runnerStarted + "\n");
        Result live = bash(noFlock, "bash \"$AIBRIDGE_TEST_REPO/deploy/local/stop.sh\"");

        assertThat(stale.out()).as("stderr: %s", stale.err()).contains("AI Bridge is not running");
        assertThat(stranger.isAlive()).as("not signalled").isTrue();
        assertThat(live.out()).as("stderr: %s", live.err()).contains("Asking run.sh (pid " + runner.pid() + ")", "Stopped.");
        assertThat(runner.waitFor(10, TimeUnit.SECONDS)).as("stopped by SIGTERM").isTrue();
    }

    // ------------------------------------------------------------------ helpers

    private static final String LIB = "set -euo pipefail; source \"$AIBRIDGE_TEST_REPO/deploy/local/lib.sh\"; ";

    /**
     * The temporary repository as a build two hours ago left it: a source file and a pom in every
     * module of the root pom, the services' jars, test-support's classpath file, and the stamp one
     * hour ago.
     */
    private void builtTwoHoursAgo() throws IOException {
        FileTime twoHoursAgo = FileTime.from(Instant.now().minus(Duration.ofHours(2)));
        String rootPom = Files.readString(repo.resolve("pom.xml"));
        Matcher modules = Pattern.compile("<module>([^<]+)</module>").matcher(rootPom);
        List<Path> files = new ArrayList<>();
        while (modules.find()) {
            Path module = repo.resolve(modules.group(1));
            files.add(write(module.resolve("pom.xml"), "<project/>\n"));
            files.add(write(module.resolve("src/main/java/Old.java"), "class Old {}\n"));
        }
        for (String service : List.of("proxy-service", "query-service", "recorder-service", "retention-service")) {
            files.add(write(repo.resolve(service).resolve("target/quarkus-app/quarkus-run.jar"), "jar"));
        }
        files.add(write(repo.resolve("test-support/target/runtime.classpath"), ""));
        files.add(repo.resolve("pom.xml"));
        for (Path file : files) {
            Files.setLastModifiedTime(file, twoHoursAgo);
        }
        Path stamp = write(home.resolve("build.stamp"), "");
        Files.setLastModifiedTime(stamp, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
    }

    /** A ./mvnw in the temporary repository that runs the script (in the repository) instead of Maven. */
    private void fakeMaven(String script) throws IOException {
        Path mvnw = write(repo.resolve("mvnw"), "#!/usr/bin/env bash\n" + script + "\n");
        Files.setPosixFilePermissions(mvnw, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static Path write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }

    record Result(int exit, String out, String err) {
    }

    private final List<Process> dummies = new ArrayList<>();

    private final List<Path> linkDirectories = new ArrayList<>();

    @AfterEach
    void stopTheDummies() throws IOException {
        dummies.forEach(Process::destroyForcibly);
        // the links themselves, before JUnit warns about each link to outside its directory
        for (Path directory : linkDirectories) {
            try (Stream<Path> links = Files.list(directory)) {
                for (Path link : (Iterable<Path>) links::iterator) {
                    Files.delete(link);
                }
            }
        }
    }

    /** A process started with bash -c script argv0 args...: "exec -a \"$0\" ..." gives it that command line. */
    private Process dummy(String script, String argv0, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("bash", "-c", script, argv0));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        dummies.add(process);
        return process;
    }

    /** Waits until the process's command line (as ps shows it) starts with the prefix: its exec is done. */
    private void awaitCommandLine(Process process, String prefix) throws Exception {
        for (int i = 0; i < 200; i++) {
            Result ps = bash(Map.of(), "ps -ww -p " + process.pid() + " -o args=");
            if (ps.out().strip().startsWith(prefix)) {
                return;
            }
            assertThat(process.isAlive()).as("pid %d is alive", process.pid()).isTrue();
            Thread.sleep(50);
        }
        throw new AssertionError("pid " + process.pid() + " never showed the command line " + prefix);
    }

    private boolean flockIsThere() throws Exception {
        return bash(Map.of(), "command -v flock").exit() == 0;
    }

    /** A directory with a link to every program on the PATH but the one named: a PATH without it. */
    private Path pathWithout(String program) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin-without-" + program));
        linkDirectories.add(bin);
        for (String dir : System.getenv("PATH").split(":")) {
            Path path = Path.of(dir);
            if (dir.isEmpty() || !Files.isDirectory(path)) {
                continue;
            }
            try (Stream<Path> files = Files.list(path)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Path link = bin.resolve(file.getFileName().toString());
                    if (!file.getFileName().toString().equals(program) && Files.isExecutable(file) && Files.notExists(link, LinkOption.NOFOLLOW_LINKS)) {
                        Files.createSymbolicLink(link, file);
                    }
                }
            }
        }
        return bin;
    }

    /** Sources lib.sh in bash (as run.sh does: set -euo pipefail) and runs the script; it must succeed. */
    private Result lib(Map<String, String> env, String script) throws Exception {
        Result result = bash(env, LIB + script);
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

package io.aibridge.cli;

import io.aibridge.cli.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --help} on every command: exit code 0, usage on stdout, every option described. */
class HelpTest {

    static final Cli CLI = new Cli(null, null);

    /** Every command path: "", "interceptions", "interceptions list", ... */
    static List<String> commands() {
        Io io = new Io(new ByteArrayOutputStream(), new ByteArrayOutputStream(), Map.of(), false, false);
        List<String> paths = new ArrayList<>();
        collect(AibridgeCommand.commandLine(io), "", paths);
        return paths;
    }

    private static void collect(CommandLine command, String path, List<String> paths) {
        paths.add(path);
        command.getSubcommands().forEach((name, sub) -> collect(sub, (path + " " + name).strip(), paths));
    }

    @ParameterizedTest(name = "aibridge {0} --help")
    @MethodSource("commands")
    void everyCommandHasHelpThatDescribesEveryOption(String path) {
        List<String> args = new ArrayList<>(path.isEmpty() ? List.of() : List.of(path.split(" ")));
        args.add("--help");

        Cli.Result r = CLI.run(args);

        assertThat(r.exitCode()).isZero();
        assertThat(r.stderr()).isEmpty();
        assertThat(r.stdout()).startsWith("Usage: aibridge" + (path.isEmpty() ? "" : " " + path) + " ");
        CommandSpec spec = spec(path);
        for (OptionSpec option : spec.options()) {
            String shown = option.negatable() ? "--[no-]" + option.longestName().substring(2) : option.longestName();
            assertThat(r.stdout()).as(option.longestName()).contains(shown);
            assertThat(String.join(" ", option.description())).as(option.longestName() + " has a description").isNotBlank();
        }
        assertThat(spec.usageMessage().description()).as("description").isNotEmpty();
        assertThat(r.stdout()).contains("--url=URL").contains("--token=TOKEN");
    }

    @Test
    void theGroupsCarryTheReferencesHelpTexts() {
        assertThat(CLI.ok("--help").stdout()).startsWith("Usage: aibridge [-hV]").contains("\nManage AI Bridge.\n")
                .contains("Exit codes: 0 ok; 1 usage error").contains("AIBRIDGE_TOKEN");
        assertThat(CLI.ok("interceptions", "--help").stdout()).contains("\nManage AI Bridge interceptions.\n");
        assertThat(CLI.ok("interceptions", "list", "-h").stdout().replaceAll("\\s+", " ")).contains(" List AI Bridge interceptions as JSON. ")
                .contains("--initiator=USER").contains("Accepts a user ID, username, or \"me\".")
                .contains("The limit of results to return. Must be between 1")
                .contains("The ID of the last result on the previous page to use as a pagination cursor.");
    }

    @Test
    void aGroupWithoutACommandPrintsItsHelp() {
        Cli.Result bare = CLI.run();
        Cli.Result group = CLI.run("keys");

        assertThat(bare.exitCode()).isZero();
        assertThat(bare.stdout()).isEqualTo(CLI.ok("--help").stdout());
        assertThat(group.exitCode()).isZero();
        assertThat(group.stdout()).startsWith("Usage: aibridge keys ").contains("create").contains("revoke");
    }

    @Test
    void versionPrintsTheVersion() {
        assertThat(CLI.ok("--version").stdout()).startsWith("aibridge ");
        assertThat(CLI.ok("sessions", "show", "--version").stdout()).startsWith("aibridge ");
    }

    private static CommandSpec spec(String path) {
        Io io = new Io(new ByteArrayOutputStream(), new ByteArrayOutputStream(), Map.of(), false, false);
        CommandLine cl = AibridgeCommand.commandLine(io);
        for (String name : path.isEmpty() ? new String[0] : path.split(" ")) {
            cl = cl.getSubcommands().get(name);
        }
        return cl.getCommandSpec();
    }
}

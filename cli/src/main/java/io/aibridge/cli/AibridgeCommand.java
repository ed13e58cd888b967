package io.aibridge.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code aibridge}: manage AI Bridge from a terminal or a script. Exit codes: 0 ok, 1 usage error,
 * 2 server or authentication error.
 */
@Command(name = "aibridge", mixinStandardHelpOptions = true, version = "aibridge 0.1.0",
        description = "Manage AI Bridge.")
public class AibridgeCommand implements Runnable {

    /** Exit code for a usage error: bad flags or values, rejected before any request. */
    public static final int USAGE_ERROR = 1;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The command line with AI Bridge's exit-code conventions. */
    public static CommandLine commandLine() {
        return new CommandLine(new AibridgeCommand())
                .setParameterExceptionHandler((ex, args) -> {
                    ex.getCommandLine().getErr().println(ex.getMessage());
                    return USAGE_ERROR;
                });
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}

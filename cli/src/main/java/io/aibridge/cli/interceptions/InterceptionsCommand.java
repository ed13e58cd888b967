package io.aibridge.cli.interceptions;

import io.aibridge.cli.GroupCommand;
import picocli.CommandLine.Command;

/** {@code aibridge interceptions}: list and export. */
@Command(name = "interceptions",
        description = "Manage AI Bridge interceptions.",
        subcommands = {InterceptionsListCommand.class, InterceptionsExportCommand.class})
public class InterceptionsCommand extends GroupCommand {
}

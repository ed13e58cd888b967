package io.aibridge.cli.sessions;

import io.aibridge.cli.GroupCommand;
import picocli.CommandLine.Command;

/** {@code aibridge sessions}: list and show. */
@Command(name = "sessions",
        description = "Browse AI Bridge sessions: an agent's conversation, with its threads, prompts, tool calls and tokens.",
        subcommands = {SessionsListCommand.class, SessionsShowCommand.class})
public class SessionsCommand extends GroupCommand {
}

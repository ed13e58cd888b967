package io.aibridge.cli.admin;

import io.aibridge.cli.GroupCommand;
import picocli.CommandLine.Command;

/** {@code aibridge users}: user administration (owners). */
@Command(name = "users",
        description = {"Manage AI Bridge users (owners only; anyone may 'show me').",
                "",
                "Roles: owner (reads everything, manages users and keys), auditor (reads everything),"
                        + " member (reads their own records). Status: active or suspended (a suspended user's keys stop working)."},
        subcommands = {UsersListCommand.class, UsersShowCommand.class, UsersCreateCommand.class, UsersUpdateCommand.class})
public class UsersCommand extends GroupCommand {

    static final String PATH = "/api/v2/users";

    /** The roles, as the API spells them. */
    enum Role { owner, auditor, member }

    /** The statuses, as the API spells them. */
    enum Status { active, suspended }
}

package io.aibridge.cli.admin;

import io.aibridge.cli.GroupCommand;
import io.aibridge.cli.http.Params;
import picocli.CommandLine.Command;

/** {@code aibridge keys}: API key administration (owners). */
@Command(name = "keys",
        description = {"Manage AI Bridge API keys (owners only).",
                "",
                "A key (aib_<id>_<secret>) authenticates its user at the proxy and the API. Only a hash of its secret is"
                        + " stored: the whole key is shown once, when it is created."},
        subcommands = {KeysCreateCommand.class, KeysListCommand.class, KeysRevokeCommand.class})
public class KeysCommand extends GroupCommand {

    static String path(String user) {
        return UsersCommand.PATH + "/" + Params.segment(user) + "/keys";
    }
}

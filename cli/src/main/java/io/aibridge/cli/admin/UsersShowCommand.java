package io.aibridge.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.ApiCommand;
import io.aibridge.cli.http.Params;
import io.aibridge.cli.options.Checks;
import io.aibridge.cli.options.OutputOptions.TextOrJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code aibridge users show USER}. */
@Command(name = "show",
        description = "Show a user. 'aibridge users show me' works for every role: it shows who the token belongs to.")
public class UsersShowCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "USER", description = "User ID, username or \"me\".")
    String user;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json. Default: ${DEFAULT-VALUE}.")
    TextOrJson output;

    @Override
    protected void execute() {
        String who = Checks.required("USER", user);
        JsonNode u = client().get(UsersCommand.PATH + "/" + Params.segment(who), Params.of());
        if (output == TextOrJson.json) {
            printJson(u);
        } else {
            UserText.user(out(), u);
        }
    }
}

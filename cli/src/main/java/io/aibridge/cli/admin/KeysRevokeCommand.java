package io.aibridge.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.ApiCommand;
import io.aibridge.cli.http.Params;
import io.aibridge.cli.options.Checks;
import io.aibridge.cli.options.OutputOptions.TextOrJson;
import io.aibridge.cli.text.Format;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code aibridge keys revoke USER KEY_ID}. */
@Command(name = "revoke",
        description = {"Revoke an API key: the proxy and the API reject it within seconds. Revoking it again changes nothing.",
                "Revoking the key 'bootstrap' of admin disables the bootstrap token."})
public class KeysRevokeCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "USER", description = "User ID, username or \"me\".")
    String user;

    @Parameters(index = "1", paramLabel = "KEY_ID", description = "The key's id (the part after aib_, from 'aibridge keys list').")
    String keyId;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json. Default: ${DEFAULT-VALUE}.")
    TextOrJson output;

    @Override
    protected void execute() {
        String who = Checks.required("USER", user);
        String id = Checks.required("KEY_ID", keyId);
        JsonNode key = client().send("DELETE", KeysCommand.path(who) + "/" + Params.segment(id), null);
        if (output == TextOrJson.json) {
            printJson(key);
        } else {
            out().println("Revoked API key " + Format.text(key, "id") + " of " + who + " at " + Format.time(key.get("revoked_at")) + ".");
        }
    }
}

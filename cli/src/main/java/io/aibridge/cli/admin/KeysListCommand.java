package io.aibridge.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.ApiCommand;
import io.aibridge.cli.http.Params;
import io.aibridge.cli.options.Checks;
import io.aibridge.cli.options.OutputOptions.TableOrJson;
import io.aibridge.cli.text.Format;
import io.aibridge.cli.text.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code aibridge keys list USER}. */
@Command(name = "list", description = "List a user's API keys, newest first (never their secrets).")
public class KeysListCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "USER", description = "User ID, username or \"me\".")
    String user;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "table", description = "table or json. Default: ${DEFAULT-VALUE}.")
    TableOrJson output;

    @Override
    protected void execute() {
        String who = Checks.required("USER", user);
        JsonNode list = client().get(KeysCommand.path(who), Params.of());
        if (output == TableOrJson.json) {
            printJson(list);
            return;
        }
        JsonNode keys = list.path("keys");
        if (keys.isEmpty()) {
            out().println(who + " has no API keys.");
            return;
        }
        Table table = new Table().column("ID").column("NAME").column("STATUS").column("CREATED").column("EXPIRES").column("REVOKED");
        for (JsonNode k : keys) {
            table.row(Format.text(k, "id"), Format.text(k, "name"), Format.text(k, "status"), Format.time(k.get("created_at")),
                    k.hasNonNull("expires_at") ? Format.time(k.get("expires_at")) : "never", Format.time(k.get("revoked_at")));
        }
        table.print(out(), Integer.MAX_VALUE);
    }
}

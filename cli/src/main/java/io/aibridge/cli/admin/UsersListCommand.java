package io.aibridge.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.ApiCommand;
import io.aibridge.cli.http.Params;
import io.aibridge.cli.options.OutputOptions.TableOrJson;
import io.aibridge.cli.text.Format;
import io.aibridge.cli.text.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code aibridge users list}. */
@Command(name = "list", description = "List every user, by username.")
public class UsersListCommand extends ApiCommand {

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "table", description = "table or json. Default: ${DEFAULT-VALUE}.")
    TableOrJson output;

    @Override
    protected void execute() {
        JsonNode list = client().get(UsersCommand.PATH, Params.of());
        if (output == TableOrJson.json) {
            printJson(list);
            return;
        }
        Table table = new Table().column("USERNAME").column("NAME").column("EMAIL").column("ROLE").column("STATUS")
                .column("ID").column("CREATED");
        for (JsonNode u : list.path("users")) {
            table.row(Format.text(u, "username"), Format.text(u, "name"), Format.text(u, "email"), Format.text(u, "role"),
                    Format.text(u, "status"), Format.text(u, "id"), Format.time(u.get("created_at")));
        }
        table.print(out(), Integer.MAX_VALUE);
    }
}

package io.aibridge.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.cli.ApiCommand;
import io.aibridge.cli.CliException;
import io.aibridge.cli.http.Params;
import io.aibridge.cli.json.Json;
import io.aibridge.cli.options.Checks;
import io.aibridge.cli.options.OutputOptions.TextOrJson;
import io.aibridge.cli.text.Format;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code aibridge users update USER}: changes only the fields given. */
@Command(name = "update", sortOptions = false,
        description = {"Change a user's role, status, name, email, avatar or username; the other fields keep their value.",
                "Suspending a user stops all their keys at once. The last active owner cannot be demoted or suspended."},
        footerHeading = "%nExamples:%n",
        footer = {"  aibridge users update alice --role auditor", "  aibridge users update bob --status suspended",
                "  aibridge users update alice --email \"\"     (clears the email)"})
public class UsersUpdateCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "USER", description = "User ID or username.")
    String user;

    @Option(names = "--role", paramLabel = "ROLE", order = 1, description = "owner, auditor or member.")
    UsersCommand.Role role;

    @Option(names = "--status", paramLabel = "STATUS", order = 2, description = "active or suspended.")
    UsersCommand.Status status;

    @Option(names = "--name", paramLabel = "NAME", order = 3, description = "Display name.")
    String name;

    @Option(names = "--email", paramLabel = "EMAIL", order = 4, description = "Email address; \"\" clears it.")
    String email;

    @Option(names = "--avatar-url", paramLabel = "URL", order = 5, description = "http(s) URL of an avatar image.")
    String avatarUrl;

    @Option(names = "--username", paramLabel = "USERNAME", order = 6, description = "A new username.")
    String username;

    @Option(names = "--output", paramLabel = "FORMAT", order = 7, defaultValue = "text", description = "text or json. Default: ${DEFAULT-VALUE}.")
    TextOrJson output;

    @Override
    protected void execute() {
        String who = Checks.required("USER", user);
        ObjectNode body = Json.object();
        if (username != null) {
            body.put("username", Checks.username("--username", username));
        }
        UsersCreateCommand.putText(body, "name", "--name", name);
        if (email != null) {
            if (email.isBlank()) {
                body.putNull("email");
            } else {
                body.put("email", Checks.text("--email", email));
            }
        }
        UsersCreateCommand.putText(body, "avatar_url", "--avatar-url", avatarUrl);
        if (role != null) {
            body.put("role", role.name());
        }
        if (status != null) {
            body.put("status", status.name());
        }
        if (body.isEmpty()) {
            throw CliException.usage("nothing to update: give at least one of --role, --status, --name, --email, --avatar-url, --username");
        }
        JsonNode updated = client().send("PATCH", UsersCommand.PATH + "/" + Params.segment(who), body);
        if (output == TextOrJson.json) {
            printJson(updated);
        } else {
            out().println("Updated user " + Format.oneLine(Format.text(updated, "username")) + ".");
            UserText.user(out(), updated);
        }
    }
}

package io.aibridge.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.cli.ApiCommand;
import io.aibridge.cli.json.Json;
import io.aibridge.cli.options.Checks;
import io.aibridge.cli.options.OutputOptions.TextOrJson;
import io.aibridge.cli.text.Format;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code aibridge users create USERNAME}. */
@Command(name = "create", sortOptions = false,
        description = "Create a user. They can use AI Bridge once they have an API key ('aibridge keys create').",
        footerHeading = "%nExample:%n",
        footer = "  aibridge users create alice --name \"Alice Smith\" --email alice@example.com --role member")
public class UsersCreateCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "USERNAME",
            description = "1 to 64 letters, digits, '.', '_' or '-', starting and ending with a letter or digit; unique.")
    String username;

    @Option(names = "--name", paramLabel = "NAME", order = 1, description = "Display name.")
    String name;

    @Option(names = "--email", paramLabel = "EMAIL", order = 2, description = "Email address.")
    String email;

    @Option(names = "--avatar-url", paramLabel = "URL", order = 3, description = "http(s) URL of an avatar image.")
    String avatarUrl;

    @Option(names = "--role", paramLabel = "ROLE", order = 4, defaultValue = "member",
            description = "owner, auditor or member. Default: ${DEFAULT-VALUE}.")
    UsersCommand.Role role;

    @Option(names = "--status", paramLabel = "STATUS", order = 5, defaultValue = "active",
            description = "active or suspended. Default: ${DEFAULT-VALUE}.")
    UsersCommand.Status status;

    @Option(names = "--output", paramLabel = "FORMAT", order = 6, defaultValue = "text", description = "text or json. Default: ${DEFAULT-VALUE}.")
    TextOrJson output;

    @Override
    protected void execute() {
        ObjectNode body = Json.object();
        body.put("username", Checks.username("USERNAME", username));
        putText(body, "name", "--name", name);
        putText(body, "email", "--email", email);
        putText(body, "avatar_url", "--avatar-url", avatarUrl);
        body.put("role", role.name());
        body.put("status", status.name());
        JsonNode created = client().send("POST", UsersCommand.PATH, body);
        if (output == TextOrJson.json) {
            printJson(created);
        } else {
            out().println("Created user " + Format.oneLine(Format.text(created, "username")) + ".");
            UserText.user(out(), created);
        }
    }

    static void putText(ObjectNode body, String field, String flag, String value) {
        if (value != null) {
            body.put(field, Checks.text(flag, value));
        }
    }
}

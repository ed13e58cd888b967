package io.aibridge.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.cli.ApiCommand;
import io.aibridge.cli.CliException;
import io.aibridge.cli.ExitCodes;
import io.aibridge.cli.json.Json;
import io.aibridge.cli.options.Checks;
import io.aibridge.cli.options.OutputOptions.TextOrJson;
import io.aibridge.cli.options.Times;
import io.aibridge.cli.text.Format;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;

/**
 * {@code aibridge keys create USER}. The token goes alone on stdout, so {@code KEY=$(aibridge keys
 * create alice)} captures exactly it; what it is and that it is shown once goes to stderr.
 */
@Command(name = "create", sortOptions = false,
        description = {"Create an API key for a user and print it. The key is shown only this once: store it now.",
                "",
                "stdout gets the key alone (so KEY=$(aibridge keys create alice) captures it); the explanation goes to stderr."
                        + " --output json prints the API's answer, key included."},
        footerHeading = "%nExamples:%n",
        footer = {"  aibridge keys create alice --name laptop --expires-in 90d", "  KEY=$(aibridge keys create ci-bot --name ci)"})
public class KeysCreateCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "USER", description = "User ID, username or \"me\".")
    String user;

    @Option(names = "--name", paramLabel = "NAME", order = 1, description = "A label for the key, e.g. the machine it is for.")
    String name;

    @Option(names = "--expires-at", paramLabel = "TIME", order = 2, description = "RFC 3339 time when the key stops working.")
    String expiresAt;

    @Option(names = "--expires-in", paramLabel = "DURATION", order = 3,
            description = "The key stops working after this long, e.g. 90d, 12h, 2w. Default: never.")
    String expiresIn;

    @Option(names = "--output", paramLabel = "FORMAT", order = 4, defaultValue = "text", description = "text or json. Default: ${DEFAULT-VALUE}.")
    TextOrJson output;

    @Override
    protected void execute() {
        String who = Checks.required("USER", user);
        if (expiresAt != null && expiresIn != null) {
            throw CliException.usage("--expires-at and --expires-in exclude each other");
        }
        ObjectNode body = Json.object();
        if (name != null) {
            body.put("name", Checks.text("--name", name));
        }
        if (expiresAt != null) {
            OffsetDateTime at = Times.parse("--expires-at", expiresAt);
            if (!at.toInstant().isAfter(Instant.now())) {
                throw CliException.usage("--expires-at must be in the future");
            }
            body.put("expires_at", Times.rfc3339Nano(at));
        }
        if (expiresIn != null) {
            Instant at = Instant.now().plus(Times.duration("--expires-in", expiresIn)).truncatedTo(ChronoUnit.SECONDS);
            if (at.isAfter(Times.LATEST)) {
                throw CliException.usage("--expires-in \"" + expiresIn + "\" ends after " + Times.format(Times.LATEST)
                        + ", the latest time the API takes (RFC 3339 years have four digits)");
            }
            body.put("expires_at", Times.format(at));
        }
        JsonNode key = client().send("POST", KeysCommand.path(who), body);
        if (output == TextOrJson.json) {
            printJson(key);
            return;
        }
        String token = key.path("token").asText("");
        if (token.isEmpty()) {
            throw new CliException(ExitCodes.SERVER_ERROR, "The server created key " + Format.text(key, "id") + " but sent no token");
        }
        PrintWriter err = io().err();
        err.println("Created API key " + Format.text(key, "id") + " for " + who
                + (Format.text(key, "name").isEmpty() ? "" : " (\"" + Format.text(key, "name") + "\")") + ", "
                + (key.hasNonNull("expires_at") ? "expires " + Format.time(key.get("expires_at")) : "never expires") + ".");
        err.println("This is the only time the key is shown; store it now:");
        err.flush();
        out().println(token);
    }
}

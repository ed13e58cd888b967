package io.aibridge.cli.interceptions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import io.aibridge.cli.ApiCommand;
import io.aibridge.cli.http.Params;
import io.aibridge.cli.options.Checks;
import io.aibridge.cli.options.FilterOptions;
import io.aibridge.cli.options.Filters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code aibridge interceptions list}: the reference's {@code coder aibridge interceptions list},
 * flag for flag (plus {@code --client}). It prints only the {@code results} array, indented by two
 * spaces, so scripts written for the reference keep working.
 */
@Command(name = "list", sortOptions = false,
        description = {"List AI Bridge interceptions as JSON.",
                "",
                "Prints one page (newest first) as a JSON array. For the next page pass the last id as --after-id;"
                        + " to fetch everything use 'aibridge interceptions export'."})
public class InterceptionsListCommand extends ApiCommand {

    static final String PATH = "/api/v2/aibridge/interceptions";
    static final int MAX_LIMIT = 1000;

    @Mixin
    FilterOptions filters;

    @Option(names = "--after-id", paramLabel = "ID", order = 20,
            description = "The ID of the last result on the previous page to use as a pagination cursor.")
    String afterId;

    @Option(names = "--limit", paramLabel = "N", order = 21, defaultValue = "100",
            description = "The limit of results to return. Must be between 1 and " + MAX_LIMIT + ". Default: ${DEFAULT-VALUE}.")
    int limit;

    @Override
    protected void execute() {
        Filters f = filters.validate();
        String after = afterId == null || afterId.isEmpty() ? null : Checks.uuid("--after-id", afterId);
        Checks.range("limit value must be between 1 and " + MAX_LIMIT, limit, 1, MAX_LIMIT);
        JsonNode page = client().get(PATH, Params.of().add("q", f.q()).add("limit", limit).add("after_id", after));
        JsonNode results = page.get("results");
        printJson(results == null ? NullNode.getInstance() : results);
    }
}

package io.aibridge.cli.usage;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.ApiCommand;
import io.aibridge.cli.http.Params;
import io.aibridge.cli.options.Checks;
import io.aibridge.cli.options.FilterOptions;
import io.aibridge.cli.options.Filters;
import io.aibridge.cli.options.OutputOptions.TableOrJson;
import io.aibridge.cli.text.Format;
import io.aibridge.cli.text.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.Locale;

/** {@code aibridge usage}: token and request totals per user, model, client or provider, as a leaderboard. */
@Command(name = "usage", sortOptions = false,
        description = {"Show AI Bridge usage per user, model, client or provider: a leaderboard.",
                "",
                "Totals of the ended interceptions in the time range: input (uncached), output, cache read and cache write"
                        + " tokens, interceptions and sessions, largest first. Give a time range: an unbounded one reads"
                        + " every interception kept."},
        footerHeading = "%nExample:%n",
        footer = {"  aibridge usage --by model --started-after 2026-04-01T00:00:00Z \\",
                "      --started-before 2026-04-08T00:00:00Z"})
public class UsageCommand extends ApiCommand {

    static final String PATH = "/api/v2/aibridge/usage";

    /** What the rows are. (Lower-case: they are the flag's values.) */
    enum GroupBy { user, model, client, provider }

    /** The column the rows are sorted by, descending. */
    enum OrderBy { total_tokens, input_tokens, output_tokens, cache_read_input_tokens, cache_write_input_tokens, interceptions, sessions }

    @Option(names = "--by", paramLabel = "GROUP", order = 1, defaultValue = "user",
            description = "user, model, client or provider. Default: ${DEFAULT-VALUE}.")
    GroupBy by;

    @Option(names = "--order-by", paramLabel = "FIELD", order = 2, defaultValue = "total_tokens",
            description = "Sort by total_tokens, input_tokens, output_tokens, cache_read_input_tokens, cache_write_input_tokens,"
                    + " interceptions or sessions (largest first). Default: ${DEFAULT-VALUE}.")
    OrderBy orderBy;

    @Mixin
    FilterOptions filters;

    @Option(names = "--limit", paramLabel = "N", order = 20, defaultValue = "100",
            description = "At most this many rows, 1 to 1000 (the totals cover all). Default: ${DEFAULT-VALUE}.")
    int limit;

    @Option(names = "--output", paramLabel = "FORMAT", order = 21, defaultValue = "table",
            description = "table or json. Default: ${DEFAULT-VALUE}.")
    TableOrJson output;

    @Override
    protected void execute() {
        Filters f = filters.validate();
        Checks.range("limit value must be between 1 and 1000", limit, 1, 1000);
        JsonNode report = client().get(PATH, Params.of().add("group_by", by.name()).add("order_by", orderBy.name())
                .add("q", f.q()).add("limit", limit));
        if (output == TableOrJson.json) {
            printJson(report);
            return;
        }
        print(report, out());
    }

    private void print(JsonNode report, PrintWriter out) {
        boolean bounded = report.hasNonNull("started_after") || report.hasNonNull("started_before");
        String from = report.hasNonNull("started_after") ? Format.time(report.get("started_after")) : "the beginning";
        String to = report.hasNonNull("started_before") ? Format.time(report.get("started_before")) : "now";
        String range = bounded ? from + " to " + to : "all time";
        long count = report.path("count").asLong();
        out.println("Usage by " + by + ", " + range + ", largest " + orderBy.name().replace('_', ' ') + " first ("
                + Format.number(count) + (count == 1 ? " " + by : " " + plural(by)) + ")");
        out.println();
        JsonNode groups = report.path("groups");
        if (groups.isEmpty()) {
            out.println("No usage in this range.");
            return;
        }
        JsonNode totals = report.path("totals");
        long all = totals.path("total_tokens").asLong();
        Table table = new Table().number("#").column(by.name().toUpperCase(Locale.ROOT)).number("TOTAL TOKENS").number("SHARE")
                .number("INPUT").number("OUTPUT").number("CACHE READ").number("CACHE WRITE").number("INTERCEPTIONS").number("SESSIONS");
        int rank = 0;
        for (JsonNode g : groups) {
            long total = g.path("total_tokens").asLong();
            table.row(String.valueOf(++rank), label(g), Format.number(total), share(total, all),
                    Format.number(g, "input_tokens"), Format.number(g, "output_tokens"), Format.number(g, "cache_read_input_tokens"),
                    Format.number(g, "cache_write_input_tokens"), Format.number(g, "interceptions"), Format.number(g, "sessions"));
        }
        table.row("", "total", Format.number(all), all > 0 ? "100.0%" : "", Format.number(totals, "input_tokens"),
                Format.number(totals, "output_tokens"), Format.number(totals, "cache_read_input_tokens"),
                Format.number(totals, "cache_write_input_tokens"), Format.number(totals, "interceptions"), Format.number(totals, "sessions"));
        table.print(out, Integer.MAX_VALUE);
        if (groups.size() < count) {
            out.println();
            out.println("Top " + groups.size() + " of " + Format.number(count) + "; --limit shows more.");
        }
    }

    private String label(JsonNode group) {
        if (by == GroupBy.user && group.has("user")) {
            String username = Format.text(group.path("user"), "username");
            if (!username.isEmpty()) {
                return username;
            }
        }
        return Format.text(group, "key");
    }

    private static String share(long part, long all) {
        return all <= 0 ? "" : String.format(Locale.ROOT, "%.1f%%", 100.0 * part / all);
    }

    private static String plural(GroupBy by) {
        return by == GroupBy.user ? "users" : by + "s";
    }
}

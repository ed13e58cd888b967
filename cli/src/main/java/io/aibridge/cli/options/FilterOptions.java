package io.aibridge.cli.options;

import io.aibridge.cli.CliException;
import io.aibridge.cli.text.Shell;
import picocli.CommandLine.Option;

import java.time.OffsetDateTime;

/** The search filters every list shares: {@code --initiator}, the time range, provider, model, client. */
public final class FilterOptions {

    @Option(names = "--initiator", paramLabel = "USER", order = 10,
            description = "Only return interceptions initiated by this user. Accepts a user ID, username, or \"me\".")
    String initiator;

    @Option(names = "--started-after", paramLabel = "TIME", order = 11,
            description = "Only return interceptions started after this time. Must be before '--started-before' if set."
                    + " Accepts a time in the RFC 3339 format, e.g. \"" + Times.EXAMPLE + "\".")
    String startedAfter;

    @Option(names = "--started-before", paramLabel = "TIME", order = 12,
            description = "Only return interceptions started before this time. Must be after '--started-after' if set."
                    + " Accepts a time in the RFC 3339 format, e.g. \"" + Times.EXAMPLE + "\".")
    String startedBefore;

    @Option(names = "--provider", paramLabel = "TYPE", order = 13,
            description = "Only return interceptions from this provider (anthropic, openai, copilot).")
    String provider;

    @Option(names = "--model", paramLabel = "MODEL", order = 14, description = "Only return interceptions from this model.")
    String model;

    @Option(names = "--client", paramLabel = "CLIENT", order = 15,
            description = "Only return interceptions from this client, e.g. \"Claude Code\", \"Codex\" or \"Unknown\".")
    String client;

    /** The filters, checked: times are RFC 3339 and in order, values are printable. */
    public Filters validate() {
        OffsetDateTime after = startedAfter == null || startedAfter.isEmpty() ? null : Times.parse("--started-after", startedAfter);
        OffsetDateTime before = startedBefore == null || startedBefore.isEmpty() ? null : Times.parse("--started-before", startedBefore);
        if (after != null && before != null && !before.isAfter(after)) {
            throw CliException.usage("--started-before must be after --started-after");
        }
        return new Filters(Checks.text("--initiator", initiator), after, before, Checks.text("--provider", provider),
                Checks.text("--model", model), Checks.text("--client", client));
    }

    /** The filters as given, added to {@code command} (for a next-page hint that repeats the query). */
    public Shell appendTo(Shell command) {
        return command.option("--initiator", initiator).option("--started-after", startedAfter)
                .option("--started-before", startedBefore).option("--provider", provider).option("--model", model)
                .option("--client", client);
    }
}

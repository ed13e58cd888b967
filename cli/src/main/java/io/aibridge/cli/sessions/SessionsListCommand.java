package io.aibridge.cli.sessions;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.ApiCommand;
import io.aibridge.cli.CliException;
import io.aibridge.cli.http.Params;
import io.aibridge.cli.options.Checks;
import io.aibridge.cli.options.FilterOptions;
import io.aibridge.cli.options.Filters;
import io.aibridge.cli.options.OutputOptions.TableOrJson;
import io.aibridge.cli.text.Format;
import io.aibridge.cli.text.Shell;
import io.aibridge.cli.text.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

/** {@code aibridge sessions list}: one page of sessions, most recently active first. */
@Command(name = "list", sortOptions = false,
        description = {"List AI Bridge sessions, most recently active first.",
                "",
                "A session is the interceptions of one agent conversation of one user. The filters select interceptions:"
                        + " a session is listed when one of its interceptions matches them all. --output json prints the"
                        + " API's page ({count, sessions})."})
public class SessionsListCommand extends ApiCommand {

    static final String PATH = "/api/v2/aibridge/sessions";
    static final int DEFAULT_LIMIT = 100;

    @Mixin
    FilterOptions filters;

    @Option(names = "--session-id", paramLabel = "ID", order = 16, description = "Only this session.")
    String sessionId;

    @Option(names = "--after-session-id", paramLabel = "ID", order = 20,
            description = "The ID of the last session on the previous page to use as a pagination cursor.")
    String afterSessionId;

    @Option(names = "--after-initiator-id", paramLabel = "ID", order = 21,
            description = "With --after-session-id: the initiator.id of that session, needed when several users share the"
                    + " session ID. The \"Next page:\" line prints both.")
    String afterInitiatorId;

    @Option(names = "--offset", paramLabel = "N", order = 22,
            description = "Skip this many sessions (not with --after-session-id or --after-initiator-id).")
    Integer offset;

    @Option(names = "--limit", paramLabel = "N", order = 23, defaultValue = "" + DEFAULT_LIMIT,
            description = "The limit of sessions to return. Must be between 1 and 1000. Default: ${DEFAULT-VALUE}.")
    int limit;

    @Option(names = "--output", paramLabel = "FORMAT", order = 24, defaultValue = "table",
            description = "table or json. Default: ${DEFAULT-VALUE}.")
    TableOrJson output;

    @Override
    protected void execute() {
        Filters f = filters.validate();
        String session = Checks.text("--session-id", sessionId);
        String after = Checks.text("--after-session-id", afterSessionId);
        Checks.range("limit value must be between 1 and 1000", limit, 1, 1000);
        if (offset != null && offset < 0) {
            throw CliException.usage("--offset must not be negative");
        }
        if (offset != null && after != null && !after.isEmpty()) {
            throw CliException.usage("--offset and --after-session-id exclude each other");
        }
        String afterInitiator = afterInitiatorId == null || afterInitiatorId.isEmpty() ? null
                : Checks.uuid("--after-initiator-id", afterInitiatorId);
        if (afterInitiator != null && offset != null) {
            throw CliException.usage("--offset and --after-initiator-id exclude each other");
        }
        if (afterInitiator != null && (after == null || after.isEmpty())) {
            throw CliException.usage("--after-initiator-id needs --after-session-id");
        }
        String q = f.q();
        if (session != null && !session.isEmpty()) {
            q = (q.isEmpty() ? "" : q + " ") + "session_id:" + Filters.quote(session);
        }
        JsonNode page = client().get(PATH, Params.of().add("q", q).add("limit", limit).add("offset", offset)
                .add("after_session_id", after).add("after_initiator_id", afterInitiator));
        if (output == TableOrJson.json) {
            printJson(page);
            return;
        }
        print(page, out());
    }

    private void print(JsonNode page, PrintWriter out) {
        JsonNode sessions = page.path("sessions");
        long count = page.path("count").asLong();
        if (sessions.isEmpty()) {
            out.println(count == 0 ? "No sessions match." : "No more sessions (" + Format.number(count) + " match).");
            return;
        }
        Table table = new Table().column("LAST ACTIVE").column("SESSION").column("USER").column("CLIENT").column("MODELS")
                .number("THREADS").number("INPUT").number("OUTPUT").number("CACHE READ").number("CACHE WRITE").elastic("LAST PROMPT");
        for (JsonNode s : sessions) {
            JsonNode tokens = s.path("token_usage_summary");
            table.row(Format.time(s.get("last_active_at")), Format.text(s, "id"), user(s.path("initiator")),
                    Format.text(s, "client").isEmpty() ? "Unknown" : Format.text(s, "client"), Format.list(s.path("models")),
                    Format.number(s, "threads"),
                    Format.number(tokens, "input_tokens"), Format.number(tokens, "output_tokens"),
                    Format.number(tokens, "cache_read_input_tokens"), Format.number(tokens, "cache_write_input_tokens"),
                    Format.text(s, "last_prompt"));
        }
        table.print(out, io().stdoutTerminal() ? io().columns() : 200);
        int shown = sessions.size();
        JsonNode last = sessions.get(shown - 1);
        String more = shown == limit ? " Next page: " + nextPage(last) : "";
        out.println();
        out.println(Format.number(shown) + " of " + Format.number(count) + " sessions." + more);
    }

    /**
     * The command for the page after {@code last}: this listing's filters and limit, and the cursor,
     * which is the session and its initiator (several users can share a session id, and the id alone
     * is then no cursor). Values are shell-quoted, so the line can be pasted back as it is.
     */
    private String nextPage(JsonNode last) {
        Shell command = filters.appendTo(Shell.command("aibridge", "sessions", "list")).option("--session-id", sessionId);
        if (limit != DEFAULT_LIMIT) {
            command.option("--limit", String.valueOf(limit));
        }
        return command.option("--after-session-id", last.path("id").asText())
                .option("--after-initiator-id", last.path("initiator").path("id").asText()).toString();
    }

    static String user(JsonNode initiator) {
        String username = Format.text(initiator, "username");
        return username.isEmpty() ? Format.text(initiator, "id") : username;
    }
}

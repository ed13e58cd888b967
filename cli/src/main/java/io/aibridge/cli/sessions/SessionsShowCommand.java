package io.aibridge.cli.sessions;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.ApiCommand;
import io.aibridge.cli.CliException;
import io.aibridge.cli.http.Params;
import io.aibridge.cli.options.Checks;
import io.aibridge.cli.options.OutputOptions.TextOrJson;
import io.aibridge.cli.text.Format;
import io.aibridge.cli.text.Shell;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** {@code aibridge sessions show ID}: a session's threads, prompts, tool calls and tokens, readable in a terminal. */
@Command(name = "show", sortOptions = false,
        description = {"Show one AI Bridge session: its threads, prompts, thinking, tool calls and tokens.",
                "",
                "A thread is one prompt and the agentic loop that followed it; threads come oldest first, one page at a time."})
public class SessionsShowCommand extends ApiCommand {

    private static final int PROMPT_CHARS = 2000;
    private static final int INPUT_CHARS = 300;
    private static final int DEFAULT_LIMIT = 50;

    @Parameters(index = "0", paramLabel = "ID", description = "The session id (from 'aibridge sessions list').")
    String id;

    @Option(names = "--after-id", paramLabel = "THREAD", order = 20, description = "Show the threads after this thread id.")
    String afterId;

    @Option(names = "--before-id", paramLabel = "THREAD", order = 21, description = "Show the threads before this thread id.")
    String beforeId;

    @Option(names = "--limit", paramLabel = "N", order = 22, defaultValue = "" + DEFAULT_LIMIT,
            description = "Threads per page, 1 to 200. Default: ${DEFAULT-VALUE}.")
    int limit;

    @Option(names = "--output", paramLabel = "FORMAT", order = 23, defaultValue = "text",
            description = "text or json. Default: ${DEFAULT-VALUE}.")
    TextOrJson output;

    @Override
    protected void execute() {
        String session = Checks.required("session ID", id);
        String after = afterId == null || afterId.isEmpty() ? null : Checks.uuid("--after-id", afterId);
        String before = beforeId == null || beforeId.isEmpty() ? null : Checks.uuid("--before-id", beforeId);
        if (after != null && before != null) {
            throw CliException.usage("--after-id and --before-id exclude each other");
        }
        Checks.range("limit value must be between 1 and 200", limit, 1, 200);
        JsonNode detail = client().get(SessionsListCommand.PATH + "/" + Params.segment(session),
                Params.of().add("after_id", after).add("before_id", before).add("limit", limit));
        if (output == TextOrJson.json) {
            printJson(detail);
            return;
        }
        print(detail, out());
    }

    private void print(JsonNode s, PrintWriter out) {
        JsonNode initiator = s.path("initiator");
        String name = Format.text(initiator, "name");
        label(out, "Session", Format.text(s, "id"));
        label(out, "User", SessionsListCommand.user(initiator) + (name.isEmpty() ? "" : " (" + name + ")") + "  " + Format.text(initiator, "id"));
        label(out, "Client", Format.text(s, "client").isEmpty() ? "Unknown" : Format.text(s, "client"));
        label(out, "Models", Format.list(s.path("models")) + "  (" + Format.list(s.path("providers")) + ")");
        label(out, "Time", span(s));
        label(out, "Tokens", tokens(s.path("token_usage_summary")));
        JsonNode threads = s.path("threads");
        if (threads.isEmpty()) {
            out.println();
            out.println(afterId != null || beforeId != null ? "No more threads." : "No threads.");
            return;
        }
        for (JsonNode t : threads) {
            out.println();
            out.println(Format.flat("Thread " + Format.text(t, "id") + "  " + span(t) + "  " + Format.text(t, "model") + " ("
                    + Format.text(t, "provider") + ", " + Format.text(t, "credential_kind")
                    + (Format.text(t, "credential_hint").isEmpty() ? "" : " " + Format.text(t, "credential_hint")) + ")"));
            if (t.hasNonNull("prompt")) {
                block(out, "  Prompt  ", prompt(Format.text(t, "prompt")));
            } else {
                out.println("  Prompt  (none recorded)");
            }
            out.println("  Tokens  " + tokens(t.path("token_usage")));
            int step = 0;
            for (JsonNode action : t.path("agentic_actions")) {
                step++;
                out.println(Format.flat("  Step " + step + "  " + Format.text(action, "model") + "  "
                        + tokens(action.path("token_usage"))));
                for (JsonNode thought : action.path("thinking")) {
                    block(out, "    thinking  ", Format.truncate(Format.text(thought, "text"), PROMPT_CHARS));
                }
                for (JsonNode call : action.path("tool_calls")) {
                    out.println("    tool      " + Format.flat(tool(call)));
                }
            }
        }
        if (threads.size() == limit) {
            out.println();
            out.println("More threads: " + nextPage(s.path("id").asText(), threads));
        }
    }

    /**
     * The command for the next page the same way: a page before a thread holds the threads just
     * before it, oldest first, so the next one is before its first thread; any other page goes on
     * after its last thread. The limit is repeated and the session id shell-quoted.
     */
    private String nextPage(String session, JsonNode threads) {
        boolean backwards = beforeId != null && !beforeId.isEmpty();
        Shell command = Shell.command("aibridge", "sessions", "show").operand(session);
        if (backwards) {
            command.option("--before-id", threads.get(0).path("id").asText());
        } else {
            command.option("--after-id", threads.get(threads.size() - 1).path("id").asText());
        }
        if (limit != DEFAULT_LIMIT) {
            command.option("--limit", String.valueOf(limit));
        }
        return command.toString();
    }

    private static String tool(JsonNode call) {
        StringBuilder s = new StringBuilder(Format.text(call, "tool"));
        String server = Format.text(call, "server_url");
        if (call.path("injected").asBoolean() || !server.isEmpty()) {
            s.append(" [MCP").append(server.isEmpty() ? "" : " " + server).append(']');
        }
        String input = Format.oneLine(Format.text(call, "input"));
        if (!input.isEmpty()) {
            s.append(' ').append(Format.truncate(input, INPUT_CHARS));
        }
        return s.toString();
    }

    private static String prompt(String text) {
        int length = text.codePointCount(0, text.length());
        if (length <= PROMPT_CHARS) {
            return text;
        }
        return Format.truncate(text, PROMPT_CHARS) + "\n(" + Format.number(length - PROMPT_CHARS + 1)
                + " more characters; --output json shows all)";
    }

    /** {@code input 10  output 5  cache read 0  cache write 0}, plus extra token types. */
    static String tokens(JsonNode usage) {
        List<String> parts = new ArrayList<>(List.of(
                "input " + Format.number(usage.path("input_tokens").asLong()),
                "output " + Format.number(usage.path("output_tokens").asLong()),
                "cache read " + Format.number(usage.path("cache_read_input_tokens").asLong()),
                "cache write " + Format.number(usage.path("cache_write_input_tokens").asLong())));
        for (Iterator<Map.Entry<String, JsonNode>> extra = usage.path("metadata").fields(); extra.hasNext(); ) {
            Map.Entry<String, JsonNode> e = extra.next();
            parts.add(Format.flat(e.getKey().replace('_', ' ')) + " " + Format.number(e.getValue().asLong()));
        }
        return String.join("  ", parts);
    }

    private static String span(JsonNode node) {
        String start = Format.time(node.get("started_at"));
        String end = Format.time(node.get("ended_at"));
        String took = Format.between(node.get("started_at"), node.get("ended_at"));
        return start + (end.isEmpty() ? "" : " to " + end) + (took.isEmpty() ? "" : " (" + took + ")");
    }

    private static void label(PrintWriter out, String label, String value) {
        out.printf("%-8s %s%n", label, Format.flat(value));
    }

    /** The first line after {@code head}, the others indented under it. */
    private static void block(PrintWriter out, String head, String text) {
        String indent = " ".repeat(head.length());
        String[] lines = text.strip().split("\\R", -1);
        for (int i = 0; i < lines.length; i++) {
            out.println((i == 0 ? head : indent) + lines[i].stripTrailing());
        }
    }
}

package io.aibridge.cli.interceptions;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The CSV export: RFC 4180 (comma, {@code "} quoting with {@code ""} inside, CRLF between records,
 * UTF-8), one header record, then one record per interception. The columns are the interception's
 * own fields, flattened, plus sums over its token usages, its prompt and its number of tool calls.
 * {@code id} stays the first column and {@code started_at} the second: resuming reads them back.
 */
final class CsvRows {

    /** One column: its header and how a value is read from an interception. */
    record Column(String name, Function<JsonNode, String> value) {
    }

    static final List<Column> COLUMNS = List.of(
            new Column("id", r -> text(r, "id")),
            new Column("started_at", r -> text(r, "started_at")),
            new Column("ended_at", r -> text(r, "ended_at")),
            new Column("initiator_id", r -> text(r.path("initiator"), "id")),
            new Column("initiator_username", r -> text(r.path("initiator"), "username")),
            new Column("provider", r -> text(r, "provider")),
            new Column("provider_name", r -> text(r, "provider_name")),
            new Column("model", r -> text(r, "model")),
            new Column("client", r -> text(r, "client")),
            new Column("session_id", r -> text(r, "session_id")),
            new Column("thread_root_id", r -> text(r, "thread_root_id")),
            new Column("thread_parent_id", r -> text(r, "thread_parent_id")),
            new Column("api_key_id", r -> text(r, "api_key_id")),
            new Column("credential_kind", r -> text(r, "credential_kind")),
            new Column("credential_hint", r -> text(r, "credential_hint")),
            new Column("streaming", r -> text(r, "streaming")),
            new Column("end_status", r -> text(r, "end_status")),
            new Column("http_status", r -> text(r, "http_status")),
            new Column("duration_ms", r -> text(r, "duration_ms")),
            new Column("time_to_first_byte_ms", r -> text(r, "time_to_first_byte_ms")),
            new Column("error_type", r -> text(r, "error_type")),
            new Column("error_message", r -> text(r, "error_message")),
            new Column("input_tokens", r -> sum(r, "input_tokens")),
            new Column("output_tokens", r -> sum(r, "output_tokens")),
            new Column("cache_read_input_tokens", r -> sum(r, "cache_read_input_tokens")),
            new Column("cache_write_input_tokens", r -> sum(r, "cache_write_input_tokens")),
            new Column("total_tokens", r -> String.valueOf(total(r))),
            new Column("prompt", CsvRows::prompt),
            new Column("tool_calls", r -> String.valueOf(r.path("tool_usages").size())),
            new Column("user_agent", r -> text(r.path("metadata"), "request_user_agent")));

    /** The header record, without its line break. */
    static final String HEADER = String.join(",", COLUMNS.stream().map(Column::name).toList());

    private CsvRows() {
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? "" : value.isValueNode() ? value.asText() : value.toString();
    }

    private static String sum(JsonNode r, String field) {
        return String.valueOf(sumOf(r, field));
    }

    private static long sumOf(JsonNode r, String field) {
        long sum = 0;
        for (JsonNode usage : r.path("token_usages")) {
            sum += usage.path(field).asLong();
        }
        return sum;
    }

    private static long total(JsonNode r) {
        return sumOf(r, "input_tokens") + sumOf(r, "output_tokens") + sumOf(r, "cache_read_input_tokens")
                + sumOf(r, "cache_write_input_tokens");
    }

    /** The interception's user prompt (a request records at most one); several are joined by a blank line. */
    private static String prompt(JsonNode r) {
        List<String> prompts = new ArrayList<>();
        for (JsonNode p : r.path("user_prompts")) {
            prompts.add(p.path("prompt").asText(""));
        }
        return String.join("\n\n", prompts);
    }

    /** Appends one field, quoted when it holds a comma, a quote or a line break. */
    static void field(StringBuilder out, String value) {
        boolean quote = false;
        for (int i = 0; i < value.length() && !quote; i++) {
            char c = value.charAt(i);
            quote = c == ',' || c == '"' || c == '\n' || c == '\r';
        }
        if (!quote) {
            out.append(value);
            return;
        }
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"') {
                out.append('"');
            }
            out.append(c);
        }
        out.append('"');
    }

    /** One record's fields; {@code text} is one whole record without its line break. */
    static List<String> parse(String text) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }

    /** Writes the header and the records. */
    static final class Writer implements RowWriter {

        private final java.io.Writer out;
        private final StringBuilder record = new StringBuilder(1024);

        Writer(OutputStream out) {
            this.out = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 64 * 1024);
        }

        @Override
        public void header() throws IOException {
            out.write(HEADER);
            out.write("\r\n");
        }

        @Override
        public void write(JsonNode interception) throws IOException {
            record.setLength(0);
            for (int i = 0; i < COLUMNS.size(); i++) {
                if (i > 0) {
                    record.append(',');
                }
                field(record, COLUMNS.get(i).value().apply(interception));
            }
            record.append("\r\n");
            out.append(record);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}

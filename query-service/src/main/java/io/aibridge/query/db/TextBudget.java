package io.aibridge.query.db;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The long free texts of one response (prompts, tool inputs, thoughts, error messages) and its
 * metadata objects (of sessions, interceptions and their child rows), bounded so that no page can
 * exhaust the heap: the proxy records prompts of up to 4 Mi characters, tool inputs and thoughts of
 * any length, and provider error messages of up to its 16 MiB event size; a metadata object may be
 * as long as the field cap; and a page holds up to a thousand rows.
 *
 * <p>A repository reads each text's stored size, {@code octet_length(column)}, instead of the text
 * (PostgreSQL takes it from the header of a TOASTed value without decompressing it), makes a
 * {@link Field} of it, {@linkplain #allow allows} the fields in the order the response shows them,
 * and then {@linkplain #load loads} them: {@code left(column, n)}, which PostgreSQL computes from a
 * slice of the stored value, so a whole long text never reaches the JVM.
 *
 * <p>Each field carries at most the field cap. Fields are given up to the cap, in response order,
 * while their stored sizes (bytes: never fewer than the characters) fit in the response budget;
 * from the first one that does not fit, every field is a preview of {@value #PREVIEW_CHARS}
 * characters, paid from a fixed reserve of {@value #PREVIEW_RESERVE_CHARS} characters; once that is
 * spent too, every further field is empty. A response's texts thus never exceed the budget plus the
 * reserve, however many rows and children a page holds. A text that was cut (or emptied) is flagged
 * {@link Field#truncated()}; rows are never dropped.
 */
public final class TextBudget {

    /** Characters of a field once the response budget is spent. */
    public static final int PREVIEW_CHARS = 4096;

    /**
     * Characters of all previews of one response together (256 full previews): beyond it a page of a
     * thousand interceptions with hundreds of tool calls each would still carry gigabytes of previews.
     */
    public static final long PREVIEW_RESERVE_CHARS = 1 << 20;

    /** The JSON text of an empty object or array, or of an empty string ({@code ""}): read as {@code {}}. */
    private static final int EMPTY_JSON_CHARS = 2;

    /** Where a text is stored: its table, its column, and the two key columns that find its row. */
    public enum Source {
        SESSION_LAST_PROMPT("aibridge_sessions", "last_prompt", "session_id", "text", "initiator_id", "uuid"),
        /** Keyed (and partitioned) by (id, started_at). */
        INTERCEPTION_ERROR_MESSAGE("aibridge_interceptions", "error_message", "id", "uuid", "started_at", "timestamptz"),
        USER_PROMPT("aibridge_user_prompts", "prompt"),
        TOOL_INPUT("aibridge_tool_usages", "input"),
        TOOL_INVOCATION_ERROR("aibridge_tool_usages", "invocation_error"),
        MODEL_THOUGHT("aibridge_model_thoughts", "content"),
        /** The jsonb metadata of the rows: JSON text cannot be cut, so each is whole or {@code {}}. */
        SESSION_METADATA("aibridge_sessions", "metadata", true, "session_id", "text", "initiator_id", "uuid"),
        INTERCEPTION_METADATA("aibridge_interceptions", "metadata", true, "id", "uuid", "started_at", "timestamptz"),
        TOKEN_METADATA("aibridge_token_usages", "metadata", true),
        PROMPT_METADATA("aibridge_user_prompts", "metadata", true),
        TOOL_METADATA("aibridge_tool_usages", "metadata", true),
        THOUGHT_METADATA("aibridge_model_thoughts", "metadata", true);

        final String table;
        final String column;
        final boolean json;
        final String key1;
        final String type1;
        final String key2;
        final String type2;

        /** A child table of interceptions: keyed (and partitioned) by (id, interception_started_at). */
        Source(String table, String column) {
            this(table, column, false);
        }

        Source(String table, String column, boolean json) {
            this(table, column, json, "id", "uuid", "interception_started_at", "timestamptz");
        }

        Source(String table, String column, String key1, String type1, String key2, String type2) {
            this(table, column, false, key1, type1, key2, type2);
        }

        Source(String table, String column, boolean json, String key1, String type1, String key2, String type2) {
            this.table = table;
            this.column = column;
            this.json = json;
            this.key1 = key1;
            this.type1 = type1;
            this.key2 = key2;
            this.type2 = type2;
        }
    }

    /** One text of the response: its row, its stored size, and once loaded its (perhaps cut) text. */
    public static final class Field {
        private final Object key1;
        private final Object key2;
        private final long bytes;
        private final boolean json;
        private int allowance = -1;
        private String text;
        private boolean loaded;
        private boolean truncated;

        private Field(Object key1, Object key2, long bytes, boolean json) {
            this.key1 = key1;
            this.key2 = key2;
            this.bytes = bytes;
            this.json = json;
        }

        /** The text, cut to its allowance; null when the column is NULL (or a metadata field left out). */
        public String text() {
            return text;
        }

        /** A metadata field as an object: whole, or empty when it was left out (then {@link #truncated()}). */
        public ObjectNode object() {
            return Rows.parseObject(text);
        }

        /** {@code true} when the text was cut, else null (left out of the JSON). */
        public Boolean truncated() {
            return truncated ? Boolean.TRUE : null;
        }
    }

    private final int fieldChars;
    private final int previewChars;
    private long remaining;
    private long previewsRemaining = PREVIEW_RESERVE_CHARS;
    private boolean spent;
    private final Map<Source, List<Field>> fields = new EnumMap<>(Source.class);

    TextBudget(int fieldChars, long responseChars) {
        this.fieldChars = fieldChars;
        this.previewChars = Math.min(PREVIEW_CHARS, fieldChars);
        this.remaining = responseChars;
    }

    /**
     * A text of an interception or of a child table (keyed by the row's id and its interception's
     * start) of the given stored size.
     */
    public Field field(Source source, UUID id, Instant interceptionStartedAt, long bytes) {
        return add(source, new Field(id, interceptionStartedAt, bytes, source.json));
    }

    /** A session summary's text. */
    public Field field(Source source, String sessionId, UUID initiatorId, long bytes) {
        return add(source, new Field(sessionId, initiatorId, bytes, source.json));
    }

    /** The stored size of a text column read as {@code octet_length(column) AS <name>}; -1 for NULL. */
    public static long bytes(ResultSet rs, String column) throws SQLException {
        long bytes = rs.getLong(column);
        return rs.wasNull() ? -1 : bytes;
    }

    /**
     * Select-list SQL for the size of a jsonb column of a {@linkplain Source#json metadata} source: the
     * characters of its JSON text, computed by PostgreSQL (read it with {@link #bytes}). The text itself
     * is loaded later, and only when it is given whole.
     */
    public static String jsonChars(String column, String alias) {
        return "char_length(" + column + "::text) AS " + alias;
    }

    private Field add(Source source, Field field) {
        fields.computeIfAbsent(source, k -> new ArrayList<>()).add(field);
        return field;
    }

    /** Decides the field's allowance; call it for every field in the order the response shows them. */
    public void allow(Field field) {
        if (field.bytes < 0 || field.allowance >= 0) {
            return;
        }
        if (field.json) {
            allowJson(field);
            return;
        }
        long cost = Math.min(field.bytes, fieldChars);
        if (!spent && cost <= remaining) {
            remaining -= cost;
            field.allowance = fieldChars;
            return;
        }
        spent = true;
        // a preview from the reserve, charged its stored size when shorter (bytes: never fewer than
        // the characters it will carry); 0 once the reserve is spent
        field.allowance = (int) Math.min(previewChars, previewsRemaining);
        previewsRemaining -= Math.min(field.allowance, field.bytes);
    }

    /**
     * A metadata field is given whole or not at all: {@code {}} (2 characters) or less costs nothing
     * and is not read; over the field cap it is left out; else it is charged like a text while the
     * budget lasts, then from the preview reserve when it fits in a preview, and left out otherwise.
     */
    private void allowJson(Field field) {
        if (field.bytes <= EMPTY_JSON_CHARS) {
            field.allowance = EMPTY_JSON_CHARS;
            field.loaded = true;
            return;
        }
        if (field.bytes > fieldChars) {
            field.allowance = 0;
            return;
        }
        if (!spent && field.bytes <= remaining) {
            remaining -= field.bytes;
            field.allowance = fieldChars;
            return;
        }
        spent = true;
        if (field.bytes <= Math.min(previewChars, previewsRemaining)) {
            previewsRemaining -= field.bytes;
            field.allowance = previewChars;
        } else {
            field.allowance = 0;
        }
    }

    /**
     * Reads every field made so far, each cut to its allowance; a field never {@linkplain #allow
     * allowed} is allowed now, after all the others. A field allowed nothing is not read: it is empty,
     * and flagged unless the stored text is empty too.
     */
    public void load(Connection c) throws SQLException {
        for (List<Field> made : fields.values()) {
            made.forEach(this::allow);
        }
        for (Map.Entry<Source, List<Field>> e : fields.entrySet()) {
            List<Field> todo = new ArrayList<>();
            for (Field f : e.getValue()) {
                if (f.bytes < 0 || f.text != null || f.loaded) {
                    continue;
                }
                if (f.json && f.allowance == 0) {
                    f.loaded = true;
                    f.truncated = true;
                } else if (f.allowance == 0) {
                    f.text = "";
                    f.truncated = f.bytes > 0;
                } else {
                    todo.add(f);
                }
            }
            if (!todo.isEmpty()) {
                load(c, e.getKey(), todo);
            }
        }
    }

    /**
     * One statement per column. A correlated subquery per key, so that each text is one primary-key
     * probe (pruned to its day partition at run time), never a join that scans a table; for a child
     * table the page's first and last day also bound the plan to their partitions.
     */
    private void load(Connection c, Source source, List<Field> todo) throws SQLException {
        List<Object> keys1 = new ArrayList<>(todo.size());
        List<Object> keys2 = new ArrayList<>(todo.size());
        List<Integer> lengths = new ArrayList<>(todo.size());
        for (Field f : todo) {
            keys1.add(f.key1);
            keys2.add(f.key2);
            // one character more than allowed tells whether the text is longer
            lengths.add(f.allowance + 1);
        }
        // a metadata field is loaded only when it is allowed whole: its JSON text, never cut
        String value = source.json ? "t." + source.column + "::text" : "left(t." + source.column + ", k.n)";
        Sql sql = new Sql("SELECT k.i, (SELECT " + value + " FROM " + source.table + " t"
                + " WHERE t." + source.key1 + " = k.a AND t." + source.key2 + " = k.b");
        if (source.type2.equals("timestamptz")) {
            List<Instant> days = keys2.stream().map(Instant.class::cast).sorted().toList();
            sql.append(" AND t." + source.key2 + " >= ? AND t." + source.key2 + " <= ?", days.get(0), days.get(days.size() - 1));
        }
        sql.append(") AS text FROM unnest(?::" + source.type1 + "[], ?::" + source.type2 + "[], ?::int4[]) WITH ORDINALITY AS k(a, b, n, i)",
                array(source.type1, keys1), array(source.type2, keys2), Sql.ints(lengths));
        try (PreparedStatement s = sql.prepare(c); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                Field f = todo.get((int) rs.getLong("i") - 1);
                cut(f, rs.getString("text"));
            }
        }
    }

    /** Keeps at most the allowance in characters (code points, as PostgreSQL counts them). */
    private static void cut(Field f, String loaded) {
        f.loaded = true;
        if (f.json) {
            // sized in the same snapshot, so it fits; were it not to, it is left out rather than cut
            boolean fits = loaded == null || loaded.codePointCount(0, loaded.length()) <= f.allowance;
            f.text = fits ? loaded : null;
            f.truncated = !fits;
            return;
        }
        if (loaded == null || loaded.length() <= f.allowance || loaded.codePointCount(0, loaded.length()) <= f.allowance) {
            f.text = loaded;
            return;
        }
        f.text = loaded.substring(0, loaded.offsetByCodePoints(0, f.allowance));
        f.truncated = true;
    }

    @SuppressWarnings("unchecked")
    private static Object array(String type, List<Object> values) {
        return switch (type) {
            case "uuid" -> Sql.uuids((List<UUID>) (List<?>) values);
            case "text" -> Sql.texts((List<String>) (List<?>) values);
            case "timestamptz" -> Sql.instants((List<Instant>) (List<?>) values);
            default -> throw new IllegalArgumentException(type);
        };
    }
}

package io.aibridge.query.interception;

import io.aibridge.query.access.Caller;
import io.aibridge.query.api.ApiException;
import io.aibridge.query.db.Rows;
import io.aibridge.query.db.Snapshots;
import io.aibridge.query.db.Sql;
import io.aibridge.query.db.TextBudget;
import io.aibridge.query.db.TextBudget.Source;
import io.aibridge.query.db.TextLimits;
import io.aibridge.query.interception.InterceptionView.ModelThought;
import io.aibridge.query.interception.InterceptionView.TokenUsage;
import io.aibridge.query.interception.InterceptionView.ToolUsage;
import io.aibridge.query.interception.InterceptionView.UserPrompt;
import io.aibridge.query.search.FilterSql;
import io.aibridge.query.search.Filters;
import io.aibridge.query.user.UserDirectory;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The interceptions list: visible interceptions newest first ({@code started_at} desc, then id
 * desc), keyset-paged on the partial index that serves exactly that order. The table is partitioned
 * by day on {@code started_at}, so a cursor also prunes every newer day. Children are read for the
 * page only, bounded to the page's days.
 */
@ApplicationScoped
public class InterceptionRepository {

    private static final String COLUMNS = "i.id, i.api_key_id, i.initiator_id, i.provider, i.provider_name, i.model, i.client,"
            + " i.started_at, i.ended_at, i.session_id, i.thread_parent_id, i.thread_root_id,"
            + " i.credential_kind, i.credential_hint, i.end_status, i.http_status, i.error_type,"
            + " octet_length(i.error_message) AS error_message_bytes,"
            + " i.duration_ms, i.time_to_first_byte_ms, i.streaming, u.username, u.name, u.avatar_url";

    private final Snapshots snapshots;
    private final UserDirectory users;
    private final TextLimits texts;
    private final AtomicLong counts = new AtomicLong();

    public InterceptionRepository(Snapshots snapshots, UserDirectory users, TextLimits texts) {
        this.snapshots = snapshots;
        this.users = users;
        this.texts = texts;
    }

    private record Cursor(Instant startedAt, UUID id) {
    }

    /**
     * @param afterId      keyset cursor: the id of the last interception of the previous page, or null
     * @param includeCount whether to count every matching interception (the page's {@code count}); a
     *                     walk needs it once, and it reads every visible match, so later pages skip it
     */
    public InterceptionPage list(Caller caller, Filters filters, int limit, int offset, UUID afterId, boolean includeCount) {
        return snapshots.read(c -> {
            Cursor cursor = afterId == null ? null : cursor(c, caller, afterId);
            Long count = includeCount ? count(c, caller, filters) : null;
            TextBudget budget = texts.budget();
            List<Row> rows = count != null && count == 0 ? List.of() : page(c, caller, filters, limit, offset, cursor, budget);
            return new InterceptionPage(count, withChildren(c, rows, budget));
        });
    }

    /** For tests: how many times the matching interceptions have been counted. */
    long counts() {
        return counts.get();
    }

    private Cursor cursor(Connection c, Caller caller, UUID id) throws SQLException {
        Sql sql = new Sql("SELECT i.started_at, i.id FROM aibridge_interceptions i WHERE i.id = ? AND " + FilterSql.visible("i"), id);
        caller.restrictedTo().ifPresent(u -> sql.append(" AND i.initiator_id = ?", u));
        sql.append(" LIMIT 1");
        try (PreparedStatement s = sql.prepare(c); ResultSet rs = s.executeQuery()) {
            if (!rs.next()) {
                throw ApiException.badRequest("Invalid pagination cursor.", "after_id", "after_id: interception " + id + " not found");
            }
            return new Cursor(Rows.instant(rs, "started_at"), Rows.uuid(rs, "id"));
        }
    }

    private long count(Connection c, Caller caller, Filters filters) throws SQLException {
        counts.incrementAndGet();
        Sql sql = new Sql("SELECT count(*) FROM aibridge_interceptions i WHERE TRUE");
        FilterSql.visibleMatching(sql, "i", caller, filters);
        try (PreparedStatement s = sql.prepare(c); ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** An interception whose metadata and error message are loaded after every text of the page has been sized. */
    private record Row(InterceptionView view, Instant startedAt, TextBudget.Field metadata, TextBudget.Field errorMessage) {
    }

    private List<Row> page(Connection c, Caller caller, Filters filters, int limit, int offset, Cursor cursor,
                           TextBudget budget) throws SQLException {
        Sql sql = new Sql("SELECT " + COLUMNS + ", " + TextBudget.jsonChars("i.metadata", "metadata_chars")
                + " FROM aibridge_interceptions i LEFT JOIN aibridge_users u ON u.id = i.initiator_id WHERE TRUE");
        FilterSql.visibleMatching(sql, "i", caller, filters);
        if (cursor != null) {
            // the plain bound lets the planner skip every newer day partition
            sql.append(" AND i.started_at <= ? AND (i.started_at, i.id) < (?, ?)", cursor.startedAt(), cursor.startedAt(), cursor.id());
        }
        sql.append(" ORDER BY i.started_at DESC, i.id DESC LIMIT ? OFFSET ?", limit, offset);
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement s = sql.prepare(c); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                UUID id = Rows.uuid(rs, "id");
                UUID initiator = Rows.uuid(rs, "initiator_id");
                String client = rs.getString("client");
                Instant startedAt = Rows.instant(rs, "started_at");
                TextBudget.Field metadata = budget.field(Source.INTERCEPTION_METADATA, id, startedAt, TextBudget.bytes(rs, "metadata_chars"));
                TextBudget.Field errorMessage = budget.field(Source.INTERCEPTION_ERROR_MESSAGE, id, startedAt,
                        TextBudget.bytes(rs, "error_message_bytes"));
                rows.add(new Row(new InterceptionView(id, rs.getString("api_key_id"),
                        users.initiator(initiator, rs.getString("username"), rs.getString("name"), rs.getString("avatar_url")),
                        nullToEmpty(rs.getString("provider")), nullToEmpty(rs.getString("provider_name")), nullToEmpty(rs.getString("model")),
                        client == null ? "Unknown" : client, null, null, startedAt, Rows.instant(rs, "ended_at"),
                        List.of(), List.of(), List.of(), List.of(),
                        rs.getString("session_id"), Rows.uuid(rs, "thread_parent_id"), Rows.uuid(rs, "thread_root_id"),
                        rs.getString("credential_kind"), rs.getString("credential_hint"), rs.getString("end_status"),
                        (Integer) rs.getObject("http_status"), rs.getString("error_type"), null, null,
                        (Long) rs.getObject("duration_ms"), (Long) rs.getObject("time_to_first_byte_ms"),
                        (Boolean) rs.getObject("streaming")), startedAt, metadata, errorMessage));
            }
        }
        return rows;
    }

    /** Fills in the children of each row, each list ordered by created_at, then id. */
    private List<InterceptionView> withChildren(Connection c, List<Row> rows, TextBudget budget) throws SQLException {
        if (rows.isEmpty()) {
            return List.of();
        }
        List<UUID> ids = rows.stream().map(r -> r.view().id()).toList();
        Instant lo = rows.stream().map(Row::startedAt).min(Instant::compareTo).orElseThrow();
        Instant hi = rows.stream().map(Row::startedAt).max(Instant::compareTo).orElseThrow();
        Map<UUID, List<TokenRow>> tokens = new HashMap<>();
        try (PreparedStatement s = children("aibridge_token_usages", "t.id, t.interception_id, t.interception_started_at,"
                + " t.provider_response_id, t.input_tokens, t.output_tokens, t.cache_read_input_tokens, t.cache_write_input_tokens,"
                + " " + TextBudget.jsonChars("t.metadata", "metadata_chars") + ", t.created_at", ids, lo, hi).prepare(c);
             ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                UUID id = Rows.uuid(rs, "id");
                TokenRow t = new TokenRow(id, Rows.uuid(rs, "interception_id"), rs.getString("provider_response_id"),
                        rs.getLong("input_tokens"), rs.getLong("output_tokens"), rs.getLong("cache_read_input_tokens"),
                        rs.getLong("cache_write_input_tokens"), metadata(budget, Source.TOKEN_METADATA, id, rs),
                        Rows.instant(rs, "created_at"));
                tokens.computeIfAbsent(t.interceptionId(), k -> new ArrayList<>()).add(t);
            }
        }
        Map<UUID, List<PromptRow>> prompts = new HashMap<>();
        try (PreparedStatement s = children("aibridge_user_prompts", "t.id, t.interception_id, t.interception_started_at,"
                + " t.provider_response_id, octet_length(t.prompt) AS prompt_bytes,"
                + " " + TextBudget.jsonChars("t.metadata", "metadata_chars") + ", t.created_at",
                ids, lo, hi).prepare(c); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                UUID id = Rows.uuid(rs, "id");
                PromptRow p = new PromptRow(id, Rows.uuid(rs, "interception_id"), rs.getString("provider_response_id"),
                        budget.field(Source.USER_PROMPT, id, Rows.instant(rs, "interception_started_at"), TextBudget.bytes(rs, "prompt_bytes")),
                        metadata(budget, Source.PROMPT_METADATA, id, rs), Rows.instant(rs, "created_at"));
                prompts.computeIfAbsent(p.interceptionId(), k -> new ArrayList<>()).add(p);
            }
        }
        Map<UUID, List<ToolRow>> tools = new HashMap<>();
        try (PreparedStatement s = children("aibridge_tool_usages", "t.id, t.interception_id, t.interception_started_at,"
                + " t.provider_response_id, t.server_url, t.tool, octet_length(t.input) AS input_bytes, t.injected,"
                + " octet_length(t.invocation_error) AS invocation_error_bytes,"
                + " " + TextBudget.jsonChars("t.metadata", "metadata_chars") + ", t.created_at,"
                + " t.provider_tool_call_id", ids, lo, hi).prepare(c); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                UUID id = Rows.uuid(rs, "id");
                Instant interceptionStartedAt = Rows.instant(rs, "interception_started_at");
                ToolRow t = new ToolRow(id, Rows.uuid(rs, "interception_id"), rs.getString("provider_response_id"),
                        nullToEmpty(rs.getString("server_url")), rs.getString("tool"),
                        budget.field(Source.TOOL_INPUT, id, interceptionStartedAt, TextBudget.bytes(rs, "input_bytes")),
                        rs.getBoolean("injected"),
                        budget.field(Source.TOOL_INVOCATION_ERROR, id, interceptionStartedAt, TextBudget.bytes(rs, "invocation_error_bytes")),
                        metadata(budget, Source.TOOL_METADATA, id, rs), Rows.instant(rs, "created_at"),
                        rs.getString("provider_tool_call_id"));
                tools.computeIfAbsent(t.interceptionId(), k -> new ArrayList<>()).add(t);
            }
        }
        Map<UUID, List<ThoughtRow>> thoughts = new HashMap<>();
        try (PreparedStatement s = children("aibridge_model_thoughts", "t.id, t.interception_id, t.interception_started_at,"
                + " t.provider_response_id, octet_length(t.content) AS content_bytes, t.source,"
                + " " + TextBudget.jsonChars("t.metadata", "metadata_chars") + ","
                + " t.created_at", ids, lo, hi).prepare(c); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                UUID id = Rows.uuid(rs, "id");
                ThoughtRow t = new ThoughtRow(Rows.uuid(rs, "interception_id"), rs.getString("provider_response_id"),
                        budget.field(Source.MODEL_THOUGHT, id, Rows.instant(rs, "interception_started_at"),
                                TextBudget.bytes(rs, "content_bytes")),
                        rs.getString("source"), metadata(budget, Source.THOUGHT_METADATA, id, rs), Rows.instant(rs, "created_at"));
                thoughts.computeIfAbsent(t.interceptionId(), k -> new ArrayList<>()).add(t);
            }
        }
        // the texts in the order the response shows them: the budget goes to the first ones
        for (Row row : rows) {
            UUID id = row.view().id();
            budget.allow(row.metadata());
            tokens.getOrDefault(id, List.of()).forEach(t -> budget.allow(t.metadata()));
            prompts.getOrDefault(id, List.of()).forEach(p -> {
                budget.allow(p.prompt());
                budget.allow(p.metadata());
            });
            tools.getOrDefault(id, List.of()).forEach(t -> {
                budget.allow(t.input());
                budget.allow(t.invocationError());
                budget.allow(t.metadata());
            });
            thoughts.getOrDefault(id, List.of()).forEach(t -> {
                budget.allow(t.content());
                budget.allow(t.metadata());
            });
            budget.allow(row.errorMessage());
        }
        budget.load(c);
        List<InterceptionView> out = new ArrayList<>(rows.size());
        for (Row row : rows) {
            InterceptionView v = row.view();
            out.add(new InterceptionView(v.id(), v.apiKeyId(), v.initiator(), v.provider(), v.providerName(), v.model(), v.client(),
                    row.metadata().object(), row.metadata().truncated(), v.startedAt(), v.endedAt(),
                    tokens.getOrDefault(v.id(), List.of()).stream().map(TokenRow::view).toList(),
                    prompts.getOrDefault(v.id(), List.of()).stream().map(PromptRow::view).toList(),
                    tools.getOrDefault(v.id(), List.of()).stream().map(ToolRow::view).toList(),
                    thoughts.getOrDefault(v.id(), List.of()).stream().map(ThoughtRow::view).toList(),
                    v.sessionId(), v.threadParentId(), v.threadRootId(),
                    v.credentialKind(), v.credentialHint(), v.endStatus(), v.httpStatus(), v.errorType(),
                    row.errorMessage().text(), row.errorMessage().truncated(),
                    v.durationMs(), v.timeToFirstByteMs(), v.streaming()));
        }
        return out;
    }

    /** A child row's metadata, sized now and loaded with the texts (whole, or {@code {}} and flagged). */
    private static TextBudget.Field metadata(TextBudget budget, Source source, UUID id, ResultSet rs) throws SQLException {
        return budget.field(source, id, Rows.instant(rs, "interception_started_at"), TextBudget.bytes(rs, "metadata_chars"));
    }

    /** A token usage whose metadata is loaded after every text of the page has been sized. */
    private record TokenRow(UUID id, UUID interceptionId, String providerResponseId, long inputTokens, long outputTokens,
                            long cacheReadInputTokens, long cacheWriteInputTokens, TextBudget.Field metadata, Instant createdAt) {
        TokenUsage view() {
            return new TokenUsage(id, interceptionId, providerResponseId, inputTokens, outputTokens, cacheReadInputTokens,
                    cacheWriteInputTokens, metadata.object(), metadata.truncated(), createdAt);
        }
    }

    /** A user prompt whose text is loaded after every text of the page has been sized. */
    private record PromptRow(UUID id, UUID interceptionId, String providerResponseId, TextBudget.Field prompt,
                             TextBudget.Field metadata, Instant createdAt) {
        UserPrompt view() {
            return new UserPrompt(id, interceptionId, providerResponseId, prompt.text(), prompt.truncated(), metadata.object(),
                    metadata.truncated(), createdAt);
        }
    }

    private record ToolRow(UUID id, UUID interceptionId, String providerResponseId, String serverUrl, String tool,
                           TextBudget.Field input, boolean injected, TextBudget.Field invocationError, TextBudget.Field metadata,
                           Instant createdAt, String providerToolCallId) {
        ToolUsage view() {
            return new ToolUsage(id, interceptionId, providerResponseId, serverUrl, tool, input.text(), input.truncated(), injected,
                    nullToEmpty(invocationError.text()), invocationError.truncated(), metadata.object(), metadata.truncated(), createdAt,
                    providerToolCallId);
        }
    }

    private record ThoughtRow(UUID interceptionId, String providerResponseId, TextBudget.Field content, String source,
                              TextBudget.Field metadata, Instant createdAt) {
        ModelThought view() {
            return new ModelThought(interceptionId, providerResponseId, content.text(), content.truncated(), source, metadata.object(),
                    metadata.truncated(), createdAt);
        }
    }

    private static Sql children(String table, String columns, List<UUID> ids, Instant lo, Instant hi) {
        return new Sql("SELECT " + columns + " FROM " + table + " t WHERE t.interception_id = ANY(?)"
                + " AND t.interception_started_at >= ? AND t.interception_started_at <= ? ORDER BY t.created_at, t.id",
                Sql.uuids(ids), lo, hi);
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}

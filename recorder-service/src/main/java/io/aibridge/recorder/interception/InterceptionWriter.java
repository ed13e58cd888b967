package io.aibridge.recorder.interception;

import io.aibridge.events.InterceptionEnded;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.InterceptionStarted;
import io.aibridge.events.ModelThoughtRecorded;
import io.aibridge.events.PromptRecorded;
import io.aibridge.events.TokenUsageRecorded;
import io.aibridge.events.ToolUsageRecorded;
import io.aibridge.recorder.RecorderConfig;
import io.aibridge.recorder.consumer.EventWriter;
import io.aibridge.recorder.sql.SqlArrays;
import io.aibridge.recorder.sql.SqlFailures;
import io.aibridge.recorder.sql.Text;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Writes a batch of interception events in one transaction, with a fixed number of set-based
 * statements whatever the batch size (each binds whole columns as arrays and {@code unnest}s them):
 * <ol>
 *   <li>make sure the batch's day partitions exist (cached; outside the transaction);</li>
 *   <li>lock the tool-call ids the batch links by, so that concurrent writers find each other's
 *       parents and children;</li>
 *   <li>insert prompts, token usages, tool usages and thoughts keyed by their event id: as new
 *       rows, and only if one was stored already ({@code ON CONFLICT DO NOTHING}: a redelivered
 *       event changes nothing);</li>
 *   <li>find the parents of the batch's starts that answer a stored tool call ({@link ThreadLinker});</li>
 *   <li>store interception rows: the rows of the batch's starts as new rows, the rest (and all of
 *       them if one was stored already) merged, where a start fills the start columns (and its
 *       link) if no start was stored yet and an end fills the end columns if no end was stored yet
 *       (the first end wins), in either order;</li>
 *   <li>link stored interceptions the batch's tool calls complete, and re-root descendants;</li>
 *   <li>bring the summaries of the sessions the batch touched up to date ({@link SessionSummaries}).</li>
 * </ol>
 */
@ApplicationScoped
public class InterceptionWriter implements EventWriter<InterceptionEvent> {

    /** The {@code client} column is varchar(64); client names come from a fixed list and are far shorter. */
    static final int MAX_CLIENT = 64;

    private static final String INSERT_INTERCEPTIONS = """
            INSERT INTO aibridge_interceptions AS i (
                id, started_at, initiator_id, initiator_username, api_key_id, provider, provider_name, model, metadata,
                client, client_session_id, user_agent, correlating_tool_call_id, credential_kind, credential_hint,
                streaming, request_path,
                ended_at, end_status, http_status, error_type, error_message, duration_ms, time_to_first_byte_ms,
                thread_parent_id, thread_root_id)
            SELECT r.id, r.started_at, r.initiator_id, r.initiator_username, r.api_key_id, r.provider,
                   COALESCE(r.provider_name, ''), r.model, COALESCE(r.metadata, '{}')::jsonb,
                   r.client, r.client_session_id, r.user_agent, r.correlating_tool_call_id,
                   COALESCE(r.credential_kind, 'centralized'), COALESCE(r.credential_hint, ''),
                   r.streaming, r.request_path,
                   r.ended_at, r.end_status, r.http_status, r.error_type, r.error_message, r.duration_ms,
                   r.time_to_first_byte_ms, r.thread_parent_id, r.thread_root_id
            FROM unnest(?::uuid[], ?::timestamptz[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                        ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bool[],
                        ?::text[], ?::timestamptz[], ?::text[], ?::int4[], ?::text[], ?::text[], ?::int8[], ?::int8[],
                        ?::uuid[], ?::uuid[])
                 AS r(id, started_at, initiator_id, initiator_username, api_key_id, provider, provider_name, model,
                      metadata, client, client_session_id, user_agent, correlating_tool_call_id, credential_kind,
                      credential_hint, streaming, request_path,
                      ended_at, end_status, http_status, error_type, error_message, duration_ms, time_to_first_byte_ms,
                      thread_parent_id, thread_root_id)
            """;

    /**
     * What makes {@link #INSERT_INTERCEPTIONS} an upsert: a start fills the start columns of a row
     * that has none yet, an end the end columns; returns the rows changed and whether each is now
     * visible.
     */
    private static final String MERGE_INTERCEPTIONS = """
            ON CONFLICT (id, started_at) DO UPDATE SET
                initiator_id             = CASE WHEN i.initiator_id IS NULL THEN excluded.initiator_id ELSE i.initiator_id END,
                initiator_username       = CASE WHEN i.initiator_id IS NULL THEN excluded.initiator_username ELSE i.initiator_username END,
                api_key_id               = CASE WHEN i.initiator_id IS NULL THEN excluded.api_key_id ELSE i.api_key_id END,
                provider                 = CASE WHEN i.initiator_id IS NULL THEN excluded.provider ELSE i.provider END,
                provider_name            = CASE WHEN i.initiator_id IS NULL THEN excluded.provider_name ELSE i.provider_name END,
                model                    = CASE WHEN i.initiator_id IS NULL THEN excluded.model ELSE i.model END,
                metadata                 = CASE WHEN i.initiator_id IS NULL THEN excluded.metadata ELSE i.metadata END,
                client                   = CASE WHEN i.initiator_id IS NULL THEN excluded.client ELSE i.client END,
                client_session_id        = CASE WHEN i.initiator_id IS NULL THEN excluded.client_session_id ELSE i.client_session_id END,
                user_agent               = CASE WHEN i.initiator_id IS NULL THEN excluded.user_agent ELSE i.user_agent END,
                correlating_tool_call_id = CASE WHEN i.initiator_id IS NULL THEN excluded.correlating_tool_call_id ELSE i.correlating_tool_call_id END,
                credential_kind          = CASE WHEN i.initiator_id IS NULL THEN excluded.credential_kind ELSE i.credential_kind END,
                -- the hint of the key the answer came with: an end's (after a key failover) wins over its start's, in either order
                credential_hint          = CASE WHEN i.initiator_id IS NULL AND excluded.initiator_id IS NOT NULL
                                                THEN CASE WHEN i.credential_hint <> '' THEN i.credential_hint ELSE excluded.credential_hint END
                                                WHEN i.ended_at IS NULL AND excluded.ended_at IS NOT NULL AND excluded.credential_hint <> ''
                                                THEN excluded.credential_hint
                                                ELSE i.credential_hint END,
                streaming                = CASE WHEN i.initiator_id IS NULL THEN excluded.streaming ELSE i.streaming END,
                request_path             = CASE WHEN i.initiator_id IS NULL THEN excluded.request_path ELSE i.request_path END,
                -- a row without its start has never been linked; with the start comes the link found for it
                thread_parent_id         = CASE WHEN i.initiator_id IS NULL THEN excluded.thread_parent_id ELSE i.thread_parent_id END,
                thread_root_id           = CASE WHEN i.initiator_id IS NULL THEN excluded.thread_root_id ELSE i.thread_root_id END,
                ended_at                 = CASE WHEN i.ended_at IS NULL THEN excluded.ended_at ELSE i.ended_at END,
                end_status               = CASE WHEN i.ended_at IS NULL THEN excluded.end_status ELSE i.end_status END,
                http_status              = CASE WHEN i.ended_at IS NULL THEN excluded.http_status ELSE i.http_status END,
                error_type               = CASE WHEN i.ended_at IS NULL THEN excluded.error_type ELSE i.error_type END,
                error_message            = CASE WHEN i.ended_at IS NULL THEN excluded.error_message ELSE i.error_message END,
                duration_ms              = CASE WHEN i.ended_at IS NULL THEN excluded.duration_ms ELSE i.duration_ms END,
                time_to_first_byte_ms    = CASE WHEN i.ended_at IS NULL THEN excluded.time_to_first_byte_ms ELSE i.time_to_first_byte_ms END
            WHERE (i.initiator_id IS NULL AND excluded.initiator_id IS NOT NULL)
               OR (i.ended_at IS NULL AND excluded.ended_at IS NOT NULL)
            RETURNING i.id, i.started_at, i.ended_at IS NOT NULL AND i.initiator_id IS NOT NULL AS visible
            """;

    private static final String INSERT_TOKEN_USAGES = """
            INSERT INTO aibridge_token_usages (id, interception_id, interception_started_at, provider_response_id,
                input_tokens, output_tokens, cache_read_input_tokens, cache_write_input_tokens, metadata, created_at)
            SELECT r.id, r.interception_id, r.interception_started_at, r.provider_response_id, r.input_tokens,
                   r.output_tokens, r.cache_read_input_tokens, r.cache_write_input_tokens, r.metadata::jsonb, r.created_at
            FROM unnest(?::uuid[], ?::uuid[], ?::timestamptz[], ?::text[], ?::int8[], ?::int8[], ?::int8[], ?::int8[],
                        ?::text[], ?::timestamptz[])
                 AS r(id, interception_id, interception_started_at, provider_response_id, input_tokens, output_tokens,
                      cache_read_input_tokens, cache_write_input_tokens, metadata, created_at)
            """;

    private static final String INSERT_PROMPTS = """
            INSERT INTO aibridge_user_prompts (id, interception_id, interception_started_at, provider_response_id,
                prompt, metadata, created_at)
            SELECT r.id, r.interception_id, r.interception_started_at, r.provider_response_id, r.prompt,
                   r.metadata::jsonb, r.created_at
            FROM unnest(?::uuid[], ?::uuid[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::timestamptz[])
                 AS r(id, interception_id, interception_started_at, provider_response_id, prompt, metadata, created_at)
            """;

    private static final String INSERT_TOOL_USAGES = """
            INSERT INTO aibridge_tool_usages (id, interception_id, interception_started_at, provider_response_id,
                provider_tool_call_id, server_url, tool, input, injected, invocation_error, metadata, created_at)
            SELECT r.id, r.interception_id, r.interception_started_at, r.provider_response_id, r.provider_tool_call_id,
                   r.server_url, r.tool, r.input, r.injected, r.invocation_error, r.metadata::jsonb, r.created_at
            FROM unnest(?::uuid[], ?::uuid[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                        ?::bool[], ?::text[], ?::text[], ?::timestamptz[])
                 AS r(id, interception_id, interception_started_at, provider_response_id, provider_tool_call_id,
                      server_url, tool, input, injected, invocation_error, metadata, created_at)
            """;

    private static final String INSERT_THOUGHTS = """
            INSERT INTO aibridge_model_thoughts (id, interception_id, interception_started_at, provider_response_id,
                content, source, metadata, created_at)
            SELECT r.id, r.interception_id, r.interception_started_at, r.provider_response_id, r.content, r.source,
                   r.metadata::jsonb, r.created_at
            FROM unnest(?::uuid[], ?::uuid[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::text[],
                        ?::timestamptz[])
                 AS r(id, interception_id, interception_started_at, provider_response_id, content, source, metadata,
                      created_at)
            """;

    /** What makes a child insert idempotent: a redelivered event (its id) changes nothing. */
    private static final String SKIP_STORED_CHILDREN = "ON CONFLICT (id, interception_started_at) DO NOTHING\n";

    /** The keys of the child rows an idempotent insert stored (not those that existed). */
    private static final String RETURNING_STORED_KEYS = "RETURNING id, interception_started_at\n";

    /** The steps of a batch write, a label of {@code aibridge_recorder_write_step_seconds}. */
    static final List<String> STEPS = List.of("interceptions", "children", "threads", "sessions", "commit");

    private final DataSource dataSource;
    private final DayPartitions partitions = new DayPartitions();
    private final ThreadLinker threads = new ThreadLinker();
    private final SessionSummaries sessions = new SessionSummaries();
    private final InterceptionLog log;
    private final Timer endToCommit;
    private final java.util.Map<String, Timer> steps = new java.util.HashMap<>();

    @Inject
    public InterceptionWriter(DataSource dataSource, MeterRegistry registry, RecorderConfig config) {
        this(dataSource, registry, config.structuredLogging());
    }

    /** For tests and tools outside CDI. */
    public InterceptionWriter(DataSource dataSource, MeterRegistry registry, boolean structuredLogging) {
        this.dataSource = dataSource;
        this.log = new InterceptionLog(structuredLogging);
        for (String step : STEPS) {
            steps.put(step, Timer.builder("aibridge.recorder.write.step")
                    .description("Time spent in each step of writing a batch of interception events")
                    .tag("step", step)
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofSeconds(30))
                    .register(registry));
        }
        this.endToCommit = Timer.builder("aibridge.recorder.end.to.commit")
                .description("From an interception's end (bridge clock) to the commit that stored it: how late ended interceptions become visible")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(1))
                .register(registry);
    }

    @Override
    public void write(List<InterceptionEvent> events) throws SQLException {
        InterceptionBatch batch = InterceptionBatch.of(events);
        ThreadLinker.Result linked;
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            partitions.ensure(connection, batch.days());
            connection.setAutoCommit(false);
            try {
                noPartitionScans(connection);
                lockToolCalls(connection, batch);
                SessionSummaries.Changes changes = new SessionSummaries.Changes();
                long t0 = System.nanoTime();
                // Tool usages first: the batch's own starts may answer them.
                insertChildren(connection, batch, changes);
                long t1 = step("children", t0);
                ThreadLinker.PreLinks prelinks = threads.prelink(connection, batch);
                long t2 = System.nanoTime();
                storeInterceptions(connection, batch.rows(), prelinks, changes.newlyVisible);
                long t3 = step("interceptions", t2);
                linked = threads.link(connection, batch, prelinks);
                lineageChanges(linked, changes.newlyVisible, changes);
                // the two linking steps, before and after the interceptions, count as one
                t3 = step("threads", t3 - (t2 - t1));
                sessions.update(connection, changes);
                long t4 = step("sessions", t3);
                connection.commit();
                step("commit", t4);
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(connection);
                if (SqlFailures.isMissingPartition(e)) {
                    partitions.forget();
                }
                throw e;
            } finally {
                restoreAutoCommit(connection);
            }
        }
        Instant committed = Instant.now();
        for (InterceptionEvent event : batch.events()) {
            if (event instanceof InterceptionEnded ended) {
                endToCommit.record(Duration.between(ended.endedAt(), committed).abs());
            }
        }
        log.written(batch.events(), linked.links());
    }

    /**
     * Every statement of a batch reaches its rows through an index (ids, call ids, thread roots).
     * Today's partition grows by thousands of rows a second while its statistics lag behind, and
     * on such stale estimates PostgreSQL may choose to scan the whole partition instead, a cost
     * that grows all day. Within the batch's transaction, sequential scans are therefore off.
     */
    private static void noPartitionScans(Connection connection) throws SQLException {
        try (java.sql.Statement statement = connection.createStatement()) {
            statement.execute("SET LOCAL enable_seqscan = off");
        }
    }

    /**
     * Locks every tool-call id the batch links by (its tool usages' ids and its starts' correlating
     * ids) before anything is stored: a writer storing a parent's tool call and one storing the
     * child that answers it, at the same time, are serialised, so the second one's look-ups see the
     * first one's rows and the link is made (schema V42).
     */
    private static void lockToolCalls(Connection connection, InterceptionBatch batch) throws SQLException {
        Set<String> callIds = batch.linkingCallIds();
        if (callIds.isEmpty()) {
            return;
        }
        try (PreparedStatement s = connection.prepareStatement("SELECT aibridge_lock_tool_calls(?::text[])")) {
            SqlArrays.texts(s, 1, callIds);
            s.execute();
        }
    }

    /** Records the time since {@code since} for a step; returns now. */
    private long step(String name, long since) {
        long now = System.nanoTime();
        steps.get(name).record(now - since, java.util.concurrent.TimeUnit.NANOSECONDS);
        return now;
    }

    /**
     * What lineage changes mean for summaries. A row that was visible before this batch and now
     * belongs to another session must be recomputed in both sessions; one that stays in its
     * session (a client session id) but was linked now only stops counting as a thread there. Rows
     * that became visible in this batch are added where they are now.
     */
    private static void lineageChanges(ThreadLinker.Result linked, List<InterceptionBatch.RowKey> newlyVisible,
                                       SessionSummaries.Changes changes) {
        if (linked.moved().isEmpty()) {
            return;
        }
        Set<UUID> newly = new HashSet<>();
        newlyVisible.forEach(key -> newly.add(key.id()));
        Set<SessionKey> recompute = new LinkedHashSet<>();
        for (ThreadLinker.Moved moved : linked.moved()) {
            if (!moved.visible() || newly.contains(moved.id())) {
                continue;
            }
            if (!moved.before().equals(moved.after())) {
                recompute.add(moved.before());
                recompute.add(moved.after());
            } else if (moved.linked()) {
                changes.unrooted.add(moved.after());
            }
        }
        changes.refresh.addAll(recompute);
    }

    /**
     * Stores the batch's interception rows. A row whose start is in the batch is nearly always new
     * (its end, if it came first, or a redelivery are the exceptions), so those rows are inserted as
     * new ones under a savepoint; the rows with only an end, whose start came in an earlier batch,
     * are merged into the stored rows. If one of the starts' rows was stored already, that insert is
     * rolled back and every row is merged.
     */
    private static void storeInterceptions(Connection connection, Collection<InterceptionBatch.Row> rows,
                                           ThreadLinker.PreLinks prelinks,
                                           List<InterceptionBatch.RowKey> newlyVisible) throws SQLException {
        List<InterceptionBatch.Row> starts = new ArrayList<>();
        List<InterceptionBatch.Row> endsOnly = new ArrayList<>();
        for (InterceptionBatch.Row row : rows) {
            (row.start != null ? starts : endsOnly).add(row);
        }
        if (!starts.isEmpty() && insertedAsNew(connection, () -> writeInterceptions(connection, starts, prelinks, false, null))) {
            for (InterceptionBatch.Row row : starts) {
                if (row.end != null) {
                    newlyVisible.add(row.key); // a start (it names the initiator) and an end: visible from now on
                }
            }
            writeInterceptions(connection, endsOnly, prelinks, true, newlyVisible);
        } else {
            writeInterceptions(connection, rows, prelinks, true, newlyVisible);
        }
    }

    /**
     * Inserts interception rows as new ones, or ({@code merge}) merges them into stored rows and adds
     * those that became visible just now to {@code newlyVisible}.
     */
    private static void writeInterceptions(Connection connection, Collection<InterceptionBatch.Row> rows,
                                           ThreadLinker.PreLinks prelinks, boolean merge,
                                           List<InterceptionBatch.RowKey> newlyVisible) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        String sql = merge ? INSERT_INTERCEPTIONS + MERGE_INTERCEPTIONS : INSERT_INTERCEPTIONS;
        try (PreparedStatement s = connection.prepareStatement(sql)) {
            SqlArrays.uuids(s, 1, map(rows, r -> r.key.id()));
            SqlArrays.times(s, 2, map(rows, r -> r.key.startedAt()));
            SqlArrays.uuids(s, 3, start(rows, InterceptionStarted::initiatorId));
            SqlArrays.texts(s, 4, start(rows, InterceptionStarted::initiatorUsername));
            SqlArrays.texts(s, 5, start(rows, InterceptionStarted::apiKeyId));
            SqlArrays.texts(s, 6, start(rows, InterceptionStarted::provider));
            SqlArrays.texts(s, 7, start(rows, InterceptionStarted::providerName));
            SqlArrays.texts(s, 8, start(rows, InterceptionStarted::model));
            SqlArrays.texts(s, 9, start(rows, st -> Text.json(st.metadata())));
            SqlArrays.texts(s, 10, start(rows, st -> Text.atMost(st.client(), MAX_CLIENT)));
            SqlArrays.texts(s, 11, start(rows, InterceptionStarted::clientSessionId));
            SqlArrays.texts(s, 12, start(rows, InterceptionStarted::userAgent));
            SqlArrays.texts(s, 13, start(rows, InterceptionStarted::correlatingToolCallId));
            SqlArrays.texts(s, 14, start(rows, st -> st.credentialKind().wireName()));
            // an end's hint (the key the answer came with, after a key failover) over its start's; an end alone without one: ''
            SqlArrays.texts(s, 15, map(rows, r -> r.end != null && r.end.credentialHint() != null ? r.end.credentialHint()
                    : r.start == null ? null : r.start.credentialHint()));
            SqlArrays.booleans(s, 16, start(rows, InterceptionStarted::streaming));
            SqlArrays.texts(s, 17, start(rows, InterceptionStarted::requestPath));
            SqlArrays.times(s, 18, end(rows, InterceptionEnded::endedAt));
            SqlArrays.texts(s, 19, end(rows, e -> e.status().wireName()));
            SqlArrays.ints(s, 20, end(rows, InterceptionEnded::httpStatus));
            SqlArrays.texts(s, 21, end(rows, InterceptionEnded::errorType));
            SqlArrays.texts(s, 22, end(rows, InterceptionEnded::errorMessage));
            SqlArrays.longs(s, 23, end(rows, InterceptionEnded::durationMs));
            SqlArrays.longs(s, 24, end(rows, InterceptionEnded::timeToFirstByteMs));
            SqlArrays.uuids(s, 25, map(rows, r -> r.start == null || prelinks.of(r.key.id()) == null ? null
                    : prelinks.of(r.key.id()).parentId()));
            SqlArrays.uuids(s, 26, map(rows, r -> r.start == null || prelinks.of(r.key.id()) == null ? null
                    : prelinks.of(r.key.id()).rootId()));
            if (!merge) {
                s.executeUpdate();
                return;
            }
            // Returned rows had their start or their end applied just now; visible ones became visible just now.
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    if (rs.getBoolean(3)) {
                        newlyVisible.add(new InterceptionBatch.RowKey(rs.getObject(1, UUID.class),
                                rs.getObject(2, OffsetDateTime.class).toInstant()));
                    }
                }
            }
        }
    }

    /**
     * Stores the batch's prompts, token usages, tool usages and thoughts. Nearly always none of them
     * is stored yet (a redelivery follows only a crash or a rebalance), so they are first inserted
     * as new rows, under a savepoint: a plain insert costs PostgreSQL about a third less per row than
     * one that first checks each row for a conflict and returns the rows it stored. If one of them
     * was stored already, that attempt is rolled back and they are inserted again, skipping the
     * stored ones.
     */
    private static void insertChildren(Connection connection, InterceptionBatch batch, SessionSummaries.Changes changes)
            throws SQLException {
        if (batch.tokenUsages().isEmpty() && batch.prompts().isEmpty() && batch.toolUsages().isEmpty()
                && batch.thoughts().isEmpty()) {
            return;
        }
        boolean allNew = insertedAsNew(connection, () -> {
            insertTokenUsages(connection, batch.tokenUsages(), false, null);
            insertPrompts(connection, batch.prompts(), false, null);
            insertToolUsages(connection, batch.toolUsages(), false);
            insertThoughts(connection, batch.thoughts(), false);
        });
        if (allNew) {
            batch.tokenUsages().forEach(u -> changes.tokenUsages.add(new InterceptionBatch.RowKey(u.eventId(), u.interceptionStartedAt())));
            batch.prompts().forEach(p -> changes.prompts.add(new InterceptionBatch.RowKey(p.eventId(), p.interceptionStartedAt())));
            return;
        }
        insertTokenUsages(connection, batch.tokenUsages(), true, changes.tokenUsages);
        insertPrompts(connection, batch.prompts(), true, changes.prompts);
        insertToolUsages(connection, batch.toolUsages(), true);
        insertThoughts(connection, batch.thoughts(), true);
    }

    /** SQL work that may fail because a row it inserts was stored already. */
    @FunctionalInterface
    private interface Inserts {
        void run() throws SQLException;
    }

    /**
     * Runs inserts of rows expected to be new under a savepoint. Returns false, with nothing of
     * theirs left in the transaction, when a row was stored already (a unique violation); any
     * other failure is thrown and fails the transaction.
     */
    private static boolean insertedAsNew(Connection connection, Inserts inserts) throws SQLException {
        Savepoint savepoint = connection.setSavepoint();
        try {
            inserts.run();
        } catch (SQLException e) {
            if (!SqlFailures.isUniqueViolation(e)) {
                throw e;
            }
            connection.rollback(savepoint);
            return false;
        }
        connection.releaseSavepoint(savepoint);
        return true;
    }

    /** Inserts token usages as new rows, or ({@code skipStored}) skips stored ones and adds the keys of the others to {@code stored}. */
    private static void insertTokenUsages(Connection connection, List<TokenUsageRecorded> usages, boolean skipStored,
                                          List<InterceptionBatch.RowKey> stored) throws SQLException {
        if (usages.isEmpty()) {
            return;
        }
        String sql = skipStored ? INSERT_TOKEN_USAGES + SKIP_STORED_CHILDREN + RETURNING_STORED_KEYS : INSERT_TOKEN_USAGES;
        try (PreparedStatement s = connection.prepareStatement(sql)) {
            SqlArrays.uuids(s, 1, map(usages, TokenUsageRecorded::eventId));
            SqlArrays.uuids(s, 2, map(usages, TokenUsageRecorded::interceptionId));
            SqlArrays.times(s, 3, map(usages, TokenUsageRecorded::interceptionStartedAt));
            SqlArrays.texts(s, 4, map(usages, TokenUsageRecorded::providerResponseId));
            SqlArrays.longs(s, 5, map(usages, TokenUsageRecorded::inputTokens));
            SqlArrays.longs(s, 6, map(usages, TokenUsageRecorded::outputTokens));
            SqlArrays.longs(s, 7, map(usages, TokenUsageRecorded::cacheReadInputTokens));
            SqlArrays.longs(s, 8, map(usages, TokenUsageRecorded::cacheWriteInputTokens));
            SqlArrays.texts(s, 9, map(usages, u -> Text.json(u.metadata())));
            SqlArrays.times(s, 10, map(usages, TokenUsageRecorded::createdAt));
            execute(s, skipStored, stored);
        }
    }

    /** Inserts prompts as new rows, or ({@code skipStored}) skips stored ones and adds the keys of the others to {@code stored}. */
    private static void insertPrompts(Connection connection, List<PromptRecorded> prompts, boolean skipStored,
                                      List<InterceptionBatch.RowKey> stored) throws SQLException {
        if (prompts.isEmpty()) {
            return;
        }
        String sql = skipStored ? INSERT_PROMPTS + SKIP_STORED_CHILDREN + RETURNING_STORED_KEYS : INSERT_PROMPTS;
        try (PreparedStatement s = connection.prepareStatement(sql)) {
            SqlArrays.uuids(s, 1, map(prompts, PromptRecorded::eventId));
            SqlArrays.uuids(s, 2, map(prompts, PromptRecorded::interceptionId));
            SqlArrays.times(s, 3, map(prompts, PromptRecorded::interceptionStartedAt));
            SqlArrays.texts(s, 4, map(prompts, PromptRecorded::providerResponseId));
            SqlArrays.texts(s, 5, map(prompts, PromptRecorded::prompt));
            SqlArrays.texts(s, 6, map(prompts, p -> Text.json(p.metadata())));
            SqlArrays.times(s, 7, map(prompts, PromptRecorded::createdAt));
            execute(s, skipStored, stored);
        }
    }

    private static void insertToolUsages(Connection connection, List<ToolUsageRecorded> tools, boolean skipStored)
            throws SQLException {
        if (tools.isEmpty()) {
            return;
        }
        try (PreparedStatement s = connection.prepareStatement(skipStored ? INSERT_TOOL_USAGES + SKIP_STORED_CHILDREN : INSERT_TOOL_USAGES)) {
            SqlArrays.uuids(s, 1, map(tools, ToolUsageRecorded::eventId));
            SqlArrays.uuids(s, 2, map(tools, ToolUsageRecorded::interceptionId));
            SqlArrays.times(s, 3, map(tools, ToolUsageRecorded::interceptionStartedAt));
            SqlArrays.texts(s, 4, map(tools, ToolUsageRecorded::providerResponseId));
            SqlArrays.texts(s, 5, map(tools, ToolUsageRecorded::providerToolCallId));
            SqlArrays.texts(s, 6, map(tools, ToolUsageRecorded::serverUrl));
            SqlArrays.texts(s, 7, map(tools, ToolUsageRecorded::tool));
            SqlArrays.texts(s, 8, map(tools, ToolUsageRecorded::input));
            SqlArrays.booleans(s, 9, map(tools, ToolUsageRecorded::injected));
            SqlArrays.texts(s, 10, map(tools, ToolUsageRecorded::invocationError));
            SqlArrays.texts(s, 11, map(tools, t -> Text.json(t.metadata())));
            SqlArrays.times(s, 12, map(tools, ToolUsageRecorded::createdAt));
            s.executeUpdate();
        }
    }

    private static void insertThoughts(Connection connection, List<ModelThoughtRecorded> thoughts, boolean skipStored)
            throws SQLException {
        if (thoughts.isEmpty()) {
            return;
        }
        try (PreparedStatement s = connection.prepareStatement(skipStored ? INSERT_THOUGHTS + SKIP_STORED_CHILDREN : INSERT_THOUGHTS)) {
            SqlArrays.uuids(s, 1, map(thoughts, ModelThoughtRecorded::eventId));
            SqlArrays.uuids(s, 2, map(thoughts, ModelThoughtRecorded::interceptionId));
            SqlArrays.times(s, 3, map(thoughts, ModelThoughtRecorded::interceptionStartedAt));
            SqlArrays.texts(s, 4, map(thoughts, ModelThoughtRecorded::providerResponseId));
            SqlArrays.texts(s, 5, map(thoughts, ModelThoughtRecorded::content));
            SqlArrays.texts(s, 6, map(thoughts, t -> t.source().wireName()));
            SqlArrays.texts(s, 7, map(thoughts, t -> Text.json(t.metadata())));
            SqlArrays.times(s, 8, map(thoughts, ModelThoughtRecorded::createdAt));
            s.executeUpdate();
        }
    }

    /** Runs a child insert; one that skips stored rows returns (id, partition key) of those it stored. */
    private static void execute(PreparedStatement statement, boolean skipStored, List<InterceptionBatch.RowKey> into)
            throws SQLException {
        if (!skipStored) {
            statement.executeUpdate();
            return;
        }
        try (ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
                into.add(new InterceptionBatch.RowKey(rs.getObject(1, UUID.class), rs.getObject(2, OffsetDateTime.class).toInstant()));
            }
        }
    }

    private static <T, V> List<V> map(Collection<T> items, Function<T, V> column) {
        List<V> values = new ArrayList<>(items.size());
        for (T item : items) {
            values.add(column.apply(item));
        }
        return values;
    }

    /** A start column: null for rows the batch has no start for. */
    private static <V> List<V> start(Collection<InterceptionBatch.Row> rows, Function<InterceptionStarted, V> column) {
        return map(rows, r -> r.start == null ? null : column.apply(r.start));
    }

    /** An end column: null for rows the batch has no end for. */
    private static <V> List<V> end(Collection<InterceptionBatch.Row> rows, Function<InterceptionEnded, V> column) {
        return map(rows, r -> r.end == null ? null : column.apply(r.end));
    }

    private static void rollbackQuietly(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the connection is most likely gone; the failure that brought us here is what matters
        }
    }

    private static void restoreAutoCommit(Connection connection) {
        try {
            connection.setAutoCommit(true);
        } catch (SQLException ignored) {
            // a broken connection is discarded by the pool
        }
    }
}

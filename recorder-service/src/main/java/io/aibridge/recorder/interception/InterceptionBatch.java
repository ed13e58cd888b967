package io.aibridge.recorder.interception;

import io.aibridge.events.InterceptionEnded;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.InterceptionStarted;
import io.aibridge.events.ModelThoughtRecorded;
import io.aibridge.events.PromptRecorded;
import io.aibridge.events.TokenUsageRecorded;
import io.aibridge.events.ToolUsageRecorded;
import io.aibridge.recorder.sql.Text;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;

/**
 * One batch of interception events, shaped for set-based writes: duplicates (same event id) are
 * dropped, and the start and end of one interception are merged into one row, because one
 * {@code INSERT ... ON CONFLICT DO UPDATE} may not touch a row twice. Within the batch the first
 * start and the first end of an interception win, as across batches.
 */
final class InterceptionBatch {

    /**
     * Most characters kept of text that goes into an index: model and provider (the interceptions
     * list's indexes, the session summaries' arrays and their indexes, the per-value session
     * counts) and tool-call ids (thread linking). At most 3 UTF-8 bytes per Java character, so an
     * entry holds at most 768 bytes of it, well under a B-tree entry's 2,704 bytes (beside a
     * 256-character client session id in the summaries' indexes). The proxy refuses longer models.
     */
    static final int MAX_INDEXED = 256;

    /** An interception row: its id and the partition key. */
    record RowKey(UUID id, Instant startedAt) {
    }

    /** What the batch says about one interception row: its start and/or its end. */
    static final class Row {
        final RowKey key;
        InterceptionStarted start;
        InterceptionEnded end;

        Row(RowKey key) {
            this.key = key;
        }
    }

    private final List<InterceptionEvent> events = new ArrayList<>();
    private final Map<RowKey, Row> rows = new LinkedHashMap<>();
    private final List<TokenUsageRecorded> tokenUsages = new ArrayList<>();
    private final List<PromptRecorded> prompts = new ArrayList<>();
    private final List<ToolUsageRecorded> toolUsages = new ArrayList<>();
    private final List<ModelThoughtRecorded> thoughts = new ArrayList<>();
    private final SortedSet<LocalDate> days = new TreeSet<>();

    private InterceptionBatch() {
    }

    static InterceptionBatch of(Collection<? extends InterceptionEvent> events) {
        InterceptionBatch batch = new InterceptionBatch();
        Set<UUID> seen = new LinkedHashSet<>();
        for (InterceptionEvent event : events) {
            if (seen.add(event.eventId())) {
                batch.add(event);
            }
        }
        return batch;
    }

    private void add(InterceptionEvent event) {
        event = indexable(event);
        events.add(event);
        RowKey key = new RowKey(event.interceptionId(), event.interceptionStartedAt());
        days.add(LocalDate.ofInstant(key.startedAt(), ZoneOffset.UTC));
        if (event instanceof InterceptionStarted started) {
            Row row = rows.computeIfAbsent(key, Row::new);
            if (row.start == null) {
                row.start = started;
            }
        } else if (event instanceof InterceptionEnded ended) {
            Row row = rows.computeIfAbsent(key, Row::new);
            if (row.end == null) {
                row.end = ended;
            }
        } else if (event instanceof TokenUsageRecorded usage) {
            tokenUsages.add(usage);
        } else if (event instanceof PromptRecorded prompt) {
            prompts.add(prompt);
        } else if (event instanceof ToolUsageRecorded tool) {
            toolUsages.add(tool);
        } else if (event instanceof ModelThoughtRecorded thought) {
            thoughts.add(thought);
        } else {
            throw new IllegalArgumentException("unknown interception event " + event.getClass().getName());
        }
    }

    /**
     * The event with its indexed text cut to what an index entry can hold ({@link #MAX_INDEXED}
     * characters); the same event when nothing is too long, which is nearly always. Tool-call ids
     * are cut so that they stay distinct ({@link Text#atMostDistinct}), and a child's
     * correlating id is cut the same way as its parent's call id, so the two still match.
     */
    static InterceptionEvent indexable(InterceptionEvent event) {
        if (event instanceof InterceptionStarted s && (over(s.model()) || over(s.provider()) || over(s.correlatingToolCallId()))) {
            return new InterceptionStarted(s.eventId(), s.interceptionId(), s.startedAt(), s.initiatorId(),
                    s.initiatorUsername(), s.apiKeyId(), Text.atMost(s.provider(), MAX_INDEXED), s.providerName(),
                    Text.atMost(s.model(), MAX_INDEXED), s.client(), s.clientSessionId(), s.userAgent(),
                    Text.atMostDistinct(s.correlatingToolCallId(), MAX_INDEXED), s.credentialKind(), s.credentialHint(),
                    s.streaming(), s.requestPath(), s.metadata());
        }
        if (event instanceof ToolUsageRecorded t && over(t.providerToolCallId())) {
            return new ToolUsageRecorded(t.eventId(), t.interceptionId(), t.interceptionStartedAt(), t.createdAt(),
                    t.providerResponseId(), Text.atMostDistinct(t.providerToolCallId(), MAX_INDEXED), t.tool(), t.input(),
                    t.injected(), t.serverUrl(), t.invocationError(), t.metadata());
        }
        return event;
    }

    private static boolean over(String value) {
        return value != null && value.length() > MAX_INDEXED;
    }

    /** The distinct events, in batch order. */
    List<InterceptionEvent> events() {
        return events;
    }

    Collection<Row> rows() {
        return rows.values();
    }

    List<TokenUsageRecorded> tokenUsages() {
        return tokenUsages;
    }

    List<PromptRecorded> prompts() {
        return prompts;
    }

    List<ToolUsageRecorded> toolUsages() {
        return toolUsages;
    }

    List<ModelThoughtRecorded> thoughts() {
        return thoughts;
    }

    /** The UTC days (partitions) the batch writes to. */
    SortedSet<LocalDate> days() {
        return days;
    }

    /**
     * Every tool-call id the batch links by: its starts' correlating ids and its tool usages' ids.
     * The linker looks these up, and the writer locks them first.
     */
    Set<String> linkingCallIds() {
        Set<String> ids = correlatingToolCallIds();
        ids.addAll(toolCallIds());
        return ids;
    }

    /** Correlating tool-call ids of the batch's starts. */
    Set<String> correlatingToolCallIds() {
        Set<String> ids = new LinkedHashSet<>();
        for (Row row : rows.values()) {
            if (row.start != null && row.start.correlatingToolCallId() != null) {
                ids.add(row.start.correlatingToolCallId());
            }
        }
        return ids;
    }

    /** Provider tool-call ids of the batch's tool usages. */
    Set<String> toolCallIds() {
        Set<String> ids = new LinkedHashSet<>();
        for (ToolUsageRecorded tool : toolUsages) {
            if (tool.providerToolCallId() != null) {
                ids.add(tool.providerToolCallId());
            }
        }
        return ids;
    }

    /**
     * The earliest interception start among the batch's starts that carry a correlating id and the
     * interceptions of its tool usages with a call id; null when there is neither. A child
     * interception starts after the parent whose tool call it answers, so no interception this
     * batch can link starts before it (minus clock skew).
     */
    Instant earliestLinkStart() {
        Instant earliest = null;
        for (Row row : rows.values()) {
            if (row.start != null && row.start.correlatingToolCallId() != null) {
                earliest = min(earliest, row.key.startedAt());
            }
        }
        for (ToolUsageRecorded tool : toolUsages) {
            if (tool.providerToolCallId() != null) {
                earliest = min(earliest, tool.interceptionStartedAt());
            }
        }
        return earliest;
    }

    private static Instant min(Instant a, Instant b) {
        return a == null || b.isBefore(a) ? b : a;
    }
}

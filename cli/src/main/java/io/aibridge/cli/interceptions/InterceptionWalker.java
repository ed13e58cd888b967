package io.aibridge.cli.interceptions;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.CliException;
import io.aibridge.cli.ExitCodes;
import io.aibridge.cli.http.ApiClient;
import io.aibridge.cli.http.ApiException;
import io.aibridge.cli.http.Params;
import io.aibridge.cli.json.Json;
import io.aibridge.cli.options.Filters;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Walks every interception that matches the filters, newest first, page by page with the
 * {@code after_id} cursor, handing each to a sink as it is parsed: a page is never held in memory,
 * only the interception being written.
 *
 * <p>It can start after a given interception (a resumed export). If the server no longer knows the
 * cursor (retention purged it: the oldest rows go first, which is exactly where a long export
 * is), the walk goes on by time instead: {@code started_before} the cursor's start, skipping the
 * rows at or above the cursor's (started_at, id) position, which is the API's order. Transient
 * failures (network, 502, 503, 504) are retried with backoff, continuing after the last row.
 *
 * <p>The total comes from the first page; every later page asks {@code include_count=false}, as
 * the count reads every matching interception again (one full count per page of a long export).
 * A query-service from before that parameter answers it with a 400 naming it: the walk then
 * goes on without it.
 */
final class InterceptionWalker {

    static final String PATH = InterceptionsListCommand.PATH;
    static final String INCLUDE_COUNT = "include_count";

    /** Receives each interception; an exception thrown here stops the walk and is not retried. */
    interface Sink {
        void accept(JsonNode interception);
    }

    /** What the walk reports besides rows. */
    interface Listener {
        /**
         * The number of matching interceptions, from the first page: all of them, or with
         * {@code remainingOnly} only those still to come (the walk continued by time).
         */
        void total(long count, boolean remainingOnly);

        /** After every page: a good moment to flush. */
        void pageDone();

        void retrying(String why, Duration wait);
    }

    private final ApiClient client;
    private final Filters filters;
    private final int pageSize;
    private final int retries;
    private Filters current;
    private String cursorId;
    private Instant cursorStartedAt;
    // set while skipping rows that were already exported (after a lost cursor): the walk resumes below it
    private String skipId;
    private Instant skipStartedAt;
    private long written;
    private boolean totalReported;
    // false once the server refused include_count (a query-service from before it)
    private boolean countOptOut = true;

    InterceptionWalker(ApiClient client, Filters filters, int pageSize, int retries, String afterId, Instant afterStartedAt) {
        this.client = client;
        this.filters = filters;
        this.current = filters;
        this.pageSize = pageSize;
        this.retries = retries;
        this.cursorId = afterId;
        this.cursorStartedAt = afterStartedAt;
    }

    /** Walks to the end; returns the number of interceptions handed to the sink. */
    long walk(Sink sink, Listener listener) {
        int failures = 0;
        while (true) {
            Page page;
            String before = cursorId;
            try {
                Params params = Params.of().add("q", current.q()).add("limit", pageSize).add("after_id", cursorId);
                if (totalReported && countOptOut) {
                    params.add(INCLUDE_COUNT, "false");
                }
                page = client.get(PATH, params, body -> read(body, sink, listener));
            } catch (ApiException e) {
                if (e.status() == 400 && countOptOut && totalReported && refused(e, INCLUDE_COUNT)) {
                    countOptOut = false;
                    continue;
                }
                if (e.status() == 400 && "Invalid pagination cursor.".equals(e.apiMessage()) && cursorId != null && cursorStartedAt != null) {
                    continueByTime();
                    continue;
                }
                if (!retryable(e) || failures >= retries) {
                    throw e;
                }
                backoff(listener, e, ++failures);
                continue;
            } catch (CliException e) {
                if (e instanceof OutputFailure || failures >= retries) {
                    throw e;
                }
                backoff(listener, e, ++failures);
                continue;
            }
            failures = 0;
            listener.pageDone();
            if (page.rows() < pageSize) {
                return written;
            }
            if (before != null && before.equals(cursorId)) {
                throw new CliException(ExitCodes.SERVER_ERROR, "Unexpected answer from " + client.base()
                        + ": the page after interception " + before + " did not move past it");
            }
        }
    }

    private static boolean refused(ApiException e, String parameter) {
        return e.validations().stream().anyMatch(v -> parameter.equals(v.field()));
    }

    /** The cursor row is gone: ask for what started at or before it and skip down to it. */
    private void continueByTime() {
        skipId = cursorId;
        skipStartedAt = cursorStartedAt;
        // one microsecond later (the database's precision): the bound then always lies after
        // started_after, and the rows it adds are skipped like the cursor's own
        OffsetDateTime before = OffsetDateTime.ofInstant(cursorStartedAt.plusNanos(1000), ZoneOffset.UTC);
        if (filters.startedBefore() != null && filters.startedBefore().isBefore(before)) {
            before = filters.startedBefore();
        }
        current = filters.withStartedBefore(before);
        cursorId = null;
    }

    private Page read(InputStream body, Sink sink, Listener listener) throws IOException {
        long count = -1;
        int rows = 0;
        try (JsonParser parser = Json.MAPPER.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("the answer is not a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (name.equals("count") && value.isNumeric()) {
                    count = parser.getLongValue();
                    // the API sends count before results: the total is known before the first row
                    if (!totalReported) {
                        listener.total(count, current != filters);
                        totalReported = true;
                    }
                } else if (name.equals("results") && value == JsonToken.START_ARRAY) {
                    while (parser.nextToken() == JsonToken.START_OBJECT) {
                        JsonNode row = Json.MAPPER.readTree(parser);
                        rows++;
                        accept(row, sink);
                    }
                } else {
                    parser.skipChildren();
                }
            }
        }
        return new Page(count, rows);
    }

    private void accept(JsonNode row, Sink sink) {
        String id = row.path("id").asText(null);
        Instant startedAt = instant(row.path("started_at").asText(null));
        if (id == null || startedAt == null) {
            throw new CliException(ExitCodes.SERVER_ERROR, "Unexpected answer from " + client.base()
                    + ": an interception without id or started_at");
        }
        if (skipId != null) {
            if (!below(startedAt, id, skipStartedAt, skipId)) {
                cursorId = id;
                cursorStartedAt = startedAt;
                return;
            }
            skipId = null;
            skipStartedAt = null;
        }
        sink.accept(row);
        written++;
        cursorId = id;
        cursorStartedAt = startedAt;
    }

    /** The API's order is (started_at, id) descending; ids compare as PostgreSQL compares UUIDs, byte by byte. */
    static boolean below(Instant startedAt, String id, Instant otherStartedAt, String otherId) {
        int byTime = startedAt.compareTo(otherStartedAt);
        return byTime < 0 || byTime == 0 && id.compareTo(otherId) < 0;
    }

    private static Instant instant(String value) {
        try {
            return value == null ? null : Instant.parse(value);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    private static boolean retryable(ApiException e) {
        return e.status() == 502 || e.status() == 503 || e.status() == 504 || e.status() == 429;
    }

    private static void backoff(Listener listener, CliException e, int attempt) {
        Duration wait = Duration.ofSeconds(1L << Math.min(attempt - 1, 5));
        listener.retrying(e.getMessage().lines().findFirst().orElse(""), wait);
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw e;
        }
    }

    private record Page(long count, int rows) {
    }

    /** Writing the output failed: never retried, never blamed on the server. */
    static final class OutputFailure extends CliException {
        OutputFailure(String message, IOException cause) {
            super(ExitCodes.SERVER_ERROR, message, cause);
        }
    }
}

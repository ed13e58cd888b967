package io.aibridge.cli.options;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Validated search filters, and the {@code q} string the reference CLI builds from them: every
 * value double-quoted, times as RFC 3339 with nanoseconds, in the order initiator,
 * started_before, started_after, provider, model, client.
 */
public record Filters(String initiator, OffsetDateTime startedAfter, OffsetDateTime startedBefore, String provider,
                      String model, String client) {

    public static final Filters NONE = new Filters(null, null, null, null, null, null);

    /** The {@code q} parameter; empty when there is no filter. */
    public String q() {
        List<String> terms = new ArrayList<>();
        term(terms, "initiator", initiator);
        term(terms, "started_before", startedBefore == null ? null : Times.rfc3339Nano(startedBefore));
        term(terms, "started_after", startedAfter == null ? null : Times.rfc3339Nano(startedAfter));
        term(terms, "provider", provider);
        term(terms, "model", model);
        term(terms, "client", client);
        return String.join(" ", terms);
    }

    /** The same filters with another {@code started_before}. */
    public Filters withStartedBefore(OffsetDateTime before) {
        return new Filters(initiator, startedAfter, before, provider, model, client);
    }

    private static void term(List<String> terms, String key, String value) {
        if (value != null && !value.isEmpty()) {
            terms.add(key + ":" + quote(value));
        }
    }

    /** A double-quoted value; the API reads {@code \"} and {@code \\} inside quotes. */
    public static String quote(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}

package io.aibridge.bench.sessions;

import java.util.List;
import java.util.Map;

/**
 * One case of the session-list benchmark: the query parameters a client sends, and the same
 * filter as SQL on raw interception rows (alias {@code v}) for the straightforward aggregation.
 *
 * @param name        for the table
 * @param params      the API's query parameters
 * @param sessionWide true when the condition is the same for every interception of a session
 *                    (initiator, session id), so the straightforward query filters rows before
 *                    grouping; otherwise a session matches when any of its interceptions does
 *                    ({@code HAVING bool_or(...)}), which is what the API means by a filter
 * @param sql         the condition, with {@code ?} for {@code binds}
 */
public record SessionFilter(String name, Map<String, String> params, boolean sessionWide, String sql, List<Object> binds) {

    public static SessionFilter none() {
        return new SessionFilter("no filter", Map.of(), true, null, List.of());
    }
}

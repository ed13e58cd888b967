package io.aibridge.query.search;

import java.time.Instant;
import java.util.UUID;

/**
 * Validated filters of a list request. Each selects individual interceptions; null means "no
 * filter". {@code initiator} is already resolved to a user id and allowed for the caller.
 */
public record Filters(UUID initiator, String sessionId, String provider, String model, String client,
                      Instant startedAfter, Instant startedBefore) {

    public static final Filters NONE = new Filters(null, null, null, null, null, null, null);

    /** True when a filter looks at interception columns rather than selecting whole sessions. */
    public boolean selectsInterceptions() {
        return provider != null || model != null || client != null || startedAfter != null || startedBefore != null;
    }

    /**
     * The one provider, model or client filter when it is the only filter on interceptions (an
     * initiator or session filter may come with it), else null: {@code [kind, value]} as in
     * {@code aibridge_session_value_counts}.
     */
    public String[] singleValueFilter() {
        if (hasTimeRange() || sessionId != null) {
            return null;
        }
        int set = (provider != null ? 1 : 0) + (model != null ? 1 : 0) + (client != null ? 1 : 0);
        if (set != 1) {
            return null;
        }
        return provider != null ? new String[]{"provider", provider}
                : model != null ? new String[]{"model", model} : new String[]{"client", client};
    }

    public boolean hasTimeRange() {
        return startedAfter != null || startedBefore != null;
    }
}

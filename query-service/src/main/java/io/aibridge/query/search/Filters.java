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

    public boolean hasTimeRange() {
        return startedAfter != null || startedBefore != null;
    }
}

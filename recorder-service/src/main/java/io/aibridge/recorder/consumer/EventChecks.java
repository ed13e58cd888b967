package io.aibridge.recorder.consumer;

import io.aibridge.events.ApiKeyCreated;
import io.aibridge.events.ApiKeyRevoked;
import io.aibridge.events.Event;
import io.aibridge.events.InterceptionEnded;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.InterceptionStarted;
import io.aibridge.events.ModelThoughtRecorded;
import io.aibridge.events.PromptRecorded;
import io.aibridge.events.TokenUsageRecorded;
import io.aibridge.events.ToolUsageRecorded;
import io.aibridge.events.UserUpserted;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checks that a decoded event can be stored, beyond what the codec checks. Times must be RFC 3339
 * times, whose year has four digits; a year outside 0001–9999 (which {@link Instant} accepts)
 * would be refused by PostgreSQL or create absurd partitions.
 */
final class EventChecks {

    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

    private EventChecks() {
    }

    /** Why the event cannot be stored, or null when it can. */
    static String unstorable(Event event) {
        for (Map.Entry<String, Instant> time : times(event).entrySet()) {
            Instant value = time.getValue();
            if (value != null && (value.isBefore(EARLIEST) || value.isAfter(LATEST))) {
                return time.getKey() + " " + value + " is outside the years 0001-9999 that RFC 3339 allows";
            }
        }
        return null;
    }

    private static Map<String, Instant> times(Event event) {
        Map<String, Instant> times = new LinkedHashMap<>();
        if (event instanceof InterceptionEvent interception && !(event instanceof InterceptionStarted)) {
            times.put("interception_started_at", interception.interceptionStartedAt());
        }
        if (event instanceof InterceptionStarted e) {
            times.put("started_at", e.startedAt());
        } else if (event instanceof InterceptionEnded e) {
            times.put("ended_at", e.endedAt());
        } else if (event instanceof PromptRecorded || event instanceof TokenUsageRecorded
                || event instanceof ToolUsageRecorded || event instanceof ModelThoughtRecorded) {
            times.put("created_at", event.time());
        } else if (event instanceof UserUpserted e) {
            times.put("created_at", e.createdAt());
            times.put("updated_at", e.updatedAt());
        } else if (event instanceof ApiKeyCreated e) {
            times.put("created_at", e.createdAt());
            times.put("expires_at", e.expiresAt());
        } else if (event instanceof ApiKeyRevoked e) {
            times.put("revoked_at", e.revokedAt());
        }
        return times;
    }
}

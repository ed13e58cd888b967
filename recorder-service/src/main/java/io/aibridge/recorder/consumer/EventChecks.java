package io.aibridge.recorder.consumer;

import io.aibridge.events.ApiKeyCreated;
import io.aibridge.events.Event;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.UserUpserted;

import java.time.Instant;

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
        String problem = time("time", event.time());
        if (problem == null && event instanceof InterceptionEvent interception) {
            problem = time("interception_started_at", interception.interceptionStartedAt());
        }
        if (problem == null && event instanceof UserUpserted user) {
            problem = time("created_at", user.createdAt());
        }
        if (problem == null && event instanceof ApiKeyCreated key && key.expiresAt() != null) {
            problem = time("expires_at", key.expiresAt());
        }
        return problem;
    }

    private static String time(String field, Instant value) {
        if (value.isBefore(EARLIEST) || value.isAfter(LATEST)) {
            return field + " " + value + " is outside the years 0001-9999 that RFC 3339 allows";
        }
        return null;
    }
}

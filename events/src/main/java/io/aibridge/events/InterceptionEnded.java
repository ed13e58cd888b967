package io.aibridge.events;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;
import java.util.UUID;

/**
 * The interception is over, whatever the outcome. Emitted exactly once per interception, also on
 * errors and client disconnects: only ended interceptions are visible in the API. If a consumer
 * sees two ends for one interception, the first one applied wins.
 *
 * @param endedAt           bridge clock at the end
 * @param status            completed, failed or cancelled
 * @param httpStatus        the status the client was sent (200 once a stream started); null if none was sent
 * @param errorType         error category, e.g. {@code upstream_error}, {@code timeout}, {@code client_disconnected}; null on success
 * @param errorMessage      human-readable error; never contains a secret; null on success
 * @param durationMs        from start to end
 * @param timeToFirstByteMs from start to the first byte relayed to the client; null if none was relayed
 * @param credentialHint    the masked upstream secret the answer came with, when that is not the start's
 *                          {@code credential_hint} (the provider turned the first key away and the request went
 *                          on with another of the instance's keys); null otherwise. At most 15 characters
 */
public record InterceptionEnded(
        UUID eventId,
        UUID interceptionId,
        Instant interceptionStartedAt,
        Instant endedAt,
        EndStatus status,
        Integer httpStatus,
        String errorType,
        String errorMessage,
        @JsonProperty(required = true) long durationMs,
        Long timeToFirstByteMs,
        String credentialHint) implements InterceptionEvent {

    public InterceptionEnded {
        Fields.required(eventId, "event_id");
        Fields.required(interceptionId, "interception_id");
        interceptionStartedAt = Fields.micros(interceptionStartedAt, "interception_started_at");
        endedAt = Fields.micros(endedAt, "ended_at");
        Fields.required(status, "status");
        errorType = Fields.blankToNull(errorType);
        errorMessage = Fields.blankToNull(errorMessage);
        Fields.nonNegative(durationMs, "duration_ms");
        if (timeToFirstByteMs != null) {
            Fields.nonNegative(timeToFirstByteMs, "time_to_first_byte_ms");
        }
        credentialHint = Fields.blankToNull(credentialHint);
        Fields.credentialHint(credentialHint);
    }

    /** An end that came with the start's credential (the usual case). */
    public InterceptionEnded(UUID eventId, UUID interceptionId, Instant interceptionStartedAt, Instant endedAt, EndStatus status,
                             Integer httpStatus, String errorType, String errorMessage, long durationMs, Long timeToFirstByteMs) {
        this(eventId, interceptionId, interceptionStartedAt, endedAt, status, httpStatus, errorType, errorMessage, durationMs,
                timeToFirstByteMs, null);
    }

    @Override
    public EventType type() {
        return EventType.INTERCEPTION_ENDED;
    }

    @Override
    public Instant time() {
        return endedAt;
    }
}

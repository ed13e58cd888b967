package io.aibridge.recorder.interception;

import java.util.UUID;

/** A session as the sessions list keys it: (session id, initiator id). */
record SessionKey(String sessionId, UUID initiatorId) {
}

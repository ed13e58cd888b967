package io.aibridge.query.session;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/** A page of sessions with the total number that match. */
@Schema(name = "SessionList", description = "A page of sessions and the number of sessions that match")
public record SessionPage(
        @Schema(description = "Sessions that match, ignoring limit, offset and cursor; omitted with include_count=false") Long count,
        List<SessionView> sessions) {
}

package io.aibridge.query.interception;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/** A page of interceptions with the total number that match. */
@Schema(name = "InterceptionList", description = "A page of interceptions and the number that match")
public record InterceptionPage(
        @Schema(description = "Interceptions that match, ignoring limit, offset and cursor; omitted with include_count=false") Long count,
        List<InterceptionView> results) {
}

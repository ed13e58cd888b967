package io.aibridge.query.session;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.query.interception.InterceptionView;
import io.aibridge.query.user.InitiatorView;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;

/** One session of the sessions list: all ended interceptions of one (session id, initiator). */
@Schema(name = "Session", description = "A session: the ended interceptions of one session id and one initiator")
public record SessionView(
        @Schema(description = "Session id: the client's session id, else the thread root's id") String id,
        InitiatorView initiator,
        @Schema(description = "Distinct provider types, sorted") List<String> providers,
        @Schema(description = "Distinct models, sorted") List<String> models,
        @Schema(description = "Client of the first interception; Unknown when none was detected") String client,
        @Schema(description = "Metadata of the first interception. " + InterceptionView.JSON_CUT) ObjectNode metadata,
        @Schema(description = "true when metadata was left out (" + InterceptionView.JSON_LEFT_OUT + "); omitted otherwise")
        Boolean metadataTruncated,
        @Schema(description = "Earliest start of the interceptions that matched the filters") Instant startedAt,
        @Schema(description = "Latest end of the interceptions that matched the filters") Instant endedAt,
        @Schema(description = "Threads (root interceptions) among the interceptions that matched the filters") long threads,
        TokenUsageSummary tokenUsageSummary,
        @Schema(description = "The most recent prompt, cut to AIBRIDGE_QUERY_MAX_FIELD_CHARS characters (a 4096-character preview"
                + " once the response's AIBRIDGE_QUERY_MAX_RESPONSE_CHARS are spent, empty once 1 Mi characters of previews are"
                + " spent too); omitted when there is none") String lastPrompt,
        @Schema(description = "true when last_prompt was cut; omitted when it is whole") Boolean lastPromptTruncated,
        @Schema(description = "Time of the latest prompt, else the session's start; the list's order") Instant lastActiveAt) {
}

package io.aibridge.query.interception;

import io.aibridge.query.access.CallerContext;
import io.aibridge.query.api.ApiError;
import io.aibridge.query.api.ApiException;
import io.aibridge.query.search.FilterReader;
import io.aibridge.query.search.Filters;
import io.aibridge.query.search.Paging;
import io.aibridge.query.search.QueryParams;
import io.aibridge.query.search.SearchKey;
import io.aibridge.query.search.Values;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;

/** {@code GET /api/v2/aibridge/interceptions}. */
@Path("/api/v2/aibridge/interceptions")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Interceptions")
public class InterceptionResource {

    static final String MESSAGE = "Invalid interception search query.";
    /** The reference's interceptions keys: session_id is a sessions-list key only. */
    private static final Set<SearchKey> KEYS = EnumSet.complementOf(EnumSet.of(SearchKey.SESSION_ID));
    private static final Set<String> PARAMS = Set.of("q", "limit", "offset", "after_id", "include_count",
            "initiator", "provider", "model", "client", "started_after", "started_before");

    private final InterceptionRepository interceptions;
    private final FilterReader filters;
    private final CallerContext callers;

    public InterceptionResource(InterceptionRepository interceptions, FilterReader filters, CallerContext callers) {
        this.interceptions = interceptions;
        this.filters = filters;
        this.callers = callers;
    }

    @GET
    @Operation(summary = "List interceptions",
            description = "Ended interceptions, newest first (started_at desc, then id desc), each with its token usages,"
                    + " user prompts, tool usages and model thoughts (each ordered by created_at). Filters can be given as"
                    + " query parameters, in q, or both. Page with offset or with the after_id cursor, not both."
                    + " Long texts are cut: see the *_truncated fields.")
    @Parameter(name = "q", in = ParameterIn.QUERY, description = "Search query of key:value terms: initiator, provider, model,"
            + " client, started_after, started_before. A term without a key means initiator.")
    @Parameter(name = "initiator", in = ParameterIn.QUERY, description = "User id, username or \"me\"")
    @Parameter(name = "provider", in = ParameterIn.QUERY, description = "Provider type: anthropic, openai, copilot")
    @Parameter(name = "model", in = ParameterIn.QUERY, description = "Exact model name")
    @Parameter(name = "client", in = ParameterIn.QUERY, description = "Client name; Unknown for undetected clients")
    @Parameter(name = "started_after", in = ParameterIn.QUERY, description = "RFC 3339; started at or after it",
            schema = @Schema(type = SchemaType.STRING, format = "date-time"))
    @Parameter(name = "started_before", in = ParameterIn.QUERY, description = "RFC 3339; started at or before it; after started_after",
            schema = @Schema(type = SchemaType.STRING, format = "date-time"))
    @Parameter(name = "limit", in = ParameterIn.QUERY, description = "Page size, 1 to 1000",
            schema = @Schema(type = SchemaType.INTEGER, defaultValue = "100", minimum = "1", maximum = "1000"))
    @Parameter(name = "offset", in = ParameterIn.QUERY, description = "Interceptions to skip; not with after_id",
            schema = @Schema(type = SchemaType.INTEGER, defaultValue = "0", minimum = "0"))
    @Parameter(name = "after_id", in = ParameterIn.QUERY, description = "Keyset cursor: the id of the last interception"
            + " of the previous page; not with offset", schema = @Schema(type = SchemaType.STRING, format = "uuid"))
    @Parameter(name = "include_count", in = ParameterIn.QUERY, description = "false: leave count out and skip counting"
            + " every match, which a walk needs on its first page only (ours; the reference always counts)",
            schema = @Schema(type = SchemaType.BOOLEAN, defaultValue = "true"))
    @APIResponse(responseCode = "200", description = "A page of interceptions",
            content = @Content(schema = @Schema(implementation = InterceptionPage.class)))
    @APIResponse(responseCode = "400", description = "Invalid query, limit or cursor",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "No or invalid API key",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public InterceptionPage list(@Context UriInfo uri) {
        QueryParams params = QueryParams.of(uri, PARAMS);
        int offset = Paging.offset(params);
        Paging.rejectOffsetWithCursor(params, offset, "after_id");
        int limit = Paging.limit(params, 100, 1000);
        UUID afterId = params.get("after_id").map(v -> Values.uuid(v).orElseThrow(() -> ApiException.badRequest(
                "Invalid pagination cursor.", "after_id", "Query parameter \"after_id\" must be an interception UUID"))).orElse(null);
        Filters f = filters.read(params, callers.caller(), KEYS, SearchKey.INITIATOR, MESSAGE);
        return interceptions.list(callers.caller(), f, limit, offset, afterId, Paging.includeCount(params));
    }
}

package io.aibridge.query.session;

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
import jakarta.ws.rs.PathParam;
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
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** {@code GET /api/v2/aibridge/sessions} and {@code GET /api/v2/aibridge/sessions/{id}}. */
@Path("/api/v2/aibridge/sessions")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Sessions")
public class SessionResource {

    static final String LIST_MESSAGE = "Invalid session search query.";
    static final Set<SearchKey> KEYS = EnumSet.allOf(SearchKey.class);
    private static final Set<String> LIST_PARAMS = Set.of("q", "limit", "offset", "after_session_id",
            "after_initiator_id", "include_count", "initiator", "provider", "model", "client", "session_id", "started_after", "started_before");
    private static final Set<String> DETAIL_PARAMS = Set.of("after_id", "before_id", "limit");

    private final SessionRepository sessions;
    private final SessionDetailRepository details;
    private final FilterReader filters;
    private final CallerContext callers;

    public SessionResource(SessionRepository sessions, SessionDetailRepository details, FilterReader filters, CallerContext callers) {
        this.sessions = sessions;
        this.details = details;
        this.filters = filters;
        this.callers = callers;
    }

    @GET
    @Operation(summary = "List sessions",
            description = "Sessions (ended interceptions grouped by session id and initiator), most recently active first"
                    + " (last_active_at desc, then id desc). Filters select individual interceptions; a session matches when"
                    + " any of its interceptions matches them all, and started_at, ended_at and threads then cover the"
                    + " matching interceptions only. Filters can be given as query parameters, in q, or both."
                    + " Page with offset or with the cursor (after_session_id, and after_initiator_id when several"
                    + " users share that session id), not both.")
    @Parameter(name = "q", in = ParameterIn.QUERY, description = "Search query of key:value terms: initiator, provider, model,"
            + " client, session_id, started_after, started_before. Quote values with spaces or colons:"
            + " initiator:me started_after:\"2026-03-01T00:00:00Z\". A term without a key means initiator.")
    @Parameter(name = "initiator", in = ParameterIn.QUERY, description = "User id, username or \"me\"")
    @Parameter(name = "provider", in = ParameterIn.QUERY, description = "Provider type: anthropic, openai, copilot")
    @Parameter(name = "model", in = ParameterIn.QUERY, description = "Exact model name")
    @Parameter(name = "client", in = ParameterIn.QUERY, description = "Client name, e.g. Claude Code; Unknown for undetected clients")
    @Parameter(name = "session_id", in = ParameterIn.QUERY, description = "Session id")
    @Parameter(name = "started_after", in = ParameterIn.QUERY, description = "RFC 3339; interceptions started at or after it",
            schema = @Schema(type = SchemaType.STRING, format = "date-time"))
    @Parameter(name = "started_before", in = ParameterIn.QUERY, description = "RFC 3339; interceptions started at or before it; after started_after",
            schema = @Schema(type = SchemaType.STRING, format = "date-time"))
    @Parameter(name = "limit", in = ParameterIn.QUERY, description = "Page size, 1 to 1000",
            schema = @Schema(type = SchemaType.INTEGER, defaultValue = "100", minimum = "1", maximum = "1000"))
    @Parameter(name = "offset", in = ParameterIn.QUERY, description = "Sessions to skip; not with after_session_id",
            schema = @Schema(type = SchemaType.INTEGER, defaultValue = "0", minimum = "0"))
    @Parameter(name = "after_session_id", in = ParameterIn.QUERY,
            description = "Keyset cursor: the id of the last session of the previous page; not with offset. When several"
                    + " users the caller can see share that session id, give after_initiator_id too (otherwise 400)")
    @Parameter(name = "after_initiator_id", in = ParameterIn.QUERY,
            description = "With after_session_id: the initiator.id of the last session of the previous page, so that the"
                    + " cursor is exactly that session; not with offset",
            schema = @Schema(type = SchemaType.STRING, format = "uuid"))
    @Parameter(name = "include_count", in = ParameterIn.QUERY, description = "false: leave count out and skip counting"
            + " every match, which a walk needs on its first page only (ours; the reference always counts)",
            schema = @Schema(type = SchemaType.BOOLEAN, defaultValue = "true"))
    @APIResponse(responseCode = "200", description = "A page of sessions",
            content = @Content(schema = @Schema(implementation = SessionPage.class)))
    @APIResponse(responseCode = "400", description = "Invalid query, limit or cursor",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "No or invalid API key",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public SessionPage list(@Context UriInfo uri) {
        QueryParams params = QueryParams.of(uri, LIST_PARAMS);
        int offset = Paging.offset(params);
        Paging.rejectOffsetWithCursor(params, offset, "after_session_id");
        Paging.rejectOffsetWithCursor(params, offset, "after_initiator_id");
        UUID afterInitiator = afterInitiator(params);
        int limit = Paging.limit(params, 100, 1000);
        Filters f = filters.read(params, callers.caller(), KEYS, SearchKey.INITIATOR, LIST_MESSAGE);
        return sessions.list(callers.caller(), f, limit, offset, params.get("after_session_id").orElse(null), afterInitiator,
                Paging.includeCount(params));
    }

    /** The initiator half of the sessions cursor: a user UUID, and only with after_session_id. */
    private static UUID afterInitiator(QueryParams params) {
        Optional<String> value = params.get("after_initiator_id");
        if (value.isEmpty()) {
            return null;
        }
        if (!params.has("after_session_id")) {
            throw ApiException.badRequest("Query parameter has invalid value.", "after_initiator_id",
                    "Query parameter \"after_initiator_id\" needs after_session_id: together they name the last"
                            + " session of the previous page");
        }
        return Values.uuid(value.get()).orElseThrow(() -> ApiException.badRequest("Query parameter has invalid value.",
                "after_initiator_id", "Query parameter \"after_initiator_id\" must be a user UUID: the initiator.id of the last"
                        + " session on the previous page"));
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "Get a session with its threads",
            description = "The session with one page of its threads, oldest first. A thread is a prompt and its agentic"
                    + " loop; each has its token usage and one agentic action per interception that called tools. All"
                    + " visible interceptions with this session id are included, whoever initiated them.")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "Session id (a client session id or an interception UUID)")
    @Parameter(name = "after_id", in = ParameterIn.QUERY, description = "Thread id: return the threads after it; not with before_id",
            schema = @Schema(type = SchemaType.STRING, format = "uuid"))
    @Parameter(name = "before_id", in = ParameterIn.QUERY, description = "Thread id: return the threads before it; not with after_id",
            schema = @Schema(type = SchemaType.STRING, format = "uuid"))
    @Parameter(name = "limit", in = ParameterIn.QUERY, description = "Threads per page, 1 to 200",
            schema = @Schema(type = SchemaType.INTEGER, defaultValue = "50", minimum = "1", maximum = "200"))
    @APIResponse(responseCode = "200", description = "The session and a page of threads",
            content = @Content(schema = @Schema(implementation = SessionDetailView.class)))
    @APIResponse(responseCode = "400", description = "Invalid limit or cursor",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "No such session, or not visible to the caller",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public SessionDetailView detail(@PathParam("id") String id, @Context UriInfo uri) {
        QueryParams params = QueryParams.of(uri, DETAIL_PARAMS);
        Optional<String> problem = Values.problem(id, QueryParams.MAX_VALUE_LENGTH);
        if (problem.isPresent()) {
            throw ApiException.badRequest("Invalid session id.", "id", "Session id " + problem.get());
        }
        if (params.has("after_id") && params.has("before_id")) {
            throw ApiException.badRequest("Cannot use both after_id and before_id pagination in the same request.",
                    "before_id", "Give after_id to page forward or before_id to page backward, not both.");
        }
        int limit = Paging.limit(params, 50, 200);
        UUID after = cursor(params, "after_id");
        UUID before = cursor(params, "before_id");
        return after != null ? details.detail(callers.caller(), id, after, SessionDetailRepository.Direction.AFTER, limit)
                : details.detail(callers.caller(), id, before, SessionDetailRepository.Direction.BEFORE, limit);
    }

    private static UUID cursor(QueryParams params, String name) {
        Optional<String> value = params.get(name);
        if (value.isEmpty()) {
            return null;
        }
        return Values.uuid(value.get()).orElseThrow(() -> ApiException.badRequest("Invalid pagination cursor.", name,
                "Query parameter \"" + name + "\" must be a thread (interception) UUID"));
    }
}

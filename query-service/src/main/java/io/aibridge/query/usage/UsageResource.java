package io.aibridge.query.usage;

import io.aibridge.query.access.CallerContext;
import io.aibridge.query.api.ApiError;
import io.aibridge.query.api.ApiException;
import io.aibridge.query.search.FilterReader;
import io.aibridge.query.search.Filters;
import io.aibridge.query.search.Paging;
import io.aibridge.query.search.QueryParams;
import io.aibridge.query.search.SearchKey;
import io.aibridge.query.usage.UsageRepository.GroupBy;
import io.aibridge.query.usage.UsageRepository.OrderBy;
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

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** {@code GET /api/v2/aibridge/usage}: the data behind a usage leaderboard. */
@Path("/api/v2/aibridge/usage")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Usage")
public class UsageResource {

    static final String MESSAGE = "Invalid usage query.";
    private static final Set<SearchKey> KEYS = EnumSet.of(SearchKey.INITIATOR, SearchKey.PROVIDER, SearchKey.MODEL,
            SearchKey.CLIENT, SearchKey.STARTED_AFTER, SearchKey.STARTED_BEFORE);
    private static final Set<String> PARAMS = Set.of("group_by", "order_by", "limit", "q",
            "initiator", "provider", "model", "client", "started_after", "started_before");

    private final UsageRepository usage;
    private final FilterReader filters;
    private final CallerContext callers;

    public UsageResource(UsageRepository usage, FilterReader filters, CallerContext callers) {
        this.usage = usage;
        this.filters = filters;
        this.callers = callers;
    }

    @GET
    @Operation(summary = "Usage totals per user, model, client or provider",
            description = "Input, output, cache read and cache write tokens, interceptions and distinct sessions of the"
                    + " ended interceptions in the time range, grouped and sorted largest first, with totals over all"
                    + " groups. A member sees only their own usage. Filters as in the interceptions list.")
    @Parameter(name = "group_by", in = ParameterIn.QUERY, description = "user (default), model, client or provider",
            schema = @Schema(type = SchemaType.STRING, enumeration = {"user", "model", "client", "provider"}, defaultValue = "user"))
    @Parameter(name = "order_by", in = ParameterIn.QUERY, description = "The field to sort groups by, descending",
            schema = @Schema(type = SchemaType.STRING, defaultValue = "total_tokens", enumeration = {"total_tokens",
                    "input_tokens", "output_tokens", "cache_read_input_tokens", "cache_write_input_tokens", "interceptions", "sessions"}))
    @Parameter(name = "started_after", in = ParameterIn.QUERY, description = "RFC 3339; interceptions started at or after it",
            schema = @Schema(type = SchemaType.STRING, format = "date-time"))
    @Parameter(name = "started_before", in = ParameterIn.QUERY, description = "RFC 3339; interceptions started at or before it",
            schema = @Schema(type = SchemaType.STRING, format = "date-time"))
    @Parameter(name = "initiator", in = ParameterIn.QUERY, description = "User id, username or \"me\"")
    @Parameter(name = "provider", in = ParameterIn.QUERY, description = "Provider type")
    @Parameter(name = "model", in = ParameterIn.QUERY, description = "Exact model name")
    @Parameter(name = "client", in = ParameterIn.QUERY, description = "Client name")
    @Parameter(name = "q", in = ParameterIn.QUERY, description = "The same filters as key:value terms")
    @Parameter(name = "limit", in = ParameterIn.QUERY, description = "At most this many groups, 1 to 1000",
            schema = @Schema(type = SchemaType.INTEGER, defaultValue = "100", minimum = "1", maximum = "1000"))
    @APIResponse(responseCode = "200", description = "The totals",
            content = @Content(schema = @Schema(implementation = UsageReport.class)))
    @APIResponse(responseCode = "400", description = "Invalid parameter",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public UsageReport report(@Context UriInfo uri) {
        QueryParams params = QueryParams.of(uri, PARAMS);
        GroupBy groupBy = choice(params, "group_by", GroupBy.class, GroupBy.USER);
        OrderBy orderBy = choice(params, "order_by", OrderBy.class, OrderBy.TOTAL_TOKENS);
        int limit = Paging.limit(params, 100, 1000);
        Filters f = filters.read(params, callers.caller(), KEYS, SearchKey.INITIATOR, MESSAGE);
        return usage.report(callers.caller(), f, groupBy, orderBy, limit);
    }

    private static <E extends Enum<E>> E choice(QueryParams params, String name, Class<E> type, E fallback) {
        String value = params.get(name).orElse(null);
        if (value == null) {
            return fallback;
        }
        for (E constant : type.getEnumConstants()) {
            if (constant.name().toLowerCase(Locale.ROOT).equals(value)) {
                return constant;
            }
        }
        throw ApiException.badRequest(MESSAGE, name, "Query parameter \"" + name + "\" must be one of "
                + Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")));
    }
}

package io.aibridge.query.catalog;

import io.aibridge.query.access.CallerContext;
import io.aibridge.query.api.ApiError;
import io.aibridge.query.catalog.CatalogRepository.Catalog;
import io.aibridge.query.search.FilterReader;
import io.aibridge.query.search.Paging;
import io.aibridge.query.search.QueryParams;
import io.aibridge.query.search.SearchKey;
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

import java.util.List;
import java.util.Set;

/** {@code GET /api/v2/aibridge/models} and {@code GET /api/v2/aibridge/clients}. */
@Path("/api/v2/aibridge")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Catalog")
public class CatalogResource {

    private final CatalogRepository catalog;
    private final FilterReader filters;
    private final CallerContext callers;

    public CatalogResource(CatalogRepository catalog, FilterReader filters, CallerContext callers) {
        this.catalog = catalog;
        this.filters = filters;
        this.callers = callers;
    }

    @GET
    @Path("/models")
    @Operation(summary = "List models", description = "Distinct models of the interceptions the caller may see, sorted.")
    @Parameter(name = "q", in = ParameterIn.QUERY, description = "Model prefix (case-sensitive), as model:<prefix> or a bare term")
    @Parameter(name = "model", in = ParameterIn.QUERY, description = "Model prefix (case-sensitive)")
    @Parameter(name = "limit", in = ParameterIn.QUERY, description = "At most this many, 1 to 1000",
            schema = @Schema(type = SchemaType.INTEGER, defaultValue = "100", minimum = "1", maximum = "1000"))
    @APIResponse(responseCode = "200", description = "Model names",
            content = @Content(schema = @Schema(type = SchemaType.ARRAY, implementation = String.class)))
    @APIResponse(responseCode = "400", description = "Invalid query or limit",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public List<String> models(@Context UriInfo uri) {
        return list(uri, Catalog.MODELS, SearchKey.MODEL, "Invalid models search query.");
    }

    @GET
    @Path("/clients")
    @Operation(summary = "List clients", description = "Distinct clients of the interceptions the caller may see, sorted;"
            + " interceptions without a detected client count as Unknown.")
    @Parameter(name = "q", in = ParameterIn.QUERY, description = "Client prefix (case-sensitive), as client:<prefix> or a bare term")
    @Parameter(name = "client", in = ParameterIn.QUERY, description = "Client prefix (case-sensitive)")
    @Parameter(name = "limit", in = ParameterIn.QUERY, description = "At most this many, 1 to 1000",
            schema = @Schema(type = SchemaType.INTEGER, defaultValue = "100", minimum = "1", maximum = "1000"))
    @APIResponse(responseCode = "200", description = "Client names",
            content = @Content(schema = @Schema(type = SchemaType.ARRAY, implementation = String.class)))
    @APIResponse(responseCode = "400", description = "Invalid query or limit",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public List<String> clients(@Context UriInfo uri) {
        return list(uri, Catalog.CLIENTS, SearchKey.CLIENT, "Invalid clients search query.");
    }

    private List<String> list(UriInfo uri, Catalog which, SearchKey key, String message) {
        QueryParams params = QueryParams.of(uri, Set.of("q", "limit", key.wireName()));
        int limit = Paging.limit(params, 100, 1000);
        String prefix = filters.raw(params, Set.of(key), key, message).get(key);
        return catalog.values(callers.caller(), which, prefix, limit);
    }
}

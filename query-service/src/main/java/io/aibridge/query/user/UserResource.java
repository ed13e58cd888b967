package io.aibridge.query.user;

import io.aibridge.events.UserUpserted;
import io.aibridge.query.access.Caller;
import io.aibridge.query.access.CallerContext;
import io.aibridge.query.api.ApiError;
import io.aibridge.query.api.ApiException;
import io.aibridge.query.search.QueryParams;
import io.aibridge.query.search.Values;
import io.aibridge.query.user.UserService.CreatedKey;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Users and API keys. Only owners may use these endpoints (403 otherwise), except
 * {@code GET /api/v2/users/me}, which any authenticated caller may read. Changes go through the
 * identity topic, so they reach the proxy and every replica within seconds.
 */
@Path("/api/v2/users")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Users")
public class UserResource {

    private static final CacheControl NO_STORE = CacheControl.valueOf("no-store");
    private static final String UNAVAILABLE = "Kafka unavailable. \"Identity changes are unavailable.\": nothing changed."
            + " \"Kafka did not confirm the change in time; it may or may not have been made.\": the outcome is unknown;"
            + " the detail says how to check before trying again.";

    private final UserService users;
    private final CallerContext callers;

    public UserResource(UserService users, CallerContext callers) {
        this.users = users;
        this.callers = callers;
    }

    /** The users list. */
    @Schema(name = "UserList")
    public record UserList(long count, List<UserView> users) {
    }

    /** The keys of a user, newest first. */
    @Schema(name = "ApiKeyList")
    public record ApiKeyList(long count, List<ApiKeyView> keys) {
    }

    @GET
    @Operation(summary = "List users", description = "Every user, by username. Owners only.")
    @APIResponse(responseCode = "200", description = "The users", content = @Content(schema = @Schema(implementation = UserList.class)))
    @APIResponse(responseCode = "403", description = "Not an owner", content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response list(@Context UriInfo uri) {
        QueryParams.of(uri, Set.of());
        callers.owner();
        List<UserView> all = users.list().stream().map(UserView::of).toList();
        return ok(new UserList(all.size(), all));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a user", description = "Creates a user (role member and status active unless given). Owners only."
            + " Usernames are unique, case-insensitively. The user can use AI Bridge once they have an API key.")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = UserRequests.CreateUser.class)))
    @APIResponse(responseCode = "201", description = "The new user", content = @Content(schema = @Schema(implementation = UserView.class)))
    @APIResponse(responseCode = "400", description = "Invalid body", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "409", description = "Username taken", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "503", description = UNAVAILABLE, content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response create(@Context UriInfo uri, String body) {
        QueryParams.of(uri, Set.of());
        callers.owner();
        UserUpserted user = users.create(UserRequests.user(body, true));
        return Response.created(uri.getAbsolutePathBuilder().path(user.userId().toString()).build())
                .cacheControl(NO_STORE).entity(UserView.of(user)).build();
    }

    @GET
    @Path("/{user}")
    @Operation(summary = "Get a user", description = "A user by id or username. Owners only, except \"me\": every caller may read themselves.")
    @Parameter(name = "user", in = ParameterIn.PATH, description = "User id, username or \"me\"")
    @APIResponse(responseCode = "200", description = "The user", content = @Content(schema = @Schema(implementation = UserView.class)))
    @APIResponse(responseCode = "404", description = "No such user", content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response get(@PathParam("user") String user, @Context UriInfo uri) {
        QueryParams.of(uri, Set.of());
        Caller caller = user.equals(UserDirectory.ME) ? callers.caller() : callers.owner();
        return ok(UserView.of(users.find(checked("user", user), caller)));
    }

    @PATCH
    @Path("/{user}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Update a user", description = "Changes the fields given: username, name, email (null clears it),"
            + " avatar_url, role, status. Suspending a user stops all their keys at once. The last active owner cannot be"
            + " demoted or suspended. Owners only.")
    @Parameter(name = "user", in = ParameterIn.PATH, description = "User id, username or \"me\"")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = UserRequests.UpdateUser.class)))
    @APIResponse(responseCode = "200", description = "The updated user", content = @Content(schema = @Schema(implementation = UserView.class)))
    @APIResponse(responseCode = "400", description = "Invalid body", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "409", description = "Username taken, or the last owner", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "503", description = UNAVAILABLE, content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response update(@PathParam("user") String user, @Context UriInfo uri, String body) {
        QueryParams.of(uri, Set.of());
        Caller caller = callers.owner();
        UserUpserted current = users.find(checked("user", user), caller);
        return ok(UserView.of(users.update(current, UserRequests.user(body, false))));
    }

    @GET
    @Path("/{user}/keys")
    @Operation(summary = "List a user's API keys", description = "The user's keys, newest first, without secrets. Owners only.")
    @Parameter(name = "user", in = ParameterIn.PATH, description = "User id, username or \"me\"")
    @APIResponse(responseCode = "200", description = "The keys", content = @Content(schema = @Schema(implementation = ApiKeyList.class)))
    public Response keys(@PathParam("user") String user, @Context UriInfo uri) {
        QueryParams.of(uri, Set.of());
        Caller caller = callers.owner();
        Instant now = Instant.now();
        List<ApiKeyView> keys = users.keys(users.find(checked("user", user), caller)).stream().map(k -> ApiKeyView.of(k, now)).toList();
        return ok(new ApiKeyList(keys.size(), keys));
    }

    @POST
    @Path("/{user}/keys")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    @Operation(summary = "Create an API key", description = "Creates a key for the user. The answer carries the whole key"
            + " (token, aib_<id>_<secret>) once; only its hash is kept. Once Kafka has acknowledged the key it is answered,"
            + " token included, even if this replica has not applied it yet (it takes effect everywhere within seconds)."
            + " Owners only.")
    @Parameter(name = "user", in = ParameterIn.PATH, description = "User id, username or \"me\"")
    @RequestBody(content = @Content(schema = @Schema(implementation = UserRequests.CreateApiKey.class)))
    @APIResponse(responseCode = "201", description = "The key, with its token", content = @Content(schema = @Schema(implementation = ApiKeyView.class)))
    @APIResponse(responseCode = "503", description = UNAVAILABLE, content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response createKey(@PathParam("user") String user, @Context UriInfo uri, String body) {
        QueryParams.of(uri, Set.of());
        Caller caller = callers.owner();
        UserUpserted owner = users.find(checked("user", user), caller);
        CreatedKey created = users.createKey(owner, UserRequests.key(body, Instant.now()));
        return Response.created(uri.getAbsolutePathBuilder().path(created.key().keyId()).build())
                .cacheControl(NO_STORE).entity(ApiKeyView.of(created.key(), Instant.now()).withToken(created.token())).build();
    }

    @GET
    @Path("/{user}/keys/{key_id}")
    @Operation(summary = "Get an API key", description = "One key of the user, without its secret. Owners only.")
    @Parameter(name = "user", in = ParameterIn.PATH, description = "User id, username or \"me\"")
    @Parameter(name = "key_id", in = ParameterIn.PATH, description = "Key id")
    @APIResponse(responseCode = "200", description = "The key", content = @Content(schema = @Schema(implementation = ApiKeyView.class)))
    @APIResponse(responseCode = "404", description = "No such user or key", content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response key(@PathParam("user") String user, @PathParam("key_id") String keyId, @Context UriInfo uri) {
        QueryParams.of(uri, Set.of());
        Caller caller = callers.owner();
        UserUpserted owner = users.find(checked("user", user), caller);
        return ok(ApiKeyView.of(users.key(owner, checked("key_id", keyId)), Instant.now()));
    }

    @DELETE
    @Path("/{user}/keys/{key_id}")
    @Operation(summary = "Revoke an API key", description = "Revokes the key: the proxy and every replica reject it within"
            + " seconds. Revoking a revoked key changes nothing. Owners only.")
    @Parameter(name = "user", in = ParameterIn.PATH, description = "User id, username or \"me\"")
    @Parameter(name = "key_id", in = ParameterIn.PATH, description = "Key id")
    @APIResponse(responseCode = "200", description = "The revoked key", content = @Content(schema = @Schema(implementation = ApiKeyView.class)))
    @APIResponse(responseCode = "404", description = "No such user or key", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "503", description = UNAVAILABLE, content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response revoke(@PathParam("user") String user, @PathParam("key_id") String keyId, @Context UriInfo uri) {
        QueryParams.of(uri, Set.of());
        Caller caller = callers.owner();
        UserUpserted owner = users.find(checked("user", user), caller);
        return ok(ApiKeyView.of(users.revokeKey(owner, checked("key_id", keyId)), Instant.now()));
    }

    private static String checked(String field, String value) {
        Values.problem(value, QueryParams.MAX_VALUE_LENGTH).ifPresent(problem -> {
            throw ApiException.badRequest("Invalid path parameter.", field, "Path parameter \"" + field + "\" " + problem);
        });
        return value;
    }

    private static Response ok(Object entity) {
        return Response.ok(entity).cacheControl(NO_STORE).build();
    }
}

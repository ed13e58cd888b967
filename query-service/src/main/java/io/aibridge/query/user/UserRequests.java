package io.aibridge.query.user;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.events.Role;
import io.aibridge.events.UserStatus;
import io.aibridge.query.api.ApiException;
import io.aibridge.query.api.ValidationError;
import io.aibridge.query.search.Times;
import io.aibridge.query.search.Values;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The admin API's request bodies, read field by field so that every problem (bad JSON, an unknown
 * field, a wrong type, an invalid value) is a 400 naming the field.
 */
public final class UserRequests {

    public static final int MAX_USERNAME = 64;
    public static final int MAX_NAME = 128;
    public static final int MAX_EMAIL = 254;
    public static final int MAX_AVATAR_URL = 2048;
    private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY).build();

    private UserRequests() {
    }

    /** {@code POST /api/v2/users}. */
    @Schema(name = "CreateUser", description = "A new user; only username is required")
    public record CreateUser(
            @Schema(description = "1 to 64 letters, digits, '.', '_' or '-', starting and ending with a letter or digit",
                    required = true, example = "alice") String username,
            @Schema(description = "Display name, at most 128 characters") String name,
            @Schema(description = "Email address") String email,
            @Schema(description = "http(s) URL of an avatar image") String avatarUrl,
            @Schema(description = "owner, auditor or member (default)", enumeration = {"owner", "auditor", "member"}) String role,
            @Schema(description = "active (default) or suspended", enumeration = {"active", "suspended"}) String status) {
    }

    /** {@code PATCH /api/v2/users/{user}}: only the fields present change; email null clears it. */
    @Schema(name = "UpdateUser", description = "The fields to change; absent fields keep their value, email null clears it")
    public record UpdateUser(String username, String name, String email, String avatarUrl,
                             @Schema(enumeration = {"owner", "auditor", "member"}) String role,
                             @Schema(enumeration = {"active", "suspended"}) String status) {
    }

    /** {@code POST /api/v2/users/{user}/keys}; the body may be empty. */
    @Schema(name = "CreateApiKey", description = "A new API key; the body may be empty")
    public record CreateApiKey(@Schema(description = "A label, at most 128 characters") String name,
                               @Schema(description = "RFC 3339 time in the future when the key stops working; absent: never",
                                       format = "date-time") String expiresAt) {
    }

    /** A validated user change: each field is present when it is to be set. */
    public record UserFields(Optional<String> username, Optional<String> name, Optional<Optional<String>> email,
                             Optional<String> avatarUrl, Optional<Role> role, Optional<UserStatus> status) {
    }

    /** A validated key request. */
    public record KeyFields(String name, Instant expiresAt) {
    }

    private static final Set<String> USER_FIELDS = Set.of("username", "name", "email", "avatar_url", "role", "status");
    private static final Set<String> KEY_FIELDS = Set.of("name", "expires_at");

    public static UserFields user(String body, boolean create) {
        ObjectNode json = object(body, false);
        List<ValidationError> errors = new ArrayList<>();
        unknownFields(json, USER_FIELDS, errors);
        Optional<String> username = text(json, "username", MAX_USERNAME, errors);
        if (username.isPresent()) {
            String u = username.get();
            if (!USERNAME.matcher(u).matches()) {
                errors.add(new ValidationError("username", "must be 1 to 64 letters, digits, '.', '_' or '-', starting and ending with a letter or digit"));
            } else if (u.equalsIgnoreCase(UserDirectory.ME) || Values.uuid(u).isPresent()) {
                errors.add(new ValidationError("username", "\"" + u + "\" is reserved"));
            }
        } else if (create && !json.has("username")) {
            errors.add(new ValidationError("username", "is required"));
        }
        Optional<String> name = text(json, "name", MAX_NAME, errors);
        Optional<Optional<String>> email = Optional.empty();
        if (json.has("email")) {
            if (json.get("email").isNull()) {
                email = Optional.of(Optional.empty());
            } else {
                Optional<String> e = text(json, "email", MAX_EMAIL, errors);
                if (e.isPresent() && !e.get().isEmpty() && !EMAIL.matcher(e.get()).matches()) {
                    errors.add(new ValidationError("email", "must be an email address"));
                }
                email = e.map(v -> v.isEmpty() ? Optional.<String>empty() : Optional.of(v));
            }
        }
        Optional<String> avatar = text(json, "avatar_url", MAX_AVATAR_URL, errors);
        if (avatar.isPresent() && !avatar.get().isEmpty() && !httpUrl(avatar.get())) {
            errors.add(new ValidationError("avatar_url", "must be an http or https URL"));
        }
        Optional<Role> role = choice(json, "role", Role.class, errors);
        Optional<UserStatus> status = choice(json, "status", UserStatus.class, errors);
        if (!errors.isEmpty()) {
            throw ApiException.badRequest("Invalid request body.", errors);
        }
        return new UserFields(username, name, email, avatar, role, status);
    }

    public static KeyFields key(String body, Instant now) {
        ObjectNode json = object(body, true);
        List<ValidationError> errors = new ArrayList<>();
        unknownFields(json, KEY_FIELDS, errors);
        String name = text(json, "name", MAX_NAME, errors).orElse("");
        Instant expiresAt = null;
        Optional<String> expires = text(json, "expires_at", 64, errors);
        if (expires.isPresent()) {
            Optional<Instant> parsed = Times.parse(expires.get());
            if (parsed.isEmpty()) {
                errors.add(new ValidationError("expires_at", "must be an RFC 3339 time, e.g. " + Times.EXAMPLE));
            } else if (!parsed.get().isAfter(now)) {
                errors.add(new ValidationError("expires_at", "must be in the future"));
            } else {
                expiresAt = parsed.get();
            }
        }
        if (!errors.isEmpty()) {
            throw ApiException.badRequest("Invalid request body.", errors);
        }
        return new KeyFields(name, expiresAt);
    }

    private static ObjectNode object(String body, boolean emptyAllowed) {
        if (body == null || body.isBlank()) {
            if (emptyAllowed) {
                return JSON.createObjectNode();
            }
            throw ApiException.badRequest("Invalid request body.", "body", "The request body must be a JSON object");
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw ApiException.badRequest("Invalid request body.", "body", "The request body is not valid JSON" + where);
        }
        if (!(node instanceof ObjectNode object)) {
            throw ApiException.badRequest("Invalid request body.", "body", "The request body must be a JSON object");
        }
        return object;
    }

    private static void unknownFields(ObjectNode json, Set<String> known, List<ValidationError> errors) {
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                errors.add(new ValidationError(Values.printable(name), "unknown field; valid fields are " + String.join(", ", new java.util.TreeSet<>(known))));
            }
        }
    }

    private static Optional<String> text(ObjectNode json, String field, int max, List<ValidationError> errors) {
        JsonNode value = json.get(field);
        if (value == null) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            errors.add(new ValidationError(field, "must be a string"));
            return Optional.empty();
        }
        String text = value.textValue().trim();
        Optional<String> problem = Values.problem(text, max);
        if (problem.isPresent()) {
            errors.add(new ValidationError(field, problem.get()));
            return Optional.empty();
        }
        return Optional.of(text);
    }

    private static <E extends Enum<E>> Optional<E> choice(ObjectNode json, String field, Class<E> type, List<ValidationError> errors) {
        JsonNode value = json.get(field);
        if (value == null) {
            return Optional.empty();
        }
        if (value.isTextual()) {
            for (E constant : type.getEnumConstants()) {
                if (constant.name().toLowerCase(Locale.ROOT).equals(value.textValue())) {
                    return Optional.of(constant);
                }
            }
        }
        List<String> names = java.util.Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).toList();
        errors.add(new ValidationError(field, "must be one of " + String.join(", ", names)));
        return Optional.empty();
    }

    private static boolean httpUrl(String value) {
        try {
            URI uri = new URI(value);
            return ("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme())) && uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }
}

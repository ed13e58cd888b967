package io.aibridge.query.search;

import io.aibridge.query.access.Caller;
import io.aibridge.query.api.ApiException;
import io.aibridge.query.api.ValidationError;
import io.aibridge.query.user.UserDirectory;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Reads the filters of a list request from its query parameters and its {@code q} search query
 * (either or both; a key given both ways must agree), validates every value and resolves the
 * initiator. All problems are reported together in one 400 under the endpoint's message.
 */
@ApplicationScoped
public class FilterReader {

    private final UserDirectory users;

    public FilterReader(UserDirectory users) {
        this.users = users;
    }

    /**
     * @param keys       the keys this endpoint accepts
     * @param defaultKey the key of bare {@code q} terms
     * @param message    the 400 message, e.g. {@code Invalid session search query.}
     */
    public Filters read(QueryParams params, Caller caller, Set<SearchKey> keys, SearchKey defaultKey, String message) {
        List<ValidationError> errors = new ArrayList<>();
        Map<SearchKey, String> raw = raw(params, keys, defaultKey, errors);
        Instant after = time(raw, SearchKey.STARTED_AFTER, errors);
        Instant before = time(raw, SearchKey.STARTED_BEFORE, errors);
        if (after != null && before != null && !before.isAfter(after)) {
            errors.add(new ValidationError(SearchKey.STARTED_BEFORE.wireName(),
                    "Query param \"started_before\" has invalid value: \"started_before\" must be after \"started_after\" if set"));
        }
        UUID initiator = null;
        String initiatorValue = raw.get(SearchKey.INITIATOR);
        if (initiatorValue != null) {
            Optional<UUID> resolved = users.resolveInitiator(initiatorValue, caller);
            if (resolved.isEmpty()) {
                errors.add(new ValidationError(SearchKey.INITIATOR.wireName(),
                        "user \"" + Values.printable(initiatorValue) + "\" either does not exist, or you are unauthorized to view them"));
            } else {
                initiator = resolved.get();
            }
        }
        if (!errors.isEmpty()) {
            throw ApiException.badRequest(message, errors);
        }
        return new Filters(initiator, raw.get(SearchKey.SESSION_ID), raw.get(SearchKey.PROVIDER),
                raw.get(SearchKey.MODEL), raw.get(SearchKey.CLIENT), after, before);
    }

    /** The raw value of each key, from parameters and {@code q}, checked for syntax and agreement; 400 when not. */
    public Map<SearchKey, String> raw(QueryParams params, Set<SearchKey> keys, SearchKey defaultKey, String message) {
        List<ValidationError> errors = new ArrayList<>();
        Map<SearchKey, String> values = raw(params, keys, defaultKey, errors);
        if (!errors.isEmpty()) {
            throw ApiException.badRequest(message, errors);
        }
        return values;
    }

    private Map<SearchKey, String> raw(QueryParams params, Set<SearchKey> keys, SearchKey defaultKey, List<ValidationError> errors) {
        Map<SearchKey, String> values = new EnumMap<>(SearchKey.class);
        for (SearchKey key : keys) {
            params.get(key.wireName()).ifPresent(v -> values.put(key, v));
        }
        SearchQuery.Parsed parsed = SearchQuery.parse(params.get("q").orElse(null),
                defaultKey == null ? null : defaultKey.wireName());
        errors.addAll(parsed.errors());
        Map<SearchKey, String> fromQ = new EnumMap<>(SearchKey.class);
        for (SearchQuery.Term term : parsed.terms()) {
            Optional<SearchKey> key = SearchKey.fromWire(term.key()).filter(keys::contains);
            if (key.isEmpty()) {
                errors.add(new ValidationError(Values.printable(term.key()), "\"" + Values.printable(term.key())
                        + "\" is not a valid search key; valid keys are " + keys.stream().map(SearchKey::wireName)
                        .sorted().collect(Collectors.joining(", "))));
                continue;
            }
            String field = key.get().wireName();
            if (fromQ.containsKey(key.get())) {
                errors.add(new ValidationError(field, "Search key \"" + field + "\" may appear only once in q"));
                continue;
            }
            Optional<String> problem = term.value().isEmpty() ? Optional.of("must not be empty")
                    : Values.problem(term.value(), QueryParams.MAX_VALUE_LENGTH);
            if (problem.isPresent()) {
                errors.add(new ValidationError(field, "Search key \"" + field + "\" " + problem.get()));
                continue;
            }
            fromQ.put(key.get(), term.value());
        }
        for (Map.Entry<SearchKey, String> entry : fromQ.entrySet()) {
            String fromParam = values.get(entry.getKey());
            if (fromParam != null && !fromParam.equals(entry.getValue())) {
                errors.add(new ValidationError(entry.getKey().wireName(), "\"" + entry.getKey().wireName()
                        + "\" is given both as a query parameter and in q, with different values"));
            }
            values.put(entry.getKey(), entry.getValue());
        }
        return values;
    }

    private static Instant time(Map<SearchKey, String> raw, SearchKey key, List<ValidationError> errors) {
        String value = raw.get(key);
        if (value == null) {
            return null;
        }
        Optional<Instant> parsed = Times.parse(value);
        if (parsed.isEmpty()) {
            errors.add(new ValidationError(key.wireName(), "Query param \"" + key.wireName()
                    + "\" must be a valid RFC 3339 time, e.g. " + Times.EXAMPLE + "; got \"" + Values.printable(value) + "\""));
            return null;
        }
        return parsed.get();
    }
}

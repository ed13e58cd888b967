package io.aibridge.query.search;

import io.aibridge.query.api.ApiException;
import io.aibridge.query.api.ValidationError;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.UriInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The query parameters of one request, checked up front: a parameter the endpoint does not know
 * (usually a typo that would otherwise silently widen the result), a parameter given twice, a value
 * longer than {@link #MAX_VALUE_LENGTH} or with control characters is a 400 naming the parameter.
 */
public final class QueryParams {

    /** The longest value any query parameter takes ({@code q} may hold several terms). */
    public static final int MAX_VALUE_LENGTH = 256;
    public static final int MAX_Q_LENGTH = 2048;

    private final Map<String, String> values;

    private QueryParams(Map<String, String> values) {
        this.values = values;
    }

    public static QueryParams of(UriInfo uri, Set<String> allowed) {
        MultivaluedMap<String, String> raw = uri.getQueryParameters(true);
        List<ValidationError> errors = new ArrayList<>();
        Map<String, String> values = new java.util.HashMap<>();
        for (Map.Entry<String, List<String>> entry : raw.entrySet()) {
            String name = entry.getKey();
            if (!allowed.contains(name)) {
                errors.add(new ValidationError(Values.printable(name),
                        "\"" + Values.printable(name) + "\" is not a valid query parameter here; valid parameters are "
                                + String.join(", ", new TreeSet<>(allowed))));
                continue;
            }
            List<String> given = entry.getValue();
            if (given.size() > 1) {
                errors.add(new ValidationError(name, "Query parameter \"" + name + "\" may be given only once"));
                continue;
            }
            String value = given.isEmpty() || given.get(0) == null ? "" : given.get(0);
            int max = name.equals("q") ? MAX_Q_LENGTH : MAX_VALUE_LENGTH;
            Optional<String> problem = Values.problem(value, max);
            if (problem.isPresent()) {
                errors.add(new ValidationError(name, "Query parameter \"" + name + "\" " + problem.get()));
                continue;
            }
            values.put(name, value);
        }
        if (!errors.isEmpty()) {
            throw ApiException.badRequest("Query parameters have invalid values.", errors);
        }
        return new QueryParams(values);
    }

    /** The value, or empty when absent or empty. */
    public Optional<String> get(String name) {
        String value = values.get(name);
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    public boolean has(String name) {
        return get(name).isPresent();
    }
}

package io.aibridge.query.search;

import io.aibridge.query.api.ValidationError;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The reference's {@code q} syntax: space-separated {@code key:value} terms, values optionally in
 * double quotes (needed for values with spaces or colons, such as times). Inside quotes {@code \"}
 * and {@code \\} stand for a quote and a backslash. Keys are case-insensitive. Terms without a key
 * are joined with single spaces into one value for the endpoint's default key.
 *
 * <pre>initiator:me provider:anthropic started_after:"2026-03-01T00:00:00Z"</pre>
 */
public final class SearchQuery {

    /** One {@code key:value} term; {@code key} is lower case, {@code value} unquoted. */
    public record Term(String key, String value) {
    }

    /** The terms of a query, or what is wrong with it (field {@code q}). */
    public record Parsed(List<Term> terms, List<ValidationError> errors) {
    }

    private SearchQuery() {
    }

    public static Parsed parse(String q, String defaultKey) {
        List<Term> terms = new ArrayList<>();
        List<ValidationError> errors = new ArrayList<>();
        if (q == null || q.isBlank()) {
            return new Parsed(terms, errors);
        }
        List<String> bare = new ArrayList<>();
        List<String> elements;
        try {
            elements = split(q);
        } catch (IllegalArgumentException e) {
            errors.add(new ValidationError("q", e.getMessage()));
            return new Parsed(terms, errors);
        }
        for (String element : elements) {
            List<Integer> colons = colonsOutsideQuotes(element);
            if (colons.isEmpty()) {
                bare.add(unquote(element));
                continue;
            }
            if (element.startsWith(":") || element.endsWith(":")) {
                errors.add(new ValidationError("q", "Query element \"" + Values.printable(element) + "\" cannot start or end with ':'"));
                continue;
            }
            if (colons.size() > 1) {
                errors.add(new ValidationError("q", "Query element \"" + Values.printable(element)
                        + "\" can only contain 1 ':' outside quotes; quote values that contain ':' (times, for example)"));
                continue;
            }
            int colon = colons.get(0);
            String key = unquote(element.substring(0, colon)).toLowerCase(Locale.ROOT);
            terms.add(new Term(key, unquote(element.substring(colon + 1))));
        }
        if (!bare.isEmpty() && defaultKey != null) {
            terms.add(new Term(defaultKey, String.join(" ", bare)));
        }
        return new Parsed(terms, errors);
    }

    /** Splits on whitespace outside double quotes; keeps quotes and escapes in place for later. */
    private static List<String> split(String q) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < q.length(); i++) {
            char ch = q.charAt(i);
            if (quoted && ch == '\\' && i + 1 < q.length()) {
                current.append(ch).append(q.charAt(++i));
                continue;
            }
            if (ch == '"') {
                quoted = !quoted;
            }
            if (!quoted && Character.isWhitespace(ch)) {
                if (!current.isEmpty()) {
                    out.add(current.toString());
                    current.setLength(0);
                }
                continue;
            }
            current.append(ch);
        }
        if (quoted) {
            throw new IllegalArgumentException("Query has an unterminated double quote");
        }
        if (!current.isEmpty()) {
            out.add(current.toString());
        }
        return out;
    }

    private static List<Integer> colonsOutsideQuotes(String element) {
        List<Integer> colons = new ArrayList<>();
        boolean quoted = false;
        for (int i = 0; i < element.length(); i++) {
            char ch = element.charAt(i);
            if (quoted && ch == '\\') {
                i++;
            } else if (ch == '"') {
                quoted = !quoted;
            } else if (ch == ':' && !quoted) {
                colons.add(i);
            }
        }
        return colons;
    }

    /** Drops the quotes and resolves {@code \"} and {@code \\} inside them. */
    private static String unquote(String part) {
        StringBuilder out = new StringBuilder(part.length());
        boolean quoted = false;
        for (int i = 0; i < part.length(); i++) {
            char ch = part.charAt(i);
            if (quoted && ch == '\\' && i + 1 < part.length()) {
                out.append(part.charAt(++i));
            } else if (ch == '"') {
                quoted = !quoted;
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }
}

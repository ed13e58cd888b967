package io.aibridge.cli.http;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/** Query parameters in the order they were added; empty values are left out. */
public final class Params {

    private final List<String[]> pairs = new ArrayList<>();

    public static Params of() {
        return new Params();
    }

    public Params add(String name, String value) {
        if (value != null && !value.isEmpty()) {
            pairs.add(new String[] {name, value});
        }
        return this;
    }

    public Params add(String name, Number value) {
        return value == null ? this : add(name, value.toString());
    }

    public Params copy() {
        Params copy = new Params();
        copy.pairs.addAll(pairs);
        return copy;
    }

    /** {@code ?a=1&b=x%20y}, or an empty string. */
    public String toQueryString() {
        if (pairs.isEmpty()) {
            return "";
        }
        StringJoiner joined = new StringJoiner("&", "?", "");
        for (String[] pair : pairs) {
            joined.add(encode(pair[0]) + "=" + encode(pair[1]));
        }
        return joined.toString();
    }

    /** Percent-encodes a query component; spaces become %20, which every server reads as a space. */
    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Percent-encodes one path segment (a session id may hold spaces or slashes). */
    public static String segment(String value) {
        return encode(value);
    }

    @Override
    public String toString() {
        return toQueryString();
    }
}

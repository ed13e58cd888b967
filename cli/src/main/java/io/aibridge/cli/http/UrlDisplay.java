package io.aibridge.cli.http;

/**
 * A URL as it may appear in a message: user info replaced by {@code ***} and every query value
 * masked, so {@code https://alice:s3cret@proxy:3128/?token=x} prints as
 * {@code https://***@proxy:3128/?token=***}. Works on text that does not parse as a URI, because
 * the messages that print it are the ones about malformed values.
 */
public final class UrlDisplay {

    private UrlDisplay() {
    }

    public static String of(String url) {
        int schemeEnd = url.indexOf("://");
        int authorityStart = schemeEnd < 0 ? 0 : schemeEnd + 3;
        int authorityEnd = url.length();
        for (int i = authorityStart; i < url.length(); i++) {
            char c = url.charAt(i);
            if (c == '/' || c == '?' || c == '#') {
                authorityEnd = i;
                break;
            }
        }
        StringBuilder out = new StringBuilder(url.length());
        int at = url.lastIndexOf('@', authorityEnd - 1);
        if (at >= authorityStart) {
            out.append(url, 0, authorityStart).append("***").append(url, at, authorityEnd);
        } else {
            out.append(url, 0, authorityEnd);
        }
        String rest = url.substring(authorityEnd);
        int fragment = rest.indexOf('#');
        if (fragment >= 0) {
            rest = rest.substring(0, fragment) + "#***";
        }
        int query = rest.indexOf('?');
        if (query < 0) {
            return out.append(rest).toString();
        }
        out.append(rest, 0, query + 1);
        int end = rest.indexOf('#', query);
        String tail = end < 0 ? "" : rest.substring(end);
        String[] pairs = rest.substring(query + 1, end < 0 ? rest.length() : end).split("&", -1);
        for (int i = 0; i < pairs.length; i++) {
            if (i > 0) {
                out.append('&');
            }
            int eq = pairs[i].indexOf('=');
            out.append(eq < 0 ? (pairs[i].isEmpty() ? "" : "***") : pairs[i].substring(0, eq + 1) + "***");
        }
        return out.append(tail).toString();
    }
}

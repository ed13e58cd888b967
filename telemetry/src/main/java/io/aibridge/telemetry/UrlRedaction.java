package io.aibridge.telemetry;

/**
 * URLs as they may be shown outside the connection that uses them (log lines, span attributes,
 * events, metric labels): without user info ({@code https://user:password@host}), with every query
 * value masked ({@code ?api_key=***}, the names kept for debugging) and without a fragment. Works on
 * the text, not a parsed URI, so that a message about a malformed URL can show it too.
 */
public final class UrlRedaction {

    private UrlRedaction() {
    }

    /** {@code https://u:p@host/mcp?api_key=k#x} becomes {@code https://host/mcp?api_key=***}; a path keeps its shape. */
    public static String maskUrl(String url) {
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
        StringBuilder out = new StringBuilder(url.length()).append(url, 0, authorityStart);
        int at = url.lastIndexOf('@', authorityEnd - 1);
        out.append(url, at >= authorityStart ? at + 1 : authorityStart, authorityEnd);
        int fragment = url.indexOf('#', authorityEnd);
        String rest = url.substring(authorityEnd, fragment < 0 ? url.length() : fragment);
        int query = rest.indexOf('?');
        return query < 0 ? out.append(rest).toString()
                : out.append(rest, 0, query + 1).append(maskQuery(rest.substring(query + 1))).toString();
    }

    /** {@code a=1&b&c=2} becomes {@code a=***&b&c=***}; a parameter without a value is kept as it is. */
    public static String maskQuery(String query) {
        StringBuilder out = new StringBuilder(query.length());
        String[] pairs = query.split("&", -1);
        for (int i = 0; i < pairs.length; i++) {
            if (i > 0) {
                out.append('&');
            }
            int eq = pairs[i].indexOf('=');
            out.append(eq < 0 ? pairs[i] : pairs[i].substring(0, eq + 1) + "***");
        }
        return out.toString();
    }
}

package io.aibridge.proxy.mcp;

/**
 * How an MCP server's URL is shown everywhere except on the connection itself: in log lines, span
 * attributes, the {@code server_url} of tool-usage events and the {@code server} metric label. A URL
 * from {@code AIBRIDGE_MCP_SERVER_<N>_URL} can carry credentials ({@code https://user:password@host/mcp})
 * or a key in its query (some hosted MCP servers take {@code ?api_key=…}); the display form drops the
 * user info and masks every query value: {@code https://host/mcp?api_key=***}. Parameter names stay,
 * so two servers that differ only in a key still tell apart by host and path. A fragment is dropped.
 */
public final class McpServerUrl {

    private McpServerUrl() {
    }

    public static String display(String url) {
        if (url == null) {
            return null;
        }
        // on the text, not a parsed URI: the start-up error about a malformed URL shows it too
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
        if (query < 0) {
            return out.append(rest).toString();
        }
        out.append(rest, 0, query + 1);
        String[] pairs = rest.substring(query + 1).split("&", -1);
        for (int i = 0; i < pairs.length; i++) {
            if (i > 0) {
                out.append('&');
            }
            int eq = pairs[i].indexOf('=');
            out.append(eq < 0 ? pairs[i] : pairs[i].substring(0, eq + 1) + "***");
        }
        return out.toString();
    }

    /** {@code text} with every occurrence of the raw URL replaced by its display form (for error messages that quote it). */
    static String scrub(String text, String url) {
        return text == null || url == null || url.isEmpty() ? text : text.replace(url, display(url));
    }
}

package io.aibridge.proxy.mcp;

import io.aibridge.telemetry.UrlRedaction;

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
        return url == null ? null : UrlRedaction.maskUrl(url);
    }

    /** {@code text} with every occurrence of the raw URL replaced by its display form (for error messages that quote it). */
    static String scrub(String text, String url) {
        return text == null || url == null || url.isEmpty() ? text : text.replace(url, display(url));
    }
}

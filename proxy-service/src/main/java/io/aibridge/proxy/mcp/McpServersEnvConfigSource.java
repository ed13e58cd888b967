package io.aibridge.proxy.mcp;

import io.aibridge.proxy.config.IndexedEnvConfigSource;

import java.util.Map;

/**
 * Maps the indexed variables {@code AIBRIDGE_MCP_SERVER_<N>_<KEY>} onto
 * {@code proxy.mcp.servers[N].<key>}, so that operators list servers the way they list providers.
 * {@code N} runs contiguously from 0. Keys: {@code NAME}, {@code URL}, {@code TOKEN},
 * {@code USER_TOKEN}, {@code ALLOW}, {@code DENY}. A gap in the indices or an unknown key stops the
 * proxy at start with a message naming the variable, instead of silently dropping a server.
 */
public final class McpServersEnvConfigSource extends IndexedEnvConfigSource {

    static final String PREFIX = "AIBRIDGE_MCP_SERVER_";
    private static final Map<String, String> KEYS = Map.of("NAME", "name", "URL", "url", "TOKEN", "token",
            "USER_TOKEN", "user-token", "ALLOW", "allow", "DENY", "deny");

    /** Reads the process environment (the service loader's constructor). */
    public McpServersEnvConfigSource() {
        this(System.getenv());
    }

    McpServersEnvConfigSource(Map<String, String> environment) {
        super(map(environment), "AIBRIDGE_MCP_SERVER_<N>_* environment variables");
    }

    static Map<String, String> map(Map<String, String> environment) {
        return IndexedEnvConfigSource.map(environment, PREFIX, KEYS, "proxy.mcp.servers", "MCP server");
    }
}

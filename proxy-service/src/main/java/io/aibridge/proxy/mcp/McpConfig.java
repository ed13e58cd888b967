package io.aibridge.proxy.mcp;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * MCP tool injection ({@code proxy.mcp.*}). The servers come from the indexed environment
 * variables {@code AIBRIDGE_MCP_SERVER_<N>_<KEY>} (see {@link McpServersEnvConfigSource}); the
 * other settings from {@code AIBRIDGE_MCP_*} variables mapped in {@code application.properties}.
 * With no server configured the feature is off and requests are relayed untouched.
 */
@ConfigMapping(prefix = "proxy.mcp")
public interface McpConfig {

    /** The MCP servers whose tools are injected, in configuration order. */
    List<Server> servers();

    /**
     * Requests whose model matches this regular expression (searched anywhere in the name) get no
     * injected tools. The reference skips Claude's small/fast models ({@code haiku}), which Claude
     * Code uses for titles and summaries. Empty: every model gets the tools.
     */
    @WithDefault("haiku")
    Optional<String> excludedModels();

    /**
     * Most rounds of injected tool calls within one interception. When the model asks for another
     * round, its calls are answered with an error and the provider is asked once more for an
     * answer without tools ({@code tool_choice: none}); that answer ends the interception.
     */
    @WithDefault("10")
    int maxRounds();

    /** Longest wait for one {@code tools/call}; a call that takes longer fails with an invocation error. */
    @WithDefault("60s")
    Duration callTimeout();

    /** Longest wait to connect to a server, initialise the session and list its tools. */
    @WithDefault("10s")
    Duration initTimeout();

    /** Tool calls (and initialisations) running at once, over all servers and users; more wait in line. */
    @WithDefault("64")
    int maxConcurrentCalls();

    /** Retrying servers that could not be initialised. */
    Retry retry();

    /** Sessions opened with users' own tokens. */
    UserSessions userSessions();

    /** One MCP server. */
    interface Server {

        /**
         * Short name, part of every injected tool's name ({@code bmcp_<name>_<tool>}): lower-case
         * letters and digits, single hyphens between them, at most 32 characters, unique.
         */
        String name();

        /** The Streamable HTTP endpoint, e.g. {@code https://mcp.example.com/mcp}. */
        String url();

        /** Bearer token sent to the server by every request (e.g. from a Kubernetes Secret). */
        Optional<String> token();

        /**
         * Each user sends their own token in {@code X-AIBridge-MCP-Token-<name>} (the proxy never
         * forwards that header to the provider). Users without one get this server's tools only when
         * {@link #token()} is set, with that token.
         */
        @WithDefault("false")
        boolean userToken();

        /** Only tools whose original name matches this regular expression are injected. */
        Optional<String> allow();

        /** Tools whose original name matches this regular expression are not injected; wins over {@link #allow()}. */
        Optional<String> deny();
    }

    /** Backoff between attempts to initialise a server that failed. */
    interface Retry {

        /** Wait before the first retry; doubled after each failure. */
        @WithDefault("2s")
        Duration initialDelay();

        /** Longest wait between two retries. */
        @WithDefault("60s")
        Duration maxDelay();
    }

    /** The per-user sessions of servers with {@link Server#userToken()}. */
    interface UserSessions {

        /** Most sessions kept open; the least recently used is closed beyond that. */
        @WithDefault("1000")
        int maxSessions();

        /** A session unused for this long is closed. */
        @WithDefault("15m")
        Duration idleTimeout();

        /** After a user's session failed to initialise, requests go without its tools for this long. */
        @WithDefault("30s")
        Duration retryAfter();
    }
}

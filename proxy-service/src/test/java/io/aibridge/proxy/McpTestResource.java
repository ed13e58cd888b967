package io.aibridge.proxy;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * MCP servers for the proxy under test. Default set: {@code tools} (the test server, shared
 * token), {@code filtered} (the same server, allow {@code echo|explode}, deny {@code explode}) and
 * {@code personal} (users' own tokens), a round limit of 3, and tracing on
 * ({@code AIBRIDGE_TRACE_ENABLE}, {@code AIBRIDGE_TRACE_LOGS}) with an in-memory exporter. Models
 * containing {@code haiku} (the default exclusion) or starting with {@code untooled-} get no tools,
 * so the plain relay is traced in the same boot. Init arg {@code down=true}: only {@code late}, on a
 * port where nothing listens yet ({@link #latePort()}), retried every few hundred milliseconds.
 * Init arg {@code secret-url=true}: {@code tools} is configured with a user name, password and
 * query key in its URL ({@link #SECRET_URL_PASSWORD}, {@link #SECRET_URL_KEY}), and the MCP
 * registry's log lines are collected from before the boot ({@link #mcpLogLines()}).
 */
public class McpTestResource implements QuarkusTestResourceLifecycleManager {

    public static final int MAX_ROUNDS = 3;

    public static final String SECRET_URL_PASSWORD = "mcp-pw-4711";
    public static final String SECRET_URL_KEY = "SECRET-KEY-93";

    private static volatile McpTestServer server;
    private static volatile io.aibridge.testing.LogLines mcpLogLines;
    private static volatile int latePort;
    private boolean down;
    private boolean secretUrl;

    public static McpTestServer server() {
        return server;
    }

    /** What {@code McpServers} logged since the boot began, with init arg {@code secret-url=true}. */
    public static io.aibridge.testing.LogLines mcpLogLines() {
        return mcpLogLines;
    }

    /** The port the {@code late} server is configured on (nothing listens there at start). */
    public static int latePort() {
        return latePort;
    }

    @Override
    public void init(Map<String, String> initArgs) {
        down = "true".equals(initArgs.get("down"));
        secretUrl = "true".equals(initArgs.get("secret-url"));
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        if (down) {
            latePort = freePort();
            config.put("proxy.mcp.servers[0].name", "late");
            config.put("proxy.mcp.servers[0].url", "http://127.0.0.1:" + latePort + "/mcp");
            config.put("proxy.mcp.servers[0].token", McpTestServer.SHARED_TOKEN);
        } else {
            server = McpTestServer.start();
            config.put("proxy.mcp.servers[0].name", "tools");
            config.put("proxy.mcp.servers[0].url", secretUrl
                    ? "http://u:" + SECRET_URL_PASSWORD + "@127.0.0.1:" + server.port() + "/mcp?api_key=" + SECRET_URL_KEY
                    : server.url());
            if (secretUrl) {
                mcpLogLines = io.aibridge.testing.LogLines.of(io.aibridge.proxy.mcp.McpServers.class);
            }
            config.put("proxy.mcp.servers[0].token", McpTestServer.SHARED_TOKEN);
            config.put("proxy.mcp.servers[1].name", "filtered");
            config.put("proxy.mcp.servers[1].url", server.url());
            config.put("proxy.mcp.servers[1].token", McpTestServer.SHARED_TOKEN);
            config.put("proxy.mcp.servers[1].allow", "echo|explode");
            config.put("proxy.mcp.servers[1].deny", "explode");
            config.put("proxy.mcp.servers[2].name", "personal");
            config.put("proxy.mcp.servers[2].url", server.personalUrl());
            config.put("proxy.mcp.servers[2].user-token", "true");
            config.put("aibridge.trace.enable", "true");
            config.put("aibridge.trace.logs", "true");
            config.put("quarkus.otel.bsp.schedule.delay", "50ms");
            config.put("proxy.mcp.excluded-models", "haiku|^untooled-");
        }
        config.put("proxy.mcp.max-rounds", String.valueOf(MAX_ROUNDS));
        config.put("proxy.mcp.init-timeout", "3s");
        config.put("proxy.mcp.call-timeout", "5s");
        config.put("proxy.mcp.retry.initial-delay", "200ms");
        config.put("proxy.mcp.retry.max-delay", "500ms");
        return config;
    }

    private static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        if (mcpLogLines != null) {
            mcpLogLines.close();
            mcpLogLines = null;
        }
        if (server != null) {
            server.close();
            server = null;
        }
    }
}

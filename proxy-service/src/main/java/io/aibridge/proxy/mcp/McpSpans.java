package io.aibridge.proxy.mcp;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;

/** The reference's span names and attribute keys for MCP work (behaviour reference §13.2). */
public final class McpSpans {

    /** Initialising all configured servers (at start) or a user's own sessions. */
    public static final String MANAGER_INIT = "ServerProxyManager.Init";
    /** Initialising one server. */
    public static final String SERVER_INIT = "StreamableHTTPServerProxy.Init";
    /** The {@code tools/list} call of one server's initialisation. */
    public static final String FETCH_TOOLS = "StreamableHTTPServerProxy.Init.fetchTools";
    /** One injected tool invocation. */
    public static final String TOOL_CALL = "Intercept.ProcessRequest.ToolCall";

    public static final AttributeKey<String> SERVER_NAME = AttributeKey.stringKey("mcp_server_name");
    public static final AttributeKey<String> SERVER_URL = AttributeKey.stringKey("mcp_server_url");
    public static final AttributeKey<String> PROXY_NAME = AttributeKey.stringKey("mcp_proxy_name");
    public static final AttributeKey<Long> TOOL_COUNT = AttributeKey.longKey("mcp_tool_count");
    public static final AttributeKey<String> TOOL_NAME = AttributeKey.stringKey("mcp_tool_name");
    /** The tool's input, cut to {@value #MAX_INPUT_CHARS} characters. */
    public static final AttributeKey<String> INPUT = AttributeKey.stringKey("mcp_input");
    public static final AttributeKey<String> INTERCEPTION_ID = AttributeKey.stringKey("interception_id");
    public static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("provider");
    public static final AttributeKey<String> MODEL = AttributeKey.stringKey("model");

    static final int MAX_INPUT_CHARS = 100;

    private McpSpans() {
    }

    static String truncate(String input) {
        return input == null || input.length() <= MAX_INPUT_CHARS ? input : input.substring(0, MAX_INPUT_CHARS);
    }

    /** Marks the span failed with the error's message (never a stack trace: inputs may be sensitive). */
    static void fail(Span span, Throwable error) {
        span.setStatus(StatusCode.ERROR, McpServerConnection.describe(error));
    }
}

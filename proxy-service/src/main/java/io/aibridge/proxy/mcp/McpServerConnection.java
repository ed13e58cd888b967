package io.aibridge.proxy.mcp;

import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpTransportSessionNotFoundException;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import org.jboss.logging.Logger;
import reactor.core.publisher.Mono;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * One MCP session with one server, over the Streamable HTTP transport of the official MCP Java SDK,
 * with the server's token (or a user's) as bearer. Its methods block: they run on the MCP worker
 * pool, never on an event loop. Each has its own deadline: the opening, {@code tools/list}
 * included, the init timeout; a call the call timeout; a close {@link #CLOSE_TIMEOUT}.
 */
final class McpServerConnection implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(McpServerConnection.class);
    private static final McpSchema.Implementation CLIENT_INFO = new McpSchema.Implementation("aibridge", "AI Bridge", "1.0", null, null, null);

    /** Longest wait for the server to take the end of a session ({@code DELETE}). */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final McpConfig.Server server;
    private final ToolFilter filter;
    private final Tracer tracer;
    private final Duration initTimeout;
    private final String displayUrl;
    private final McpAsyncClient client;
    private volatile List<InjectedTool> tools = List.of();

    McpServerConnection(McpConfig.Server server, ToolFilter filter, String token, Duration initTimeout, Duration callTimeout,
                        Tracer tracer) {
        this.server = server;
        this.filter = filter;
        this.tracer = tracer;
        this.initTimeout = initTimeout;
        this.displayUrl = McpServerUrl.display(server.url());
        URI uri = URI.create(server.url());
        String base = uri.getScheme() + "://" + uri.getRawAuthority();
        String endpoint = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(base)
                .endpoint(endpoint)
                .connectTimeout(initTimeout)
                .httpRequestCustomizer((request, method, target, body, context) -> {
                    if (token != null) {
                        request.header("Authorization", "Bearer " + token);
                    }
                })
                .build();
        this.client = McpClient.async(transport)
                .clientInfo(CLIENT_INFO)
                .initializationTimeout(initTimeout)
                .requestTimeout(callTimeout)
                // a server that announces a changed tool list gets it listed again by the SDK
                .toolsChangeConsumer(listed -> Mono.fromRunnable(() -> {
                    tools = toInjected(listed);
                    LOG.infof("MCP server %s: tool list changed, %d tools injected now", server.name(), tools.size());
                }))
                .build();
    }

    String name() {
        return server.name();
    }

    /** The display form of the server's URL (no user info, query values masked); the full URL is only for the connection. */
    String url() {
        return displayUrl;
    }

    /** The tools of the last successful listing, sorted by id. */
    List<InjectedTool> tools() {
        return tools;
    }

    /**
     * Initialises the session and lists the tools, together within the init timeout; throws when the
     * server cannot be used.
     */
    List<InjectedTool> initialize(Context parent) {
        long deadline = System.nanoTime() + initTimeout.toNanos();
        Span span = tracer.spanBuilder(McpSpans.SERVER_INIT).setParent(parent)
                .setAttribute(McpSpans.PROXY_NAME, server.name())
                .setAttribute(McpSpans.SERVER_NAME, server.name())
                .setAttribute(McpSpans.SERVER_URL, displayUrl)
                .startSpan();
        try (Scope ignored = span.makeCurrent()) {
            McpSchema.InitializeResult result = client.initialize().timeout(initTimeout).block();
            LOG.debugf("MCP server %s: initialised %s %s, protocol %s", server.name(), result.serverInfo().name(),
                    result.serverInfo().version(), result.protocolVersion());
            tools = fetchTools(Context.current().with(span), Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            return tools;
        } catch (RuntimeException e) {
            McpSpans.fail(span, e);
            throw e;
        } finally {
            span.end();
        }
    }

    /** {@code tools/list}, every page, within what is left of the init timeout (not the call timeout). */
    private List<InjectedTool> fetchTools(Context parent, Duration left) {
        Span span = tracer.spanBuilder(McpSpans.FETCH_TOOLS).setParent(parent)
                .setAttribute(McpSpans.PROXY_NAME, server.name())
                .setAttribute(McpSpans.SERVER_NAME, server.name())
                .setAttribute(McpSpans.SERVER_URL, displayUrl)
                .startSpan();
        try (Scope ignored = span.makeCurrent()) {
            List<InjectedTool> injected = toInjected(client.listTools().timeout(left).block().tools());
            span.setAttribute(McpSpans.TOOL_COUNT, (long) injected.size());
            return injected;
        } catch (RuntimeException e) {
            McpSpans.fail(span, e);
            throw e;
        } finally {
            span.end();
        }
    }

    private List<InjectedTool> toInjected(List<McpSchema.Tool> listed) {
        List<InjectedTool> out = new ArrayList<>();
        for (McpSchema.Tool tool : listed == null ? List.<McpSchema.Tool>of() : listed) {
            String id = InjectedTool.id(server.name(), tool.name());
            if (!InjectedTool.validId(id)) {
                LOG.warnf("MCP server %s: tool %s is not injected: %s is not a valid tool name for the providers "
                        + "(letters, digits, _ and -, at most %d characters)", server.name(), tool.name(), id, InjectedTool.MAX_ID_LENGTH);
                continue;
            }
            if (filter.test(server.name(), tool.name())) {
                out.add(InjectedTool.of(server.name(), displayUrl, tool.name(), tool.description(), tool.inputSchema()));
            }
        }
        out.sort(Comparator.comparing(InjectedTool::id));
        return List.copyOf(out);
    }

    /**
     * {@code tools/call} with the original name. A session the server no longer knows (it
     * restarted) is initialised again by the SDK; the call is then tried once more.
     */
    McpSchema.CallToolResult call(String tool, Map<String, Object> arguments) {
        McpSchema.CallToolRequest request = new McpSchema.CallToolRequest(tool, arguments, null);
        try {
            return client.callTool(request).block();
        } catch (RuntimeException e) {
            if (rootCause(e) instanceof McpTransportSessionNotFoundException) {
                LOG.infof("MCP server %s: session expired, calling %s again in a new session", server.name(), tool);
                return client.callTool(request).block();
            }
            throw e;
        }
    }

    /** Ends the session (an HTTP {@code DELETE} to the server); blocks up to {@link #CLOSE_TIMEOUT}. */
    @Override
    public void close() {
        try {
            client.closeGracefully().timeout(CLOSE_TIMEOUT).block();
        } catch (RuntimeException e) {
            client.close();
            LOG.debugf("MCP server %s: close failed: %s", server.name(), describe(e));
        }
    }

    /**
     * Ends the session without blocking: the {@code DELETE} starts on subscription and the Mono
     * completes when the server took it; a failure closes the client at once and completes too.
     * Cancelling it (a shutdown deadline) leaves the server to expire the session.
     */
    Mono<Void> closeAsync() {
        return client.closeGracefully().onErrorResume(e -> {
            client.close();
            LOG.debugf("MCP server %s: close failed: %s", server.name(), describe(e));
            return Mono.empty();
        });
    }

    /** A one-line description of an SDK failure, without stack traces or wrapper noise. */
    static String describe(Throwable error) {
        Throwable root = rootCause(error);
        if (root instanceof McpError mcp && mcp.getJsonRpcError() != null) {
            McpSchema.JSONRPCResponse.JSONRPCError rpc = mcp.getJsonRpcError();
            return rpc.message() + (rpc.data() == null ? "" : " (" + rpc.data() + ")");
        }
        if (root instanceof TimeoutException || String.valueOf(root.getMessage()).contains("within")
                && String.valueOf(root.getMessage()).contains("ms")) {
            return "the MCP server did not answer in time";
        }
        String message = root.getMessage();
        return message == null || message.isBlank() ? root.getClass().getSimpleName() : message;
    }

    private static Throwable rootCause(Throwable error) {
        Throwable t = error;
        while (t.getCause() != null && t.getCause() != t && !(t instanceof McpError)) {
            t = t.getCause();
        }
        return t;
    }
}

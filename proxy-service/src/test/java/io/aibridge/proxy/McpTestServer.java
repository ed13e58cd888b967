package io.aibridge.proxy;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Wrapper;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * A real MCP server for the tests: the official SDK's server side on its Streamable HTTP servlet
 * transport, in an embedded Tomcat on a random (or given) port. Two tools: {@code echo} answers
 * {@code echo: <text>} (after {@code delay_ms} milliseconds when the arguments have it); {@code explode} fails (a JSON-RPC error), or, with {@code "soft": true},
 * answers with {@code isError: true}.
 *
 * <p>{@code /mcp} wants {@code Authorization: Bearer} {@value #SHARED_TOKEN}; {@code /personal/mcp}
 * wants one of the users' tokens. Every tool call is remembered with the bearer it came with.
 */
public final class McpTestServer implements AutoCloseable {

    public static final String SHARED_TOKEN = "mcp-shared-secret-0123456789";
    public static final Set<String> USER_TOKENS = Set.of("alice-mcp-token", "bob-mcp-token");

    /** A tool call as the server received it. */
    public record Call(String tool, Map<String, Object> arguments, String authorization) {
    }

    private final Tomcat tomcat;
    /** Tomcat's base and document directories, removed on close (each test class starts a server of its own). */
    private final List<Path> directories = new ArrayList<>();
    private final McpSyncServer shared;
    private final McpSyncServer personal;
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final List<String> rejected = new CopyOnWriteArrayList<>();

    private McpTestServer(int port) throws IOException, LifecycleException {
        tomcat = new Tomcat();
        tomcat.setBaseDir(directory("mcp-tomcat").toString());
        tomcat.setPort(port);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        Context context = tomcat.addContext("", directory("mcp-docs").toString());
        shared = server(context, "shared", "/mcp");
        personal = server(context, "personal", "/personal/mcp");

        FilterDef auth = new FilterDef();
        auth.setFilterName("auth");
        auth.setFilter((Filter) (request, response, chain) -> {
            HttpServletRequest http = (HttpServletRequest) request;
            String header = http.getHeader("Authorization");
            String token = header != null && header.startsWith("Bearer ") ? header.substring(7) : null;
            boolean ok = http.getRequestURI().startsWith("/personal/") ? USER_TOKENS.contains(token) : SHARED_TOKEN.equals(token);
            if (!ok) {
                rejected.add(http.getRequestURI() + " " + header);
                ((HttpServletResponse) response).sendError(401, "bad token");
                return;
            }
            chain.doFilter(request, response);
        });
        auth.setAsyncSupported("true");
        context.addFilterDef(auth);
        FilterMap map = new FilterMap();
        map.setFilterName("auth");
        map.addURLPattern("/*");
        context.addFilterMap(map);
        tomcat.start();
    }

    private Path directory(String prefix) throws IOException {
        Path directory = Files.createTempDirectory(prefix);
        directories.add(directory);
        return directory;
    }

    /** Starts on a random port. */
    public static McpTestServer start() {
        return start(0);
    }

    public static McpTestServer start(int port) {
        try {
            return new McpTestServer(port);
        } catch (IOException | LifecycleException e) {
            throw new IllegalStateException("could not start the MCP test server", e);
        }
    }

    private McpSyncServer server(Context context, String name, String path) {
        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
                .mcpEndpoint(path)
                .contextExtractor(request -> McpTransportContext.create(
                        Map.of("authorization", String.valueOf(request.getHeader("Authorization")))))
                .build();
        Wrapper servlet = Tomcat.addServlet(context, name, transport);
        servlet.setAsyncSupported(true);
        context.addServletMappingDecoded(path, name);
        Map<String, Object> textSchema = Map.of("type", "object",
                "properties", Map.of("text", Map.of("type", "string", "description", "what to echo")), "required", List.of("text"));
        Map<String, Object> reasonSchema = Map.of("type", "object",
                "properties", Map.of("reason", Map.of("type", "string"), "soft", Map.of("type", "boolean")));
        return McpServer.sync(transport)
                .serverInfo("aibridge-test-" + name, "1.0.0")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
                .tools(McpServerFeatures.SyncToolSpecification.builder()
                                .tool(McpSchema.Tool.builder("echo", textSchema).description("Echoes the text back").build())
                                .callHandler((exchange, request) -> {
                                    remember(exchange.transportContext(), request);
                                    if (request.arguments().get("delay_ms") instanceof Number delay) {
                                        sleep(delay.longValue());
                                    }
                                    return McpSchema.CallToolResult.builder()
                                            .addTextContent("echo: " + request.arguments().get("text")).build();
                                })
                                .build(),
                        McpServerFeatures.SyncToolSpecification.builder()
                                .tool(McpSchema.Tool.builder("explode", reasonSchema).description("Always fails").build())
                                .callHandler((exchange, request) -> {
                                    remember(exchange.transportContext(), request);
                                    if (Boolean.TRUE.equals(request.arguments().get("soft"))) {
                                        return McpSchema.CallToolResult.builder().addTextContent("the tool refused: "
                                                + request.arguments().get("reason")).isError(true).build();
                                    }
                                    throw new IllegalStateException("the tool exploded: " + request.arguments().get("reason"));
                                })
                                .build())
                .build();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Remembered when the call arrives, before the tool runs. */
    private void remember(McpTransportContext context, McpSchema.CallToolRequest request) {
        calls.add(new Call(request.name(), request.arguments(), String.valueOf(context.get("authorization"))));
    }

    public int port() {
        return tomcat.getConnector().getLocalPort();
    }

    /** {@code http://127.0.0.1:<port>/mcp} */
    public String url() {
        return "http://127.0.0.1:" + port() + "/mcp";
    }

    public String personalUrl() {
        return "http://127.0.0.1:" + port() + "/personal/mcp";
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    /** Requests refused for a missing or wrong token ({@code <path> <Authorization header>}). */
    public List<String> rejected() {
        return List.copyOf(rejected);
    }

    public void clear() {
        calls.clear();
        rejected.clear();
    }

    @Override
    public void close() {
        try {
            shared.closeGracefully();
            personal.closeGracefully();
            tomcat.stop();
            tomcat.destroy();
        } catch (LifecycleException e) {
            throw new IllegalStateException(e);
        } finally {
            directories.forEach(McpTestServer::delete);
        }
    }

    private static void delete(Path directory) {
        try (Stream<Path> tree = Files.walk(directory)) {
            tree.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary directory is not worth failing a test for
        }
    }
}

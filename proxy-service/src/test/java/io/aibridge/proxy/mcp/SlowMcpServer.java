package io.aibridge.proxy.mcp;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A minimal MCP server on the Streamable HTTP transport (JSON answers, no SSE stream), whose answers
 * can be held back per bearer token: {@link #delay} makes {@code initialize}, {@code tools/list}
 * or {@code DELETE} (the client closing its session) of one token wait, so the tests can catch the
 * proxy's session handling in the middle. One tool, {@code echo}. It remembers the methods each
 * token sent, in order ({@code DELETE} for a closed session).
 */
final class SlowMcpServer implements AutoCloseable {

    private final Vertx vertx;
    private final HttpServer server;
    private final Map<String, Map<String, Duration>> delays = new ConcurrentHashMap<>();
    private final Map<String, List<String>> seen = new ConcurrentHashMap<>();

    SlowMcpServer(Vertx vertx) throws Exception {
        this.vertx = vertx;
        this.server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    String url() {
        return "http://127.0.0.1:" + server.actualPort() + "/mcp";
    }

    /** Holds back the answer to {@code method} ({@code initialize}, {@code tools/list}, {@code DELETE}) for this token. */
    SlowMcpServer delay(String token, String method, Duration delay) {
        delays.computeIfAbsent(token, t -> new ConcurrentHashMap<>()).put(method, delay);
        return this;
    }

    /** The methods the token's requests carried, in the order they arrived. */
    List<String> seen(String token) {
        return List.copyOf(seen.getOrDefault(token, List.of()));
    }

    private void handle(HttpServerRequest request) {
        String header = request.getHeader("Authorization");
        String token = header != null && header.startsWith("Bearer ") ? header.substring(7) : "";
        if (request.method() == HttpMethod.GET) {
            request.response().setStatusCode(405).end();
            return;
        }
        if (request.method() == HttpMethod.DELETE) {
            remember(token, "DELETE");
            later(token, "DELETE", () -> request.response().setStatusCode(200).end());
            return;
        }
        request.body().onSuccess(body -> {
            JsonObject message = body.toJsonObject();
            String method = message.getString("method");
            remember(token, method);
            if (!message.containsKey("id")) {
                request.response().setStatusCode(202).end();
                return;
            }
            JsonObject result = switch (method) {
                case "initialize" -> new JsonObject()
                        .put("protocolVersion", message.getJsonObject("params").getString("protocolVersion"))
                        .put("capabilities", new JsonObject().put("tools", new JsonObject()))
                        .put("serverInfo", new JsonObject().put("name", "slow-test").put("version", "1.0.0"));
                case "tools/list" -> new JsonObject().put("tools", new JsonArray().add(new JsonObject().put("name", "echo")
                        .put("description", "Echoes the text back")
                        .put("inputSchema", new JsonObject().put("type", "object"))));
                case "tools/call" -> new JsonObject().put("content", new JsonArray().add(new JsonObject().put("type", "text")
                        .put("text", "echo: " + message.getJsonObject("params").getJsonObject("arguments").getValue("text"))));
                default -> new JsonObject();
            };
            JsonObject answer = new JsonObject().put("jsonrpc", "2.0").put("id", message.getValue("id")).put("result", result);
            later(token, method, () -> {
                if ("initialize".equals(method)) {
                    request.response().putHeader("Mcp-Session-Id", UUID.randomUUID().toString());
                }
                request.response().putHeader("Content-Type", "application/json").end(answer.encode());
            });
        });
    }

    private void remember(String token, String method) {
        seen.computeIfAbsent(token, t -> new CopyOnWriteArrayList<>()).add(method);
    }

    private void later(String token, String method, Runnable answer) {
        Duration delay = delays.getOrDefault(token, Map.of()).get(method);
        if (delay == null) {
            answer.run();
        } else {
            vertx.setTimer(Math.max(1, delay.toMillis()), id -> {
                try {
                    answer.run();
                } catch (IllegalStateException e) {
                    // the client gave up and closed the connection meanwhile
                }
            });
        }
    }

    @Override
    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}

package io.aibridge.proxy.injection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.events.EndStatus;
import io.aibridge.proxy.bedrock.BedrockCall;
import io.aibridge.proxy.interception.Recording;
import io.aibridge.proxy.interception.TextBudget;
import io.aibridge.proxy.mcp.McpConfig;
import io.aibridge.proxy.mcp.McpServers;
import io.aibridge.proxy.mcp.ToolSet;
import io.aibridge.proxy.metrics.ProxyMetrics;
import io.aibridge.proxy.route.BridgedRoute;
import io.aibridge.proxy.upstream.ProviderKeys;
import io.aibridge.proxy.upstream.UpstreamClient;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.regex.Pattern;

/**
 * Decides whether a bridged request gets the MCP servers' tools, and if so runs it as an
 * {@link InjectedLoop}; otherwise the request takes the proxy's plain relay, byte for byte.
 * Injection happens only when at least one tool is available, for models not excluded by
 * {@code AIBRIDGE_MCP_EXCLUDED_MODELS}, and (Chat) for requests asking for one choice.
 */
@ApplicationScoped
public class ToolInjection {

    private final McpServers servers;
    private final McpConfig config;
    private final UpstreamClient upstream;
    private final ProxyMetrics metrics;
    private final Pattern excludedModels;

    public ToolInjection(McpServers servers, McpConfig config, UpstreamClient upstream, ProxyMetrics metrics) {
        this.servers = servers;
        this.config = config;
        this.upstream = upstream;
        this.metrics = metrics;
        // config.SettingsCheck has checked the expression and AIBRIDGE_MCP_MAX_ROUNDS at start (this bean is made at the first request)
        this.excludedModels = config.excludedModels().filter(r -> !r.isBlank()).map(Pattern::compile).orElse(null);
    }

    /**
     * A bridged request, as the handler has prepared it.
     *
     * @param size             the client's request body's size in bytes
     * @param clientAskedUsage Chat streams: the client set {@code stream_options.include_usage} itself
     * @param bedrock          the calls to Claude on AWS Bedrock, for an instance on Bedrock; else null
     */
    public record Request(RoutingContext ctx, BridgedRoute route, Recording recording, ObjectNode body, int size, boolean streaming,
                          boolean clientAskedUsage, String url, MultiMap upstreamHeaders, BedrockCall bedrock,
                          ProviderKeys.Walk keys) {
    }

    /** Cheap check on the event loop: could this request get tools at all? */
    public boolean wanted(BridgedRoute route, JsonNode body) {
        if (!servers.configured()) {
            return false;
        }
        String model = body.path("model").asText("");
        if (excludedModels != null && excludedModels.matcher(model).find()) {
            return false;
        }
        // one answer per round: the loop follows choice 0 only
        return route != BridgedRoute.OPENAI_CHAT_COMPLETIONS || body.path("n").asInt(1) <= 1;
    }

    /**
     * Looks up the tools for the request (opening the user's own MCP sessions if needed) and runs
     * the interception with them, or, when there are none, with {@code plainRelay}.
     */
    public void start(Request request, Runnable plainRelay) {
        servers.tools(request.ctx().request().headers()).onComplete(ar -> {
            ToolSet tools = ar.succeeded() ? ar.result() : ToolSet.EMPTY;
            if (request.ctx().response().closed()) {
                tools.release();
                request.recording().end(EndStatus.CANCELLED, null, "client_disconnected",
                        "the client closed the connection before the request was sent");
                return;
            }
            if (tools.isEmpty()) {
                tools.release();
                plainRelay.run();
                return;
            }
            // the user's own MCP sessions stay open while the loop may call their tools, until the interception ends
            request.recording().onEnd((status, httpStatus) -> tools.release());
            LoopApi api = LoopApi.of(request.route());
            ObjectNode body = request.body();
            api.inject(body, tools, request.streaming());
            request.recording().injectedTools(tools::contains);
            LoopState loop = new LoopState(tools, request.streaming(), request.clientAskedUsage(),
                    TextBudget.streamChars(request.recording().maxTextChars()));
            new InjectedLoop(request.ctx().vertx(), request.ctx().response(), request.route().provider(), request.recording(), metrics,
                    api, loop, servers, upstream, request.url(), request.upstreamHeaders(), body, request.size(), config.maxRounds(), request.bedrock(),
                    request.keys())
                    .start();
        });
    }
}

package io.aibridge.proxy.interception;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.events.EndStatus;
import io.aibridge.events.TimeOrderedIds;
import io.aibridge.identity.Authentication;
import io.aibridge.proxy.anthropic.MessagesObserver;
import io.aibridge.proxy.auth.CallerCredentials;
import io.aibridge.proxy.bedrock.BedrockCall;
import io.aibridge.proxy.bedrock.BedrockSettings;
import io.aibridge.proxy.config.ProxyConfig;
import io.aibridge.proxy.events.EventPublisher;
import io.aibridge.proxy.injection.ToolInjection;
import io.aibridge.proxy.metrics.ProxyMetrics;
import io.aibridge.proxy.openai.ChatCompletionsObserver;
import io.aibridge.proxy.openai.ResponsesObserver;
import io.aibridge.proxy.route.BridgedRoute;
import io.aibridge.proxy.route.CircuitBreakers;
import io.aibridge.proxy.route.ProviderErrors;
import io.aibridge.proxy.route.ProviderInstance;
import io.aibridge.proxy.route.ProviderType;
import io.aibridge.proxy.tracing.InterceptionTrace;
import io.aibridge.proxy.tracing.InterceptionTracing;
import io.aibridge.proxy.upstream.ForwardedHeaders;
import io.aibridge.proxy.upstream.ProviderKeys;
import io.aibridge.proxy.upstream.UpstreamClient;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.UUID;

/**
 * Handles a request on a bridged route, its caller authenticated: validates the body, reads what is
 * recorded from it, emits the interception's start, and hands the upstream exchange to a
 * {@link Relay}. Every refusal is answered in the provider's error JSON, before any event. Spans
 * start once the caller is authenticated ({@code Intercept}, {@code Intercept.CreateInterceptor}).
 */
@ApplicationScoped
public class BridgeHandler {

    private static final Logger LOG = Logger.getLogger(BridgeHandler.class);
    /** Spliced into a streamed Chat request that does not ask for usage itself ({@link #withUsageRequested}). */
    private static final byte[] INCLUDE_USAGE = "\"stream_options\":{\"include_usage\":true},".getBytes(StandardCharsets.UTF_8);

    private final UpstreamClient upstream;
    private final EventPublisher publisher;
    private final ProxyMetrics metrics;
    private final ProxyConfig config;
    private final ToolInjection injection;
    private final InterceptionTracing tracing;
    private final CircuitBreakers breakers;

    public BridgeHandler(UpstreamClient upstream, EventPublisher publisher, ProxyMetrics metrics,
                         ProxyConfig config, ToolInjection injection, InterceptionTracing tracing, CircuitBreakers breakers) {
        this.upstream = upstream;
        this.publisher = publisher;
        this.metrics = metrics;
        this.config = config;
        this.injection = injection;
        this.tracing = tracing;
        this.breakers = breakers;
    }

    /** @param caller authenticated (and its rate checked) by {@code ProxyRoutes} before the body was read */
    public void handle(RoutingContext ctx, ProviderInstance instance, BridgedRoute route, CallerCredentials.Caller caller) {
        HttpServerRequest request = ctx.request();
        ProviderType provider = instance.type();
        if (request.method() != HttpMethod.POST) {
            ctx.response().putHeader("Allow", "POST");
            ProviderErrors.send(ctx.response(), provider, 405, request.method().name() + " is not supported on "
                    + route.route(instance.type()) + "; use POST", "method_not_allowed");
            return;
        }
        InterceptionTrace trace = tracing.intercept(provider, instance.isBedrock(), ctx.normalizedPath(),
                caller.authentication().principal());
        String contentType = request.getHeader("Content-Type");
        if (contentType != null && !isJson(contentType)) {
            refuse(ctx, provider, trace, 400, "Content-Type must be application/json, not " + contentType, "invalid_content_type");
            return;
        }
        Buffer raw = ctx.body() == null ? null : ctx.body().buffer();
        if (raw == null || raw.length() == 0) {
            refuse(ctx, provider, trace, 400, "the request body is empty; expected a JSON object", "invalid_json");
            return;
        }
        byte[] bytes = raw.getBytes();
        if (bytes.length > Json.PARSE_ON_WORKER_BYTES) {
            // a large context takes milliseconds to parse: keep it off the event loop
            ctx.vertx().executeBlocking(() -> Json.parseRequest(bytes), false).onComplete(ar -> {
                if (ar.failed()) {
                    trace.refused("the request body could not be parsed: " + ar.cause());
                    ctx.fail(ar.cause());
                } else {
                    proceed(ctx, instance, route, caller, trace, raw, bytes, ar.result());
                }
            });
        } else {
            proceed(ctx, instance, route, caller, trace, raw, bytes, Json.parseRequest(bytes));
        }
    }

    /** Answers a refused request in the provider's error JSON; its spans end failed. */
    private static void refuse(RoutingContext ctx, ProviderType provider, InterceptionTrace trace, int status, String message,
                               String code) {
        trace.refused(message);
        ProviderErrors.send(ctx.response(), provider, status, message, code);
    }

    private void proceed(RoutingContext ctx, ProviderInstance instance, BridgedRoute route, CallerCredentials.Caller admitted,
                         InterceptionTrace trace, Buffer raw, byte[] bytes, Json.Parsed parsed) {
        HttpServerRequest request = ctx.request();
        ProviderType provider = instance.type();
        String routeLabel = route.route(instance.type());
        Authentication auth = admitted.authentication();
        if (ctx.response().closed()) {
            trace.refused("the client left while its request body was being parsed");
            return; // nothing was started
        }
        if (parsed.error() != null) {
            refuse(ctx, provider, trace, 400, parsed.error(), "invalid_json");
            return;
        }
        JsonNode body = parsed.body();
        if (body == null || !body.isObject()) {
            refuse(ctx, provider, trace, 400, "the request body must be a JSON object", "invalid_json");
            return;
        }
        JsonNode model = body.get("model");
        RequestFacts.Refusal badModel = RequestFacts.modelRefusal(model);
        if (badModel != null) {
            // before anything is recorded or counted: the model is a metric label and an indexed column
            refuse(ctx, provider, trace, 400, badModel.message(), badModel.code());
            return;
        }
        if (route == BridgedRoute.OPENAI_RESPONSES && body.path("background").asBoolean(false)) {
            refuse(ctx, provider, trace, 501, "background requests are currently not supported by AI Bridge", "unsupported_parameter");
            return;
        }
        boolean streaming = body.path("stream").asBoolean(false);
        BedrockSettings onBedrock = instance.bedrock();
        if (onBedrock != null && onBedrock.credentials().current() == null) {
            // temporary credentials expired and could not be renewed yet: the SDKs retry a 503 after its Retry-After
            String message = BedrockSettings.noCredentialsMessage(instance.name());
            trace.refused(message);
            ProviderErrors.sendRetryLater(ctx.response(), provider, 503, 5, message, "aws_credentials_unavailable");
            return;
        }
        BedrockCall bedrock = onBedrock == null ? null
                : BedrockCall.of(onBedrock, model.asText(), request.headers().getAll("anthropic-beta"), streaming);
        // on Bedrock, the model is the Bedrock model id the request goes to, and that is what is recorded
        String modelName = bedrock == null ? model.asText() : bedrock.model();
        // a key set aside for this model after a 403 is skipped from the first attempt on (and its hint not recorded)
        CallerCredentials.Caller caller = admitted.forModel(modelName);
        RequestFacts facts = switch (route) {
            case ANTHROPIC_MESSAGES -> RequestFacts.anthropic(body);
            case OPENAI_CHAT_COMPLETIONS -> RequestFacts.chat(body);
            case OPENAI_RESPONSES -> RequestFacts.responses(body);
        };
        String client = ClientDetector.client(request::getHeader);
        String sessionId = ClientDetector.sessionId(client, request::getHeader, body);
        String userAgent = request.getHeader("User-Agent");

        Buffer upstreamBody = raw;
        boolean hideUsage = false;
        if (route == BridgedRoute.OPENAI_CHAT_COMPLETIONS && streaming) {
            // the proxy needs the final usage chunk to record tokens: ask for it, and hide it from clients that did not
            hideUsage = !body.path("stream_options").path("include_usage").asBoolean(false);
            if (hideUsage) {
                upstreamBody = withUsageRequested((ObjectNode) body, bytes);
            }
        }

        if (!publisher.acceptsNewInterceptions()) {
            // fail-closed: the spool is full, so nothing more could be recorded
            ProviderErrors.sendRetryLater(ctx.response(), provider, 503, 30, "AI Bridge cannot record new requests right now "
                    + "(its event spool is full); try again later", "recording_unavailable");
            return;
        }

        String url = bedrock == null ? instance.url(route.upstreamPath(), request.query()) : bedrock.url();
        UUID id = TimeOrderedIds.next();
        trace.created(id, modelName, streaming, sessionId,
                route == BridgedRoute.OPENAI_RESPONSES ? textOrNull(body.get("previous_response_id")) : null, url);

        Recording.Context context = new Recording.Context(provider.wireName(), instance.name(), routeLabel,
                request.method().name(), modelName, client, streaming);
        Recording recording = Recording.start(publisher, metrics, context, id, trace, auth.principal(), sessionId, userAgent,
                facts.correlatingToolCallId(), caller.credential(), facts.prompt(), config.events().maxPromptChars());
        CircuitBreakers.Permit permit = breakers.admit(provider, instance.name(), routeLabel, modelName);
        if (permit.refused()) {
            // recorded, as the reference does: a failed interception that never reached the provider
            ctx.response().putHeader(Relay.INTERCEPTION_HEADER, id.toString());
            ProviderErrors.sendRetryLater(ctx.response(), provider, 503, permit.retryAfterSeconds(), CircuitBreakers.MESSAGE,
                    "service_unavailable");
            recording.end(EndStatus.FAILED, 503, "circuit_open", CircuitBreakers.MESSAGE + " for " + instance.name() + " "
                    + routeLabel + " " + modelName);
            return;
        }
        recording.onEnd(permit::done);
        MultiMap headers = ForwardedHeaders.upstream(request.headers(), caller.credential());
        if (config.sendActorHeaders()) {
            ForwardedHeaders.addActor(headers, auth.principal());
        }
        if (bedrock != null) {
            bedrock.prepare(headers);
        }
        boolean hide = hideUsage;
        Buffer plainBody = upstreamBody;
        Runnable relay = () -> {
            ResponseObserver observer = switch (route) {
                case ANTHROPIC_MESSAGES -> new MessagesObserver(recording);
                case OPENAI_CHAT_COMPLETIONS -> new ChatCompletionsObserver(recording, hide);
                case OPENAI_RESPONSES -> new ResponsesObserver(recording);
            };
            Relay relayed = new Relay(ctx.vertx(), ctx.request(), ctx.response(), provider, recording, observer, metrics, upstream.idleTimeoutMillis(),
                    config.streamKeepAlive().toMillis(), bedrock != null);
            if (bedrock == null) {
                relayed.start(() -> upstream.request(HttpMethod.POST, url, caller.keys().applyTo(headers)), plainBody, upstream.retries(),
                        caller.keys());
            } else {
                // Bedrock's body is made from the request as it is (a tool loop that found no tools left it alone)
                bedrockPayload(ctx, bedrock, (ObjectNode) body, bytes.length).onSuccess(payload -> {
                    if (ctx.response().closed()) {
                        recording.end(EndStatus.CANCELLED, null, "client_disconnected",
                                "the client closed the connection before the request was sent");
                    } else {
                        relayed.start(bedrock.open(upstream, headers, payload), payload.body(), upstream.retries(), ProviderKeys.Walk.NONE);
                    }
                }).onFailure(e -> {
                    // a started interception must end, or it stays invisible for ever
                    LOG.errorf(e, "interception %s: could not make the AWS Bedrock request", recording.id());
                    String message = "AI Bridge could not make the AWS Bedrock request: " + e;
                    ProviderErrors.send(ctx.response(), provider, 500, message, "internal_error");
                    recording.end(EndStatus.FAILED, 500, "internal_error", message);
                });
            }
        };
        trace.processing();
        if (injection.wanted(route, body)) {
            // MCP tools: the request is edited and may take several upstream calls; without tools it falls back to the relay
            injection.start(new ToolInjection.Request(ctx, route, recording, (ObjectNode) body, bytes.length, streaming, !hideUsage, url,
                    headers, bedrock, caller.keys()), relay);
        } else {
            relay.run();
        }
    }

    /** Bedrock's body and its hash: made on a worker thread for a large request, as its parsing was. */
    private static Future<BedrockCall.Payload> bedrockPayload(RoutingContext ctx, BedrockCall bedrock, ObjectNode body, int size) {
        return OffLoop.run(ctx.vertx(), size, () -> bedrock.payload(body));
    }

    /**
     * The body with {@code stream_options.include_usage=true}. When the request has no
     * {@code stream_options}, the member is spliced in after the opening brace so that every other
     * byte stays as the client sent it; otherwise the JSON is rewritten.
     */
    static Buffer withUsageRequested(ObjectNode body, byte[] bytes) {
        if (!body.has("stream_options")) {
            int brace = 0;
            while (brace < bytes.length && bytes[brace] != '{') {
                brace++;
            }
            Buffer out = Buffer.buffer(bytes.length + INCLUDE_USAGE.length);
            out.appendBytes(bytes, 0, brace + 1).appendBytes(INCLUDE_USAGE).appendBytes(bytes, brace + 1, bytes.length - brace - 1);
            return out;
        }
        JsonNode options = body.get("stream_options");
        ObjectNode object = options.isObject() ? (ObjectNode) options : body.putObject("stream_options");
        object.put("include_usage", true);
        try {
            return Buffer.buffer(Json.MAPPER.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalStateException("could not write a parsed body back", e);
        }
    }

    private static String textOrNull(JsonNode node) {
        return node != null && node.isTextual() && !node.asText().isEmpty() ? node.asText() : null;
    }

    private static boolean isJson(String contentType) {
        String type = contentType.toLowerCase(Locale.ROOT).split(";", 2)[0].trim();
        return type.equals("application/json") || type.endsWith("+json");
    }

}

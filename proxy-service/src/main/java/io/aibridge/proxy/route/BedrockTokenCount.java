package io.aibridge.proxy.route;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.proxy.bedrock.BedrockErrors;
import io.aibridge.proxy.bedrock.BedrockRequest;
import io.aibridge.proxy.bedrock.BedrockSettings;
import io.aibridge.proxy.bedrock.SigV4;
import io.aibridge.proxy.interception.Json;
import io.aibridge.proxy.metrics.ProxyMetrics;
import io.aibridge.proxy.tracing.InterceptionTracing;
import io.aibridge.proxy.upstream.SilenceTimer;
import io.aibridge.proxy.upstream.UpstreamClient;
import io.opentelemetry.api.trace.Span;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * Anthropic's {@code POST /v1/messages/count_tokens} on an instance that calls Claude on AWS
 * Bedrock, answered by Bedrock's {@code CountTokens}: the request becomes the {@code InvokeModel}
 * body the same messages would be sent with (model mapped as for {@code /v1/messages}, a
 * cross-region inference profile called by its foundation model, which is what Bedrock counts for),
 * signed with AI Bridge's AWS credentials, and Bedrock's {@code {"inputTokens": n}} goes back as
 * Anthropic's {@code {"input_tokens": n}}. Like every passthrough it is not recorded, is counted in
 * {@code aibridge_passthrough_total} and traced as {@code Passthrough}; Bedrock's errors come back
 * as Anthropic's, with Bedrock's status.
 */
@ApplicationScoped
public class BedrockTokenCount {

    /** The Anthropic path this answers. */
    public static final String PATH = "/v1/messages/count_tokens";

    private final UpstreamClient upstream;
    private final ProxyMetrics metrics;
    private final InterceptionTracing tracing;

    public BedrockTokenCount(UpstreamClient upstream, ProxyMetrics metrics, InterceptionTracing tracing) {
        this.upstream = upstream;
        this.metrics = metrics;
        this.tracing = tracing;
    }

    /** A request whose caller {@link ProxyRoutes} has authenticated. */
    public void handle(RoutingContext ctx, ProviderInstance instance, String route) {
        HttpServerResponse out = ctx.response();
        if (ctx.request().method() != HttpMethod.POST) {
            ProviderErrors.send(out, instance.type(), 405, ctx.request().method().name() + " is not supported on " + PATH + "; use POST",
                    "method_not_allowed");
            return;
        }
        metrics.passthrough(instance.name(), route, HttpMethod.POST.name());
        BedrockSettings settings = instance.bedrock();
        if (settings.credentials().current() == null) {
            ProviderErrors.sendRetryLater(out, instance.type(), 503, 5, BedrockSettings.noCredentialsMessage(instance.name()),
                    "aws_credentials_unavailable");
            return;
        }
        Buffer raw = ctx.body() == null ? null : ctx.body().buffer();
        byte[] bytes = raw == null ? new byte[0] : raw.getBytes();
        List<String> anthropicBetas = ctx.request().headers().getAll("anthropic-beta");
        Future<Counted> counted = bytes.length > Json.PARSE_ON_WORKER_BYTES
                ? ctx.vertx().executeBlocking(() -> Counted.of(bytes, settings, anthropicBetas), false)
                : Future.succeededFuture(Counted.of(bytes, settings, anthropicBetas));
        counted.onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
            } else if (ar.result().error() != null) {
                ProviderErrors.send(out, instance.type(), 400, ar.result().error(), "invalid_json");
            } else if (!out.closed()) {
                send(out, instance, settings, ar.result());
            }
        });
    }

    /** Bedrock's URL and body for one count, or why the request is not one. */
    private record Counted(String url, byte[] body, String error) {

        static Counted of(byte[] bytes, BedrockSettings settings, List<String> anthropicBetas) {
            Json.Parsed parsed = Json.parseRequest(bytes);
            if (parsed.error() != null) {
                return new Counted(null, null, parsed.error());
            }
            JsonNode request = parsed.body();
            if (request == null || !request.isObject()) {
                return new Counted(null, null, "the request body must be a JSON object");
            }
            JsonNode model = request.get("model");
            if (model == null || !model.isTextual() || model.asText().isBlank()) {
                return new Counted(null, null, "\"model\" is required and must be a non-empty string");
            }
            String bedrockModel = settings.modelFor(model.asText());
            byte[] body = BedrockRequest.countTokensBody((ObjectNode) request, BedrockRequest.betas(anthropicBetas, bedrockModel),
                    bedrockModel);
            return new Counted(settings.countTokensUrl(bedrockModel), body, null);
        }
    }

    private void send(HttpServerResponse out, ProviderInstance instance, BedrockSettings settings, Counted count) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().set("Content-Type", "application/json").set("Accept", "application/json");
        try {
            settings.signature("POST", count.url(), SigV4.payloadHash(count.body())).forEach(headers::set);
        } catch (IllegalStateException e) { // the credentials expired since the check above
            ProviderErrors.sendRetryLater(out, instance.type(), 503, 5, e.getMessage(), "aws_credentials_unavailable");
            return;
        }
        Span span = tracing.passthrough(HttpMethod.POST.name(), PATH, count.url());
        HttpClientRequest[] pending = new HttpClientRequest[1];
        out.closeHandler(v -> {
            if (pending[0] != null) {
                pending[0].reset();
            }
            InterceptionTracing.passthroughEnded(span, 0, null);
        });
        boolean[] silent = {false};
        upstream.request(HttpMethod.POST, count.url(), headers)
                .compose(request -> {
                    pending[0] = request;
                    return request.send(Buffer.buffer(count.body()));
                })
                .compose(response -> body(response, silent).map(body -> {
                    int status = response.statusCode();
                    byte[] answer = status == 200 ? BedrockRequest.countTokensAnswer(body.getBytes()) : null;
                    if (answer != null) {
                        out.setStatusCode(200).putHeader("Content-Type", "application/json").end(Buffer.buffer(answer));
                        InterceptionTracing.passthroughEnded(span, 200, null);
                    } else if (status == 200) {
                        String message = "AWS Bedrock's token count was not {\"inputTokens\": n}";
                        ProviderErrors.send(out, instance.type(), 502, message, "upstream_error");
                        InterceptionTracing.passthroughEnded(span, 502, message);
                    } else {
                        out.setStatusCode(status).putHeader("Content-Type", "application/json")
                                .end(Buffer.buffer(BedrockErrors.toAnthropic(status, response.getHeader("x-amzn-ErrorType"), body.getBytes())));
                        InterceptionTracing.passthroughEnded(span, status, "AWS Bedrock answered " + status);
                    }
                    return null;
                }))
                .onFailure(e -> {
                    if (silent[0]) {
                        InterceptionTracing.passthroughEnded(span, 504, e.getMessage());
                        ProviderErrors.send(out, instance.type(), 504, e.getMessage(), "upstream_timeout");
                        return;
                    }
                    PassthroughHandler.failed(e, out, span, instance, upstream.idleTimeoutMillis());
                });
    }

    /**
     * The whole body of Bedrock's answer; fails (and {@code silent[0]} is set, the call reset) when
     * Bedrock is silent for {@code AIBRIDGE_UPSTREAM_TIMEOUT} after its head, which Vert.x no longer times.
     */
    private Future<Buffer> body(HttpClientResponse response, boolean[] silent) {
        Promise<Buffer> body = Promise.promise();
        Buffer read = Buffer.buffer();
        SilenceTimer silence = upstream.silenceTimer(() -> {
            silent[0] = true;
            if (body.tryFail(new TimeoutException("the provider went silent for " + UpstreamClient.duration(upstream.idleTimeoutMillis())
                    + " in the middle of its answer"))) {
                response.request().reset();
            }
        });
        response.handler(chunk -> {
            silence.heard();
            read.appendBuffer(chunk);
        });
        response.exceptionHandler(e -> {
            silence.stop();
            body.tryFail(e);
        });
        response.endHandler(v -> {
            silence.stop();
            body.tryComplete(read);
        });
        return body.future();
    }
}

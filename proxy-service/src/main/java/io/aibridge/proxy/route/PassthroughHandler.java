package io.aibridge.proxy.route;

import io.aibridge.proxy.auth.CallerCredentials;
import io.aibridge.proxy.interception.ClientConnections;
import io.aibridge.proxy.interception.Relay;
import io.aibridge.proxy.interception.UpstreamExchange;
import io.aibridge.proxy.metrics.ProxyMetrics;
import io.aibridge.proxy.tracing.InterceptionTracing;
import io.aibridge.proxy.upstream.CredentialHint;
import io.aibridge.proxy.upstream.ForwardedHeaders;
import io.aibridge.proxy.upstream.ProviderKeys;
import io.aibridge.proxy.upstream.SilenceTimer;
import io.aibridge.proxy.upstream.UpstreamClient;
import io.opentelemetry.api.trace.Span;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Set;

/**
 * Reverse-proxies the allow-listed provider routes (models lists, token counting, ...) with the
 * provider key in place of the bridge token. Never recorded; counted in
 * {@code aibridge_passthrough_total} and traced as {@code Passthrough}. Like a bridged call, one
 * that the provider answers 429, 401 or 403 is sent again at once with the instance's next key
 * ({@link ProviderKeys}); nothing else is retried.
 */
@ApplicationScoped
public class PassthroughHandler {

    private static final Logger LOG = Logger.getLogger(PassthroughHandler.class);
    /** The reference's passthrough allow-list per provider type (paths after the provider prefix). */
    private static final AllowList ANTHROPIC = new AllowList(Set.of("/v1/models", "/v1/messages/count_tokens"),
            List.of("/v1/models/", "/api/event_logging/"));
    private static final AllowList COPILOT = new AllowList(Set.of("/models"), List.of("/models/", "/agents/", "/mcp/", "/.well-known/"));
    private static final AllowList OPENAI = new AllowList(Set.of("/models", "/conversations"),
            List.of("/models/", "/conversations/", "/responses/"));

    /** Fixed endpoints, and subtrees whose paths carry ids (a model, a response, a conversation). */
    private record AllowList(Set<String> endpoints, List<String> subtrees) {

        static AllowList of(ProviderType provider) {
            return switch (provider) {
                case ANTHROPIC -> ANTHROPIC;
                case COPILOT -> COPILOT;
                case OPENAI -> OPENAI;
            };
        }

        /** The subtree the path is in, or null. */
        String subtree(String path) {
            for (String subtree : subtrees) {
                if (path.startsWith(subtree)) {
                    return subtree;
                }
            }
            return null;
        }
    }

    private final UpstreamClient upstream;
    private final ProxyMetrics metrics;
    private final boolean sendActorHeaders;
    private final InterceptionTracing tracing;

    public PassthroughHandler(UpstreamClient upstream, ProxyMetrics metrics,
                              io.aibridge.proxy.config.ProxyConfig config, InterceptionTracing tracing) {
        this.tracing = tracing;
        this.sendActorHeaders = config.sendActorHeaders();
        this.upstream = upstream;
        this.metrics = metrics;
    }

    /** True when the path after the provider prefix is passthrough (the reference's allow-list). */
    public static boolean allowed(ProviderType provider, String path) {
        AllowList list = AllowList.of(provider);
        return list.endpoints().contains(path) || list.subtree(path) != null;
    }

    /**
     * The route label of an {@linkplain #allowed allowed} passthrough path: the path itself for a
     * fixed endpoint ({@code /v1/models}, {@code /v1/messages/count_tokens}), the allow-list entry
     * with a placeholder for the rest ({@code /v1/models/{id}}, {@code /conversations/{path}}):
     * model, conversation and response ids never become label values, so a caller cannot make
     * series without end.
     */
    public static String routeLabel(ProviderType provider, String path) {
        String subtree = AllowList.of(provider).subtree(path);
        return subtree == null ? path : subtree + (subtree.endsWith("/models/") ? "{id}" : "{path}");
    }

    /**
     * @param path  the path after the provider prefix
     * @param route  the metric label ({@link #routeLabel})
     * @param caller authenticated by {@link ProxyRoutes} before the body was read
     */
    public void handle(RoutingContext ctx, ProviderInstance instance, String path, String route, CallerCredentials.Caller caller) {
        HttpServerRequest request = ctx.request();
        HttpServerResponse out = ctx.response();
        metrics.passthrough(instance.name(), route, request.method().name());
        MultiMap headers = ForwardedHeaders.upstream(request.headers(), caller.credential());
        if (sendActorHeaders) {
            ForwardedHeaders.addActor(headers, caller.authentication().principal());
        }
        String forwardedFor = request.getHeader("X-Forwarded-For");
        String remote = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
        if (remote != null) {
            headers.set("X-Forwarded-For", forwardedFor == null || forwardedFor.isBlank() ? remote : forwardedFor + ", " + remote);
        }
        if (request.getHeader("User-Agent") == null) {
            headers.set("User-Agent", "aibridge");
        }
        Buffer body = ctx.body() == null || ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer();
        String url = instance.url(path, request.query());
        // the query stays off the span: it is the caller's, and some gateways put keys in it
        Span span = tracing.passthrough(request.method().name(), path, instance.url(path, null));
        HttpClientRequest[] pending = new HttpClientRequest[1];
        out.closeHandler(v -> {
            if (pending[0] != null) {
                pending[0].reset();
            }
            InterceptionTracing.passthroughEnded(span, 0, null); // the client left first (after the end: nothing to do)
        });
        send(request.method(), url, headers, body, caller.keys(), pending, request, out, span, instance);
    }

    /** One attempt, and another with the next key when the provider turns this one away. */
    private void send(HttpMethod method, String url, MultiMap headers, Buffer body, ProviderKeys.Walk keys,
                      HttpClientRequest[] pending, HttpServerRequest in, HttpServerResponse out, Span span, ProviderInstance instance) {
        upstream.request(method, url, keys.applyTo(headers))
                .compose(req -> {
                    pending[0] = req;
                    return body.length() == 0 ? req.send() : req.send(body);
                })
                .onSuccess(response -> {
                    int status = response.statusCode();
                    String from = keys.key();
                    if (!out.closed() && ProviderKeys.turnsKeyAway(status) && keys.failover(status,
                            UpstreamExchange.askedMillis(response.getHeader("retry-after-ms"), response.getHeader("Retry-After")))) {
                        LOG.infof("passthrough %s %s: the provider answered %d for key %s; sent again with key %s", instance.name(),
                                method, status, CredentialHint.of(from), CredentialHint.of(keys.key()));
                        UpstreamExchange.discard(response, upstream.vertx(), upstream.idleTimeoutMillis()).onComplete(drained -> {
                            if (!out.closed()) { // else the close handler ended the span
                                send(method, url, headers, body, keys, pending, in, out, span, instance);
                            }
                        });
                    } else {
                        relay(response, in, out, span, instance);
                    }
                })
                .onFailure(e -> failed(e, out, span, instance, upstream.idleTimeoutMillis()));
    }

    /**
     * No answer at all: 504 when the provider took the request and said nothing for
     * {@code AIBRIDGE_UPSTREAM_TIMEOUT}, as on the bridged routes; else 502 (it could not be reached).
     */
    static void failed(Throwable e, HttpServerResponse out, Span span, ProviderInstance instance, long idleTimeoutMillis) {
        if (Relay.isTimeout(e)) {
            String message = "the provider did not answer within " + UpstreamClient.duration(idleTimeoutMillis);
            InterceptionTracing.passthroughEnded(span, 504, message);
            ProviderErrors.send(out, instance.type(), 504, message, "upstream_timeout");
            return;
        }
        String message = "upstream proxy error: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        InterceptionTracing.passthroughEnded(span, 502, message);
        ProviderErrors.send(out, instance.type(), 502, message, "upstream_unreachable");
    }

    /**
     * Relays the answer as it comes, with back-pressure (the provider is paused while the client's
     * write queue is full). A provider silent for {@code AIBRIDGE_UPSTREAM_TIMEOUT} while the client
     * takes its bytes is cut off: a 504 in its error JSON when nothing was written yet, else the
     * client's connection is reset (an incomplete body must not look complete).
     */
    private void relay(HttpClientResponse response, HttpServerRequest in, HttpServerResponse out, Span span, ProviderInstance instance) {
        out.setStatusCode(response.statusCode());
        boolean hasLength = response.getHeader("Content-Length") != null;
        ForwardedHeaders.downstream(response.headers(), out.headers(), hasLength);
        if (!hasLength) {
            out.setChunked(true);
        }
        boolean[] over = {false};
        SilenceTimer silence = upstream.silenceTimer(() -> {
            over[0] = true;
            String message = "the provider went silent for " + UpstreamClient.duration(upstream.idleTimeoutMillis())
                    + " in the middle of its answer";
            // the path only: the query is the caller's, and some gateways put keys in it
            LOG.warnf("passthrough %s %s: %s", instance.name(), response.request().path(), message);
            response.request().reset();
            if (out.closed() || out.ended()) {
                return;
            }
            if (out.headWritten()) {
                ClientConnections.cut(in, out);
                InterceptionTracing.passthroughEnded(span, response.statusCode(), message);
            } else {
                out.headers().clear();
                out.setChunked(false);
                InterceptionTracing.passthroughEnded(span, 504, message);
                ProviderErrors.send(out, instance.type(), 504, message, "upstream_timeout");
            }
        });
        response.handler(chunk -> {
            silence.heard();
            if (out.closed()) {
                return;
            }
            out.write(chunk, null); // no future per chunk: a failure reaches the close handler
            if (out.writeQueueFull()) {
                response.pause();
                silence.pause();
                out.drainHandler(v -> {
                    silence.resume();
                    response.resume();
                });
            }
        });
        response.exceptionHandler(e -> {
            silence.stop();
            if (over[0]) {
                return;
            }
            over[0] = true;
            ClientConnections.cut(in, out);
            InterceptionTracing.passthroughEnded(span, response.statusCode(), "the answer broke off: " + e);
        });
        response.endHandler(v -> {
            silence.stop();
            if (over[0]) {
                return;
            }
            over[0] = true;
            if (!out.ended() && !out.closed()) {
                out.end();
            }
            InterceptionTracing.passthroughEnded(span, response.statusCode(), null);
        });
    }
}

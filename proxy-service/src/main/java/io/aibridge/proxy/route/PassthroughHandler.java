package io.aibridge.proxy.route;

import io.aibridge.proxy.auth.CallerCredentials;
import io.aibridge.proxy.metrics.ProxyMetrics;
import io.aibridge.proxy.upstream.ForwardedHeaders;
import io.aibridge.proxy.upstream.UpstreamClient;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Reverse-proxies the allow-listed provider routes (models lists, token counting, ...) with the
 * provider key in place of the bridge token. Never recorded; counted in
 * {@code aibridge_passthrough_total}.
 */
@ApplicationScoped
public class PassthroughHandler {

    private final CallerCredentials credentials;
    private final UpstreamClient upstream;
    private final ProxyMetrics metrics;
    private final boolean sendActorHeaders;

    public PassthroughHandler(CallerCredentials credentials, UpstreamClient upstream, ProxyMetrics metrics,
                              io.aibridge.proxy.config.ProxyConfig config) {
        this.sendActorHeaders = config.sendActorHeaders();
        this.credentials = credentials;
        this.upstream = upstream;
        this.metrics = metrics;
    }

    /** True when the path after the provider prefix is passthrough (the reference's allow-list). */
    public static boolean allowed(ProviderType provider, String path) {
        if (provider == ProviderType.ANTHROPIC) {
            return path.equals("/v1/models") || path.startsWith("/v1/models/") || path.equals("/v1/messages/count_tokens")
                    || path.startsWith("/api/event_logging/");
        }
        return path.equals("/models") || path.startsWith("/models/") || path.equals("/conversations")
                || path.startsWith("/conversations/") || path.startsWith("/responses/");
    }

    /**
     * @param path  the path after the provider prefix
     * @param route the metric label
     */
    public void handle(RoutingContext ctx, ProviderType provider, String path, String route) {
        HttpServerRequest request = ctx.request();
        HttpServerResponse out = ctx.response();
        CallerCredentials.Caller caller = credentials.authenticate(request, out, provider);
        if (caller == null) {
            return;
        }
        metrics.passthrough(provider.wireName(), route, request.method().name());
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
        String url = upstream.url(provider, path, request.query());
        HttpClientRequest[] pending = new HttpClientRequest[1];
        out.closeHandler(v -> {
            if (pending[0] != null) {
                pending[0].reset();
            }
        });
        upstream.request(request.method(), url, headers)
                .compose(req -> {
                    pending[0] = req;
                    return body.length() == 0 ? req.send() : req.send(body);
                })
                .onSuccess(response -> relay(response, out))
                .onFailure(e -> ProviderErrors.send(out, provider, 502, "upstream proxy error: "
                        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), "upstream_unreachable"));
    }

    private static void relay(HttpClientResponse response, HttpServerResponse out) {
        out.setStatusCode(response.statusCode());
        boolean hasLength = response.getHeader("Content-Length") != null;
        ForwardedHeaders.downstream(response.headers(), out.headers(), hasLength);
        if (!hasLength) {
            out.setChunked(true);
        }
        response.pipeTo(out).onFailure(e -> {
            if (!out.ended() && !out.closed()) {
                out.reset();
            }
        });
    }
}

package io.aibridge.proxy.upstream;

import io.aibridge.proxy.config.ProxyConfig;
import io.aibridge.proxy.interception.UpstreamExchange;
import io.netty.util.concurrent.EventExecutor;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.tracing.TracingPolicy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.ArrayList;
import java.util.List;

/**
 * The pooled keep-alive HTTP clients for provider calls (Vert.x, non-blocking). Compression is
 * never requested: the proxy asks for identity encoding so that it can read what it relays.
 *
 * <p>One client per event loop. A request is handled on the event loop of the caller's connection,
 * and a pooled connection lives on the event loop that opened it; with one pool for all loops the
 * pool hands out its most recently used connection, which mostly belongs to another loop, and then
 * the request's bytes and every chunk of the answer cross between two threads (a queued task and
 * a wake-up each way). With a pool per loop, a request and its upstream connection share one
 * thread from the client's bytes in to the last byte out. The connection limit is shared out
 * between the loops.
 */
@Startup // its clients are made, and a setting they refuse stops the service, before the first request (ranges: config.SettingsCheck)
@ApplicationScoped
public class UpstreamClient {

    private final ProxyConfig config;
    private final Vertx vertx;
    /** The event loops, and at the same index the client whose connections live on each. */
    private final EventExecutor[] loops;
    private final HttpClient[] clients;
    /** For calls from a thread that is no event loop (a worker): connections on the caller context's loop. */
    private final HttpClient offLoop;
    private final UpstreamExchange.Retries retries;

    public UpstreamClient(Vertx vertx, ProxyConfig config) {
        this.config = config;
        this.vertx = vertx;
        ProxyConfig.Upstream u = config.upstream();
        HttpClientOptions options = new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_1_1)
                .setKeepAlive(true)
                .setKeepAliveTimeout((int) Math.max(1, u.keepAliveTimeout().toSeconds()))
                .setConnectTimeout((int) u.connectTimeout().toMillis())
                .setTryUseCompression(false)
                .setDecompressionSupported(false)
                .setMaxHeaderSize(64 * 1024)
                .setVerifyHost(true)
                // providers sit behind CDNs that route TLS by server name
                .setForceSni(true)
                // No automatic client span and no traceparent header to the providers: the
                // Intercept.ProcessRequest.Upstream span covers the call, and trace ids of our users'
                // requests are not the providers' business.
                .setTracingPolicy(TracingPolicy.IGNORE);
        List<EventExecutor> eventLoops = new ArrayList<>();
        vertx.nettyEventLoopGroup().forEach(eventLoops::add);
        this.loops = eventLoops.toArray(EventExecutor[]::new);
        int perLoop = Math.max(1, (u.maxConnections() + loops.length - 1) / Math.max(1, loops.length));
        PoolOptions pool = new PoolOptions().setHttp1MaxSize(perLoop).setMaxWaitQueueSize(-1);
        this.clients = new HttpClient[loops.length];
        for (int i = 0; i < loops.length; i++) {
            clients[i] = vertx.createHttpClient(options, pool);
        }
        this.offLoop = vertx.createHttpClient(options, pool);
        this.retries = new UpstreamExchange.Retries(vertx, Math.max(0, u.maxRetries()), u.idleTimeout().toMillis());
    }

    /**
     * Opens an upstream request; a bad base URL fails the future (never throws), so the caller answers 502.
     * The future fails only before anything is sent (no connection within the connect timeout, or
     * none at all), always with an {@link UpstreamUnreachableException}.
     */
    public Future<HttpClientRequest> request(HttpMethod method, String url, MultiMap headers) {
        long connectTimeoutMillis = config.upstream().connectTimeout().toMillis();
        Future<HttpClientRequest> opened;
        try {
            // the connect timeout covers getting a connection (DNS, TCP, TLS, a free pooled one);
            // the idle timeout then covers the wait for the answer
            RequestOptions options = new RequestOptions()
                    .setMethod(method)
                    .setAbsoluteURI(url)
                    .setHeaders(headers)
                    .setConnectTimeout(connectTimeoutMillis)
                    .setIdleTimeout(config.upstream().idleTimeout().toMillis());
            opened = client().request(options);
        } catch (RuntimeException e) {
            return Future.failedFuture(new IllegalStateException("invalid provider base URL", e));
        }
        return opened.recover(e -> Future.failedFuture(unreachable(e, connectTimeoutMillis)));
    }

    /** Why no connection could be had, worded for the client and the record. */
    static UpstreamUnreachableException unreachable(Throwable cause, long connectTimeoutMillis) {
        if (cause instanceof UpstreamUnreachableException u) {
            return u;
        }
        if (cause instanceof java.util.concurrent.TimeoutException) {
            // Vert.x: "The timeout of N ms has been exceeded when getting a connection to host:port"
            return new UpstreamUnreachableException("no connection within " + duration(connectTimeoutMillis), cause);
        }
        String message = cause.getMessage();
        return new UpstreamUnreachableException(message == null || message.isBlank() ? cause.getClass().getSimpleName() : message, cause);
    }

    /** {@code 10 s}, or {@code 200 ms} for a time that is no whole number of seconds. */
    public static String duration(long millis) {
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }

    /** The client of the calling event loop. */
    private HttpClient client() {
        for (int i = 0; i < loops.length; i++) {
            if (loops[i].inEventLoop()) {
                return clients[i];
            }
        }
        return offLoop;
    }

    /** The further attempts a failed provider call gets ({@code AIBRIDGE_UPSTREAM_MAX_RETRIES}). */
    public UpstreamExchange.Retries retries() {
        return retries;
    }

    public long idleTimeoutMillis() {
        return config.upstream().idleTimeout().toMillis();
    }

    /**
     * Bounds the provider's silence while an answer's body is read ({@code AIBRIDGE_UPSTREAM_TIMEOUT},
     * which Vert.x stops applying once the head arrived); call on the request's event loop.
     */
    public SilenceTimer silenceTimer(Runnable onSilence) {
        return SilenceTimer.start(vertx, idleTimeoutMillis(), onSilence);
    }

    public Vertx vertx() {
        return vertx;
    }

    void stop(@Observes ShutdownEvent event) {
        for (HttpClient client : clients) {
            client.close();
        }
        offLoop.close();
    }
}

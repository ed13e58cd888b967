package io.aibridge.proxy.upstream;

import io.aibridge.proxy.config.ProxyConfig;
import io.aibridge.proxy.route.ProviderType;
import io.quarkus.runtime.ShutdownEvent;
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
import org.jboss.logging.Logger;

/**
 * The pooled keep-alive HTTP client for provider calls (Vert.x, non-blocking). Compression is
 * never requested: the proxy asks for identity encoding so that it can read what it relays.
 */
@ApplicationScoped
public class UpstreamClient {

    private static final Logger LOG = Logger.getLogger(UpstreamClient.class);

    private final ProxyConfig config;
    private final HttpClient client;

    public UpstreamClient(Vertx vertx, ProxyConfig config) {
        this.config = config;
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
        PoolOptions pool = new PoolOptions().setHttp1MaxSize(u.maxConnections()).setMaxWaitQueueSize(-1);
        this.client = vertx.createHttpClient(options, pool);
        for (ProviderType p : ProviderType.values()) {
            if (key(p) == null) {
                LOG.warnf("no provider key configured for %s: requests are forwarded without one", p.wireName());
            }
        }
    }

    public String baseUrl(ProviderType provider) {
        return provider == ProviderType.ANTHROPIC ? config.anthropic().baseUrl() : config.openai().baseUrl();
    }

    /** The configured provider key, or null. */
    public String key(ProviderType provider) {
        return (provider == ProviderType.ANTHROPIC ? config.anthropic().key() : config.openai().key())
                .filter(k -> !k.isBlank()).orElse(null);
    }

    /** The upstream URL: the provider's base URL + the path after the provider prefix + the query. */
    public String url(ProviderType provider, String pathAfterPrefix, String query) {
        String base = baseUrl(provider);
        String path = pathAfterPrefix.startsWith("/") ? pathAfterPrefix.substring(1) : pathAfterPrefix;
        return (base.endsWith("/") ? base : base + "/") + path + (query == null || query.isEmpty() ? "" : "?" + query);
    }

    /** Opens an upstream request; a bad base URL fails the future (never throws), so the caller answers 502. */
    public Future<HttpClientRequest> request(HttpMethod method, String url, MultiMap headers) {
        try {
            RequestOptions options = new RequestOptions()
                    .setMethod(method)
                    .setAbsoluteURI(url)
                    .setHeaders(headers)
                    .setConnectTimeout(config.upstream().connectTimeout().toMillis())
                    .setIdleTimeout(config.upstream().idleTimeout().toMillis());
            return client.request(options);
        } catch (RuntimeException e) {
            return Future.failedFuture(new IllegalStateException("invalid provider base URL", e));
        }
    }

    public long idleTimeoutMillis() {
        return config.upstream().idleTimeout().toMillis();
    }

    void stop(@Observes ShutdownEvent event) {
        client.close();
    }
}

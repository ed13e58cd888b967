package io.aibridge.proxy.route;

import io.aibridge.proxy.auth.CallerCredentials;
import io.aibridge.proxy.config.ProxyConfig;
import io.aibridge.proxy.interception.BridgeHandler;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * The provider routes, on the Vert.x router (not JAX-RS) so that upstream status, headers and SSE
 * frames pass through untouched. OpenAI's prefix includes {@code /v1}, Anthropic's and Copilot's
 * do not: clients set {@code OPENAI_BASE_URL=.../openai/v1} and {@code ANTHROPIC_BASE_URL=.../anthropic}.
 * Anything else under the base path is a 404 in the provider's error JSON.
 */
@ApplicationScoped
public class ProxyRoutes {

    public static final String BASE = "/api/v2/aibridge";
    private static final Logger LOG = Logger.getLogger(ProxyRoutes.class);

    private final BridgeHandler bridge;
    private final PassthroughHandler passthrough;
    private final BedrockTokenCount bedrockTokenCount;
    private final CapacityLimit capacity;
    private final RateLimit rateLimit;
    private final Providers providers;
    private final CallerCredentials credentials;
    private final long maxBody;
    private final long bodyTimeoutMillis;
    private final String bodyTimeoutMessage;

    public ProxyRoutes(BridgeHandler bridge, PassthroughHandler passthrough, BedrockTokenCount bedrockTokenCount, CapacityLimit capacity,
                       RateLimit rateLimit, Providers providers, CallerCredentials credentials, ProxyConfig config) {
        this.bedrockTokenCount = bedrockTokenCount;
        this.providers = providers;
        this.bridge = bridge;
        this.passthrough = passthrough;
        this.capacity = capacity;
        this.rateLimit = rateLimit;
        this.credentials = credentials;
        this.maxBody = config.maxRequestBody().asLongValue();
        this.bodyTimeoutMillis = config.requestBodyTimeout().toMillis();
        if (bodyTimeoutMillis < 0) {
            throw new IllegalArgumentException("AIBRIDGE_REQUEST_BODY_TIMEOUT must be 0 (no deadline) or a duration, not "
                    + config.requestBodyTimeout());
        }
        this.bodyTimeoutMessage = "AI Bridge: the request body did not arrive within "
                + (bodyTimeoutMillis % 1000 == 0 ? bodyTimeoutMillis / 1000 + " s" : bodyTimeoutMillis + " ms");
    }

    void register(@Observes Router router) {
        // first, in a route of its own before a byte of the body is read (or Expect: 100-continue answered): a replica
        // at capacity, a caller without a valid key, or one over its rate, is refused without buffering anything
        router.route(BASE + "/*").handler(this::admit);
        router.route(BASE + "/*")
                .handler(BodyHandler.create(false).setBodyLimit(maxBody).setHandleFileUploads(false)
                        .setMergeFormAttributes(false).setPreallocateBodyBuffer(false))
                .handler(this::dispatch)
                .failureHandler(this::failure);
    }

    /**
     * From the headers alone: the replica's capacity first (the reference's order), then the provider
     * instance, then the caller's key, then its rate. The refused pay for nothing more; a caller without
     * a valid key counts against its address's rate, so made-up tokens do not each get a fresh allowance.
     * The admitted caller is kept for {@link #dispatch}, and the deadline for the body starts.
     */
    private void admit(RoutingContext ctx) {
        String afterBase = ctx.normalizedPath().substring(BASE.length());
        ProviderInstance instance = providers.of(afterBase);
        ProviderType provider = instance == null ? ProviderType.OPENAI : instance.type();
        if (!capacity.admit(ctx)) {
            ProviderErrors.sendRetryLater(ctx.response(), provider, 503, CapacityLimit.RETRY_AFTER_SECONDS,
                    CapacityLimit.MESSAGE, "service_unavailable");
            return;
        }
        if (instance == null || !underPrefix(afterBase, instance.prefix())) {
            notFound(ctx, provider);
            return;
        }
        HttpServerRequest request = ctx.request();
        CallerCredentials.Outcome outcome = credentials.authenticate(request, instance);
        if (outcome instanceof CallerCredentials.Refusal refusal) {
            if (rateLimit.admitAddress(request)) {
                refusal.send(ctx.response(), provider);
            } else {
                overTheRate(ctx, provider, "this address without a valid API key");
            }
            return;
        }
        CallerCredentials.Caller caller = (CallerCredentials.Caller) outcome;
        if (!rateLimit.admitKey(caller.authentication().principal().apiKeyId())) {
            overTheRate(ctx, provider, "this API key");
            return;
        }
        Admission admission = new Admission(ctx, instance, caller);
        ctx.put(Admission.KEY, admission);
        admission.startDeadline(bodyTimeoutMillis, bodyTimeoutMessage);
        ctx.next();
    }

    private void overTheRate(RoutingContext ctx, ProviderType provider, String from) {
        ProviderErrors.sendRetryLater(ctx.response(), provider, 429, RateLimit.RETRY_AFTER_SECONDS,
                "AI Bridge: more than " + rateLimit.rate() + " requests per second from " + from + "; retry in a second",
                "rate_limit_exceeded");
    }

    /** {@code BASE/<provider name><rest>}, body read: a bridged route, an allowed passthrough, or 404 in the provider's error JSON. */
    private void dispatch(RoutingContext ctx) {
        Admission admission = ctx.get(Admission.KEY);
        if (!admission.bodyRead()) {
            return; // too late: answered 408
        }
        ProviderInstance provider = admission.instance;
        CallerCredentials.Caller caller = admission.caller;
        String rest = ctx.normalizedPath().substring(BASE.length() + provider.prefix().length());
        BridgedRoute route = BridgedRoute.of(provider.type(), rest);
        if (route != null) {
            bridge.handle(ctx, provider, route, caller);
        } else if (provider.isBedrock() && rest.equals(BedrockTokenCount.PATH)) {
            bedrockTokenCount.handle(ctx, provider, provider.route(rest));
        } else if (PassthroughHandler.allowed(provider.type(), rest) && provider.isBedrock()) {
            // Anthropic's other endpoints have no Bedrock counterpart behind the same credentials
            ProviderErrors.send(ctx.response(), provider.type(), 404, ctx.request().method().name() + " " + rest + " is not available on "
                    + provider.name() + ", which calls Claude on AWS Bedrock; only /v1/messages and " + BedrockTokenCount.PATH + " are",
                    "unknown_url");
        } else if (PassthroughHandler.allowed(provider.type(), rest)) {
            passthrough.handle(ctx, provider, rest, provider.route(PassthroughHandler.routeLabel(provider.type(), rest)), caller);
        } else {
            notFound(ctx, provider.type());
        }
    }

    private static boolean underPrefix(String afterBase, String prefix) {
        return afterBase.length() > prefix.length() && afterBase.startsWith(prefix) && afterBase.charAt(prefix.length()) == '/';
    }

    private static void notFound(RoutingContext ctx, ProviderType provider) {
        ProviderErrors.send(ctx.response(), provider, 404,
                "route not supported: " + ctx.request().method().name() + " " + ctx.request().path(), "unknown_url");
    }

    /** Whose error JSON a request under the base path gets: its provider's under a provider's prefix, OpenAI's elsewhere. */
    private ProviderType providerOf(RoutingContext ctx) {
        ProviderInstance provider = providers.of(ctx.normalizedPath().substring(BASE.length()));
        return provider == null ? ProviderType.OPENAI : provider.type();
    }

    private void failure(RoutingContext ctx) {
        ProviderType provider = providerOf(ctx);
        if (ctx.statusCode() == 413) {
            ProviderErrors.send(ctx.response(), provider, 413,
                    "the request body is larger than the limit of " + maxBody + " bytes", "request_too_large");
            return;
        }
        if (ctx.failure() instanceof HttpClosedException) {
            return; // the client went away, or was answered 408, before its body was complete: no one to answer
        }
        if (ctx.failure() != null) {
            LOG.errorf(ctx.failure(), "unexpected error on %s %s", ctx.request().method(), ctx.request().path());
        }
        int status = ctx.statusCode() >= 400 && ctx.statusCode() < 500 ? ctx.statusCode() : 500;
        ProviderErrors.send(ctx.response(), provider, status,
                status == 500 ? "AI Bridge failed to handle the request" : "the request could not be read", null);
    }
}

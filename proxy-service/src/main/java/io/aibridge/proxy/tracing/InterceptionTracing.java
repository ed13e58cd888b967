package io.aibridge.proxy.tracing;

import io.aibridge.identity.Principal;
import io.aibridge.proxy.route.ProviderType;
import io.aibridge.proxy.route.ProxyRoutes;
import io.aibridge.telemetry.TracingConfigInterceptor;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.List;
import java.util.Optional;

import static io.aibridge.proxy.tracing.InterceptionSpans.*;

/**
 * Starts the spans of interceptions and passthrough requests. With tracing off
 * ({@code AIBRIDGE_TRACE_ENABLE} unset) it hands out {@link InterceptionTrace#OFF} and
 * {@link Span#getInvalid()}: no span is built and nothing is allocated per request.
 */
@ApplicationScoped
public class InterceptionTracing {

    /** The value of {@code OTEL_SEMCONV_STABILITY_OPT_IN} that turns on the newest GenAI conventions. */
    public static final String GEN_AI_LATEST = "gen_ai_latest_experimental";

    private final Tracer tracer;
    private final boolean enabled;
    private final boolean genAiSpanNames;

    /**
     * @param semconvOptIn {@code OTEL_SEMCONV_STABILITY_OPT_IN}, OpenTelemetry's comma-separated list
     *                     of the conventions an instrumentation may emit in their newest form
     */
    public InterceptionTracing(Tracer tracer, @ConfigProperty(name = TracingConfigInterceptor.SDK_DISABLED) boolean sdkDisabled,
                               @ConfigProperty(name = "otel.semconv-stability.opt-in") Optional<List<String>> semconvOptIn) {
        this.enabled = !sdkDisabled;
        this.genAiSpanNames = semconvOptIn.orElse(List.of()).stream().map(String::trim).anyMatch(GEN_AI_LATEST::equals);
        // Quarkus' disabled SDK still hands out recording spans (they are dropped at the end): off, use a no-op tracer
        this.tracer = enabled ? tracer : OpenTelemetry.noop().getTracer("io.aibridge.proxy");
    }

    public boolean enabled() {
        return enabled;
    }

    /**
     * The tracer for spans outside an interception's trace object (MCP start-up, sessions and tool
     * calls): the service's while tracing is on, a no-op one that builds nothing while it is off.
     */
    public Tracer tracer() {
        return tracer;
    }

    /**
     * Starts {@code Intercept} and {@code Intercept.CreateInterceptor} for an authenticated request
     * on a bridged route.
     *
     * @param path the request's path; the span gets it without the base path, e.g. {@code /anthropic/v1/messages}
     */
    public InterceptionTrace intercept(ProviderType provider, String path, Principal principal) {
        return intercept(provider, false, path, principal);
    }

    /**
     * As {@link #intercept(ProviderType, String, Principal)}, for an instance that may call Claude
     * on AWS Bedrock: {@code aws_bedrock} true and {@code gen_ai.provider.name} {@code aws.bedrock}.
     */
    public InterceptionTrace intercept(ProviderType provider, boolean bedrock, String path, Principal principal) {
        if (!enabled) {
            return InterceptionTrace.OFF;
        }
        AttributesBuilder attributes = Attributes.builder()
                .put(REQUEST_PATH, path.startsWith(ProxyRoutes.BASE) ? path.substring(ProxyRoutes.BASE.length()) : path)
                .put(USER_ID, principal.userId().toString())
                .put(PROVIDER, provider.wireName());
        if (principal.apiKeyId() != null) {
            attributes.put(API_KEY_ID, principal.apiKeyId());
        }
        if (provider == ProviderType.ANTHROPIC) {
            attributes.put(AWS_BEDROCK, bedrock);
        }
        return new LiveInterceptionTrace(tracer, attributes.build(), bedrock ? "aws.bedrock" : provider.wireName(), genAiSpanNames);
    }

    /**
     * Starts the {@code Passthrough} span of one forwarded request; the caller ends it.
     *
     * @param path        the path after the provider prefix, e.g. {@code /v1/models}
     * @param upstreamUrl the URL it is forwarded to, without its query
     */
    public Span passthrough(String method, String path, String upstreamUrl) {
        if (!enabled) {
            return Span.getInvalid();
        }
        return tracer.spanBuilder(PASSTHROUGH).setParent(Context.current()).setSpanKind(SpanKind.CLIENT)
                .setAttribute(PASSTHROUGH_METHOD, method)
                .setAttribute(PASSTHROUGH_URL, path)
                .setAttribute(PASSTHROUGH_UPSTREAM_URL, upstreamUrl)
                .startSpan();
    }

    /** Ends a passthrough span with the provider's status, or failed when the proxy could not forward. */
    public static void passthroughEnded(Span span, int status, String failure) {
        if (!span.isRecording()) {
            return;
        }
        if (status > 0) {
            span.setAttribute(HTTP_STATUS, (long) status);
        }
        if (failure != null) {
            span.setStatus(StatusCode.ERROR, failure);
        }
        span.end();
    }
}

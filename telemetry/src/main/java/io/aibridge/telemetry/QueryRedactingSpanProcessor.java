package io.aibridge.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/**
 * Masks query values on every span as it starts: Quarkus' automatic HTTP spans record the request's
 * query ({@code url.query} on the server span, the query inside {@code url.full} on client spans),
 * and callers or gateways sometimes put keys there ({@code ?key=…}). The server span stays, because
 * it is the one that joins the caller's {@code traceparent} and parents our own spans; only the
 * values go ({@code key=***}), the parameter names are kept for debugging.
 *
 * <p>The HTTP instrumentation extracts these attributes when it starts the span, so overwriting
 * them in {@link #onStart} is enough: the exported span never holds the original value. Quarkus
 * registers every {@code SpanProcessor} bean with the SDK.
 */
@ApplicationScoped
public class QueryRedactingSpanProcessor implements SpanProcessor {

    /** Attributes that hold a query alone. */
    static final List<AttributeKey<String>> QUERIES = List.of(AttributeKey.stringKey("url.query"));

    /** Attributes that hold a URL or a path that may end in a query (the last three are older semantic conventions). */
    static final List<AttributeKey<String>> URLS = List.of(AttributeKey.stringKey("url.full"),
            AttributeKey.stringKey("http.target"), AttributeKey.stringKey("http.url"), AttributeKey.stringKey("url.path"));

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {
        for (AttributeKey<String> key : QUERIES) {
            String value = span.getAttribute(key);
            if (value != null) {
                span.setAttribute(key, UrlRedaction.maskQuery(value));
            }
        }
        for (AttributeKey<String> key : URLS) {
            String value = span.getAttribute(key);
            if (value != null && (value.indexOf('?') >= 0 || value.indexOf('#') >= 0)) {
                span.setAttribute(key, UrlRedaction.maskUrl(value));
            }
        }
    }

    @Override
    public boolean isStartRequired() {
        return true;
    }

    @Override
    public void onEnd(ReadableSpan span) {
    }

    @Override
    public boolean isEndRequired() {
        return false;
    }
}

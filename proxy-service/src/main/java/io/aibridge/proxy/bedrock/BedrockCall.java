package io.aibridge.proxy.bedrock;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.proxy.upstream.UpstreamClient;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;

import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The calls of one interception to Claude on AWS Bedrock: the Bedrock model it goes to, its URL
 * ({@code invoke} or {@code invoke-with-response-stream}), the beta flags Bedrock takes for that
 * model, and for each call (the relay's, or each round of an injected-tool loop) the body Bedrock
 * takes and a request signed at the moment it is opened, retries included.
 */
public final class BedrockCall {

    private final BedrockSettings settings;
    private final String model;
    private final String url;
    private final boolean streaming;
    private final List<String> betas;

    private BedrockCall(BedrockSettings settings, String model, boolean streaming, List<String> betas) {
        this.settings = settings;
        this.model = model;
        this.url = settings.url(model, streaming);
        this.streaming = streaming;
        this.betas = betas;
    }

    /**
     * @param requestedModel  the request's {@code model}
     * @param betaHeaderValues the request's {@code Anthropic-Beta} header values
     */
    public static BedrockCall of(BedrockSettings settings, String requestedModel, List<String> betaHeaderValues, boolean streaming) {
        String model = settings.modelFor(requestedModel);
        return new BedrockCall(settings, model, streaming, BedrockRequest.betas(betaHeaderValues, model));
    }

    /** The Bedrock model id called, which is the model recorded. */
    public String model() {
        return model;
    }

    public String url() {
        return url;
    }

    /** A call's body, and its SHA-256 for the signatures of its attempts. */
    public record Payload(Buffer body, String sha256) {
    }

    /**
     * The body Bedrock takes for this (possibly edited) Anthropic request, hashed: one pass over
     * the request each, which for a large context is worth doing off the event loop.
     */
    public Payload payload(ObjectNode request) {
        byte[] body = BedrockRequest.body(request, betas, model);
        return new Payload(Buffer.buffer(body), SigV4.payloadHash(body));
    }

    /**
     * Makes the client's forwarded headers Bedrock's: Anthropic's version and beta headers go (both
     * travel in the body), the body is JSON, and the answer is JSON or AWS's event stream.
     */
    public void prepare(MultiMap headers) {
        headers.remove("anthropic-version");
        headers.remove("anthropic-beta");
        headers.set("Content-Type", "application/json");
        headers.set("Accept", streaming ? BedrockSettings.EVENT_STREAM : "application/json");
    }

    /**
     * Opens the call of {@code payload} with the {@link #prepare prepared} headers, signed with the
     * credentials current when it is opened; fails (the caller answers 502) when there are none.
     */
    public Supplier<Future<HttpClientRequest>> open(UpstreamClient upstream, MultiMap headers, Payload payload) {
        return () -> {
            MultiMap signed = MultiMap.caseInsensitiveMultiMap().addAll(headers);
            try {
                settings.signature("POST", url, payload.sha256()).forEach(signed::set);
            } catch (IllegalStateException e) {
                return Future.failedFuture(e);
            }
            return upstream.request(HttpMethod.POST, url, signed);
        };
    }

    /** True for an answer in AWS's event stream (a streamed Bedrock answer). */
    public static boolean isEventStream(HttpClientResponse response) {
        String type = response.getHeader("Content-Type");
        return type != null && type.toLowerCase(Locale.ROOT).startsWith(BedrockSettings.EVENT_STREAM);
    }
}

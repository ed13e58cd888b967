package io.aibridge.proxy.interception;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.proxy.sse.SseDecoder;

/**
 * Reads a copy of one provider response (SSE events, or a whole blocking body) and records what it
 * sees through the {@link Recording}. Each provider API has one. The relay gives it each chunk
 * right after writing that chunk to the client (a stream the observer rewrites: before, as the
 * frames it returns are what is written), in the same event-loop step: a response's tool usages are
 * queued for Kafka within microseconds of its terminal frame, before the client can send its next
 * request.
 */
public abstract class ResponseObserver implements SseDecoder.Listener {

    protected final Recording recording;
    protected String responseId = "";
    protected boolean terminalSeen;
    protected String streamErrorType;
    protected String streamErrorMessage;

    protected ResponseObserver(Recording recording) {
        this.recording = recording;
    }

    /** Records a complete blocking body. */
    public abstract void onBody(JsonNode body);

    /** The stream is over, whatever the reason: record what is still pending (e.g. the last usage seen). */
    public abstract void onStreamEnd();

    /** The frame that ends a client stream whose upstream broke, in this API's error format. */
    public abstract byte[] brokenStreamFrame(String message);

    /**
     * The frame sent to keep a quiet stream alive, or null when this API gets none: OpenAI's
     * streams get no keep-alive payload, as in the reference.
     */
    public byte[] keepAliveFrame() {
        return null;
    }

    /** The stream's terminal event ({@code message_stop}, {@code [DONE]}, {@code response.completed}...) was seen. */
    public boolean terminalSeen() {
        return terminalSeen;
    }

    /** The provider reported an error inside the stream. */
    public boolean streamFailed() {
        return streamErrorType != null;
    }

    public String streamErrorType() {
        return streamErrorType;
    }

    public String streamErrorMessage() {
        return streamErrorMessage;
    }

    /** Rewrites of the stream: none by default (frames are relayed as they are). */
    public boolean rewritesStream() {
        return false;
    }

    /** The model the provider says answered (for the upstream span). */
    protected void responseModel(String model) {
        recording.trace().responseModel(model);
    }

    /** Why the provider stopped (for the upstream span). */
    protected void finishReason(String reason) {
        recording.trace().finishReason(reason);
    }

    protected static String text(JsonNode node, String field) {
        JsonNode n = node == null ? null : node.get(field);
        return n != null && n.isTextual() ? n.asText() : null;
    }
}

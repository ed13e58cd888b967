package io.aibridge.proxy.injection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.proxy.interception.ResponseObserver;
import io.aibridge.proxy.interception.TextBudget;
import io.aibridge.proxy.sse.SseDecoder;
import io.aibridge.proxy.sse.SseEvent;

import java.util.ArrayList;
import java.util.List;

/**
 * One upstream call of a tool loop, for one provider API. As a stream listener it first hands each
 * event to the recording observer, then decides what the client sees (the frame as is, rewritten,
 * or nothing); on a blocking body it does the same once. It collects the model's injected calls
 * (which the client never sees) and notes whether the model also called the client's own tools.
 */
abstract class Round implements SseDecoder.Listener {

    protected final LoopState loop;
    protected final ResponseObserver observer;
    protected final List<ToolCall> injectedCalls = new ArrayList<>();
    /**
     * Injected calls the stream began but never completed before its end (Anthropic: a {@code tool_use}
     * block without {@code content_block_stop} before {@code message_stop}; Chat: a choice without
     * {@code finish_reason} before {@code [DONE]} or the end of the body; Responses: a
     * {@code function_call} item added but never done before the response ended): their input may be
     * cut, so they are not run, only recorded as not run, with the input as far as it was kept.
     */
    protected final List<ToolCall> unfinishedCalls = new ArrayList<>();
    protected boolean clientCalls;
    protected boolean terminal;
    protected String responseId = "";
    /**
     * The text a streamed round holds to run its injected calls and build the follow-up request (the
     * calls' arguments, the assistant's text): bounded, as an upstream may stream any amount of it.
     */
    private final TextBudget held;
    private boolean overflowed;

    Round(LoopState loop, ResponseObserver observer) {
        this.loop = loop;
        this.observer = observer;
        this.held = new TextBudget(loop.maxHeldChars);
    }

    /**
     * Appends streamed text the round needs whole (a call's arguments, the assistant's text) while the
     * round's budget ({@link LoopState#maxHeldChars}) lasts. Past it nothing more is held, not even a
     * later small piece, so that what is held of each text is its start: the round has
     * {@link #overflowed()}, and cannot loop.
     */
    protected final void hold(StringBuilder into, String text) {
        if (text != null && !text.isEmpty() && charge(text.length())) {
            into.append(text);
        }
    }

    /**
     * Charges {@code chars} the round is about to hold that is not streamed text (a block as it starts,
     * a citation, a signature, a call's id or name) to the same budget as {@link #hold}: true if they
     * fit, and then the caller keeps them; else the round has {@link #overflowed()}, and the caller
     * keeps nothing.
     */
    protected final boolean charge(long chars) {
        if (overflowed) {
            return false;
        }
        if (held.take(chars)) {
            return true;
        }
        overflowed = true;
        return false;
    }

    /** The round streamed more text than it may hold: its injected calls cannot be run, nor its follow-up built. */
    boolean overflowed() {
        return overflowed;
    }

    @Override
    public final byte[] onEvent(SseEvent event) {
        observer.onEvent(event);
        return shape(event);
    }

    /** The client's version of a frame: null unchanged, {@link SseDecoder#DROP}, or replacement bytes. */
    protected abstract byte[] shape(SseEvent event);

    /** Streams relayed as they arrive (Anthropic, Chat); false when the round is buffered (Responses). */
    boolean live() {
        return true;
    }

    /**
     * The bytes to send once the round's stream ended and the loop ends with it. Live rounds have sent
     * everything already; a buffered round returns its stream, rewritten where needed.
     */
    byte[] finishStream(byte[] buffered) {
        return new byte[0];
    }

    /**
     * The round stopped before its terminal event (a cut or broken stream, or the client gone): the
     * injected calls it began and did not complete become {@link #unfinishedCalls}, so that they are
     * recorded as not run. Rounds that know of none keep this empty.
     */
    void cut() {
    }

    /** Reads a blocking body (before the observer's recording has been done by the caller). */
    abstract void inspect(JsonNode body);

    /** The body the client gets when the loop ends with this round; null to send the provider's bytes unchanged. */
    abstract byte[] finalBody(JsonNode body);

    /** Appends this round's assistant turn and the tool results to the next request. */
    abstract void appendFollowUp(ObjectNode request, JsonNode blockingBody, List<ToolResult> results);

    /** The loop goes on: the model called injected tools only, and it may still call tools. */
    boolean loops() {
        return !injectedCalls.isEmpty() && !clientCalls && !loop.finalRound;
    }

    /** The stream's terminal event was seen ({@code message_stop}, {@code [DONE]}, {@code response.completed}...). */
    boolean terminal() {
        return terminal;
    }

    List<ToolCall> injectedCalls() {
        return injectedCalls;
    }

    List<ToolCall> unfinishedCalls() {
        return unfinishedCalls;
    }

    boolean clientCalls() {
        return clientCalls;
    }

    String responseId() {
        return responseId;
    }
}

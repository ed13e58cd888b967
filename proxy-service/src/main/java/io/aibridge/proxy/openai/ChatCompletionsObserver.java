package io.aibridge.proxy.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.proxy.interception.Json;
import io.aibridge.proxy.interception.Recording;
import io.aibridge.proxy.interception.ResponseObserver;
import io.aibridge.proxy.interception.StreamedText;
import io.aibridge.proxy.interception.TextBudget;
import io.aibridge.proxy.route.ProviderErrors;
import io.aibridge.proxy.sse.SseDecoder;
import io.aibridge.proxy.sse.SseEvent;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * OpenAI Chat Completions. Stream: {@code data:} chunks, tool calls as
 * {@code choices[].delta.tool_calls[]} fragments keyed by {@code index} (id and name in the first
 * fragment, arguments appended), {@code finish_reason} on a choice's last chunk, then, because the
 * proxy always asks for {@code stream_options.include_usage}, a usage-only chunk with empty
 * {@code choices}, then {@code data: [DONE]}. Every tool call of every choice is recorded, within the bounds below.
 *
 * <p>Some OpenAI-compatible servers send a running usage on every chunk (vLLM's
 * {@code continuous_usage_stats}, some gateways): the last usage seen is the response's, so it is
 * recorded once, when the stream ends. Tool calls are recorded at their choice's
 * {@code finish_reason}, or at {@code [DONE]}. Azure-backed servers (GitHub Copilot's API) open
 * with a chunk whose {@code id} is empty (it carries {@code prompt_filter_results}): the stream's
 * id is its first non-empty chunk id, and the prompt is recorded once that id is known.
 *
 * <p>When the client did not ask for usage itself, the stream is rewritten so that it sees exactly
 * what it would have seen without the option: the usage-only chunk is dropped and the
 * {@code "usage":null} member the option adds to every other chunk is removed.
 *
 * <p>The choices and tool calls are numbered by the upstream ({@code index}), which this proxy does
 * not control (any OpenAI-compatible server may be configured): at most {@link #MAX_CHOICES} choices
 * and {@link ChatToolCallIndex#MAX_CALLS_PER_CHOICE} calls per choice are assembled and recorded.
 * Fragments past either are relayed like any other but not recorded, and the interception logs once
 * that it left calls out ({@link Recording#notRecorded}).
 *
 * <p>Those bounds alone would let one stream hold 128 × 1,024 open calls of up to the events' text
 * limit each (half a tebi-character at the default). The text of the open calls (ids, names,
 * arguments) is therefore held within one {@link TextBudget} per stream, twice the text limit and
 * at least 1 Mi characters ({@link TextBudget#streamChars}), and goes back to it as each choice's
 * calls are recorded: arguments past it keep their start and are recorded flagged {@code truncated};
 * a call whose id or name no longer fits is not recorded; either way the interception logs that not
 * everything is recorded. The relayed bytes are never touched by this.
 */
public final class ChatCompletionsObserver extends ResponseObserver {

    private static final byte[] USAGE_NULL = ",\"usage\":null".getBytes(StandardCharsets.UTF_8);
    /**
     * The members a chunk's recording reads beyond the stream's id and model: once the id is known, a
     * chunk with none of them (non-null) is skipped. A running usage makes every chunk parsed.
     */
    private static final Set<String> RECORDED_MEMBERS = Set.of("tool_calls", "finish_reason", "usage", "error");

    /**
     * Choices of one response whose tool calls are recorded. OpenAI allows {@code n} up to 128, so
     * no answer to a request it would accept has more; a server that numbers more is not followed.
     */
    static final int MAX_CHOICES = 128;

    private final boolean hideUsage;
    /** What the open calls' ids, names and arguments may hold together. */
    private final TextBudget budget;
    /** choice index → its calls; at most {@link #MAX_CHOICES} entries, kept for the whole stream. */
    private final Map<Integer, ChoiceCalls> calls = new TreeMap<>();
    /** The last usage a chunk carried: recorded when the stream ends. */
    private JsonNode lastUsage;
    private boolean usageRecorded;
    /** A chunk with a non-empty id was seen: {@link #responseId} is the stream's, and the prompt is recorded. */
    private boolean idKnown;
    private boolean chunkSeen;

    /** One choice's tool calls. */
    private static final class ChoiceCalls {
        /** tool index → call being assembled, until the choice's {@code finish_reason}. */
        final TreeMap<Integer, ToolCall> open = new TreeMap<>();
        /** Calls started in this choice, recorded or still open; none past {@link ChatToolCallIndex#MAX_CALLS_PER_CHOICE}. */
        int started;
        /** The highest call index seen, a dropped call's included (for fragments without an index); null before the first. */
        Integer lastIndex;
    }

    private static final class ToolCall {
        String id;
        String name;
        /** A custom tool ({@code type: "custom"}): its input is free text, recorded as it came. */
        boolean custom;
        /**
         * The function's arguments, or the custom tool's input, as streamed (its start only, past the
         * events' text limit or the stream's budget).
         */
        final StreamedText input;

        ToolCall(int maxChars, TextBudget budget) {
            input = new StreamedText(maxChars, budget);
        }

        /** The characters this call holds of the budget. */
        long held() {
            return (id == null ? 0 : id.length()) + (name == null ? 0 : name.length()) + input.keptLength();
        }
    }

    /** Stands for a call left out because its id or name did not fit the budget: its later fragments are not recorded either. */
    private static final ToolCall DROPPED = new ToolCall(0, null);

    /** @param hideUsage the client did not ask for usage: strip what the forced option adds */
    public ChatCompletionsObserver(Recording recording, boolean hideUsage) {
        this(recording, hideUsage, TextBudget.streamChars(recording.maxTextChars()));
    }

    /** @param budgetChars the most characters of recorded text the open calls hold at once */
    ChatCompletionsObserver(Recording recording, boolean hideUsage, long budgetChars) {
        super(recording);
        this.hideUsage = hideUsage;
        this.budget = new TextBudget(budgetChars);
    }

    @Override
    public boolean rewritesStream() {
        return hideUsage;
    }

    @Override
    public byte[] onEvent(SseEvent event) {
        if (!event.hasData()) {
            return null;
        }
        if (event.dataEquals("[DONE]")) {
            flushAllCalls();
            finishStream();
            terminalSeen = true;
            return null;
        }
        if (idKnown && !Json.hasNonNullMember(event, RECORDED_MEMBERS)) {
            // a text delta, the bulk of a stream: nothing in it is recorded (an absent or null usage included)
            return hideUsage ? withoutUsageNull(event) : null;
        }
        JsonNode chunk = Json.parse(event);
        if (chunk == null || !chunk.isObject()) {
            return null;
        }
        JsonNode error = chunk.get("error");
        if (error != null && error.isObject()) {
            streamErrorType = text(error, "type") != null ? text(error, "type") : "error";
            streamErrorMessage = text(error, "message");
            return null;
        }
        chunkSeen = true;
        if (!idKnown) {
            String id = text(chunk, "id");
            if (id != null && !id.isEmpty()) {
                idKnown = true;
                responseId = id;
                responseModel(text(chunk, "model"));
                recording.prompt(responseId);
            }
        }
        JsonNode choices = chunk.get("choices");
        if (choices != null && choices.isArray()) {
            for (JsonNode choice : choices) {
                observeChoice(choice);
            }
        }
        JsonNode usage = chunk.get("usage");
        boolean usageOnly = usage != null && usage.isObject() && choices != null && choices.isEmpty();
        if (usage != null && usage.isObject()) {
            lastUsage = usage;
        }
        if (!hideUsage) {
            return null;
        }
        if (usageOnly) {
            return SseDecoder.DROP;
        }
        return usage != null && usage.isNull() ? withoutUsageNull(event) : null;
    }

    private void observeChoice(JsonNode choice) {
        int choiceIndex = choice.path("index").asInt(0);
        JsonNode toolCalls = choice.path("delta").get("tool_calls");
        if (toolCalls != null && toolCalls.isArray() && !toolCalls.isEmpty()) {
            ChoiceCalls choiceCalls = calls.get(choiceIndex);
            if (choiceCalls == null && calls.size() >= MAX_CHOICES) {
                recording.notRecorded("the response has more than " + MAX_CHOICES + " choices; the tool calls of the others are not recorded");
            } else {
                if (choiceCalls == null) {
                    choiceCalls = new ChoiceCalls();
                    calls.put(choiceIndex, choiceCalls);
                }
                for (JsonNode fragment : toolCalls) {
                    observeFragment(choiceCalls, fragment);
                }
            }
        }
        JsonNode finish = choice.get("finish_reason");
        if (finish != null && !finish.isNull()) {
            finishReason(finish.asText());
            flushCalls(choiceIndex);
        }
    }

    private void observeFragment(ChoiceCalls choiceCalls, JsonNode fragment) {
        int index = ChatToolCallIndex.of(fragment, choiceCalls.lastIndex);
        choiceCalls.lastIndex = choiceCalls.lastIndex == null ? index : Math.max(choiceCalls.lastIndex, index);
        ToolCall call = choiceCalls.open.get(index);
        if (call == null) {
            if (choiceCalls.started >= ChatToolCallIndex.MAX_CALLS_PER_CHOICE) {
                recording.notRecorded("a choice has more than " + ChatToolCallIndex.MAX_CALLS_PER_CHOICE
                        + " tool calls; the calls past them are not recorded");
                return;
            }
            choiceCalls.started++;
            call = new ToolCall(recording.maxTextChars(), budget);
            choiceCalls.open.put(index, call);
        }
        if (call == DROPPED) {
            return;
        }
        String id = text(fragment, "id");
        if (id != null && !id.isEmpty()) {
            if (!hold(call.id, id)) {
                drop(choiceCalls, index, call);
                return;
            }
            call.id = id;
        }
        JsonNode function = fragment.get("function");
        JsonNode custom = fragment.get("custom");
        if (custom != null && custom.isObject() || "custom".equals(text(fragment, "type"))) {
            call.custom = true;
        }
        String name = call.custom ? text(custom, "name") : text(function, "name");
        if (name != null && !name.isEmpty()) {
            if (!hold(call.name, name)) {
                drop(choiceCalls, index, call);
                return;
            }
            call.name = name;
        }
        String input = call.custom ? text(custom, "input") : text(function, "arguments");
        if (input != null) {
            call.input.append(input);
            if (call.input.overBudget()) {
                overBudget();
            }
        }
    }

    /** Takes from the budget what replacing {@code old} with {@code value} adds; false when it does not fit. */
    private boolean hold(String old, String value) {
        long more = value.length() - (old == null ? 0L : old.length());
        if (more <= 0) {
            budget.release(-more);
            return true;
        }
        return budget.take(more);
    }

    private void drop(ChoiceCalls choiceCalls, int index, ToolCall call) {
        budget.release(call.held());
        choiceCalls.open.put(index, DROPPED);
        overBudget();
    }

    private void overBudget() {
        recording.notRecorded("the response's tool calls outgrew the " + budget.limit()
                + " characters of tool calls a stream holds at once; the text past it is not recorded");
    }

    /** The characters of recorded text the open calls hold now (for tests: what the budget bounds). */
    long heldChars() {
        long held = 0;
        for (ChoiceCalls choiceCalls : calls.values()) {
            for (ToolCall call : choiceCalls.open.values()) {
                held += call.held();
            }
        }
        return held;
    }

    /** The most characters of recorded text the open calls may hold at once. */
    long budgetChars() {
        return budget.limit();
    }

    private void flushCalls(int choiceIndex) {
        ChoiceCalls choiceCalls = calls.get(choiceIndex);
        if (choiceCalls == null) {
            return;
        }
        for (ToolCall call : choiceCalls.open.values()) {
            if (call == DROPPED) {
                continue;
            }
            budget.release(call.held());
            String input = call.input.text();
            // a cut input is no JSON any more: recorded as it came, flagged truncated
            boolean cut = call.input.truncated();
            recording.tool(responseId, call.id, call.name, call.custom || cut ? input : Json.normalize(input),
                    cut ? call.input.length() : -1);
        }
        // the choice stays counted: a server that goes on after finish_reason gets no fresh allowance
        choiceCalls.open.clear();
        choiceCalls.lastIndex = null;
    }

    private void flushAllCalls() {
        for (Integer choice : calls.keySet()) {
            flushCalls(choice);
        }
    }

    /**
     * The stream is over ({@code [DONE]}, or cut): the prompt if no chunk had an id, and the last
     * usage seen, once.
     */
    private void finishStream() {
        if (!idKnown && chunkSeen) {
            idKnown = true;
            recording.prompt(responseId);
        }
        if (lastUsage != null && !usageRecorded) {
            usageRecorded = true;
            record(lastUsage);
        }
    }

    private void record(JsonNode usage) {
        JsonNode prompt = usage.get("prompt_tokens_details");
        JsonNode completion = usage.get("completion_tokens_details");
        long cached = Json.count(prompt, "cached_tokens");
        Map<String, Long> extra = new LinkedHashMap<>();
        extra.put("prompt_audio", Json.count(prompt, "audio_tokens"));
        extra.put("prompt_cached", cached);
        extra.put("completion_accepted_prediction", Json.count(completion, "accepted_prediction_tokens"));
        extra.put("completion_rejected_prediction", Json.count(completion, "rejected_prediction_tokens"));
        extra.put("completion_audio", Json.count(completion, "audio_tokens"));
        long reasoning = Json.reported(completion, "reasoning_tokens");
        extra.put("completion_reasoning", Math.max(0, reasoning));
        recording.tokens(responseId, Json.count(usage, "prompt_tokens") - cached, Json.count(usage, "completion_tokens"),
                cached, 0, reasoning, extra);
    }

    /** The frame without the {@code ,"usage":null} member (OpenAI writes compact JSON). */
    private static byte[] withoutUsageNull(SseEvent event) {
        byte[] data = event.data();
        int length = event.dataLength();
        int at = lastIndexOf(data, length, USAGE_NULL);
        if (at < 0 || indexOfNewline(data, length) >= 0) {
            return null;
        }
        byte[] out = new byte[6 + length - USAGE_NULL.length + 2];
        int p = 0;
        for (byte b : "data: ".getBytes(StandardCharsets.US_ASCII)) {
            out[p++] = b;
        }
        System.arraycopy(data, 0, out, p, at);
        p += at;
        System.arraycopy(data, at + USAGE_NULL.length, out, p, length - at - USAGE_NULL.length);
        p += length - at - USAGE_NULL.length;
        out[p++] = '\n';
        out[p] = '\n';
        return out;
    }

    private static int indexOfNewline(byte[] data, int length) {
        for (int i = 0; i < length; i++) {
            if (data[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static int lastIndexOf(byte[] data, int length, byte[] needle) {
        outer:
        for (int i = length - needle.length; i >= 0; i--) {
            for (int j = 0; j < needle.length; j++) {
                if (data[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public void onStreamEnd() {
        // a stream cut before finish_reason: the calls are incomplete and are not recorded; the usage is the last seen
        finishStream();
    }

    @Override
    public void onBody(JsonNode body) {
        if (body == null || !body.isObject()) {
            return;
        }
        responseId = text(body, "id") == null ? "" : text(body, "id");
        responseModel(text(body, "model"));
        recording.prompt(responseId);
        JsonNode choices = body.get("choices");
        if (choices != null && choices.isArray()) {
            for (JsonNode choice : choices) {
                finishReason(text(choice, "finish_reason"));
                JsonNode toolCalls = choice.path("message").get("tool_calls");
                if (toolCalls != null && toolCalls.isArray()) {
                    for (JsonNode call : toolCalls) {
                        JsonNode function = call.get("function");
                        String name = text(function, "name");
                        if (name == null) {
                            // custom tools carry their input as text
                            JsonNode custom = call.get("custom");
                            recording.tool(responseId, text(call, "id"), text(custom, "name"), text(custom, "input"));
                        } else {
                            recording.tool(responseId, text(call, "id"), name, Json.normalize(text(function, "arguments")));
                        }
                    }
                }
            }
        }
        JsonNode usage = body.get("usage");
        if (usage != null && usage.isObject()) {
            usageRecorded = true;
            record(usage);
        }
    }

    @Override
    public byte[] brokenStreamFrame(String message) {
        return ("data: {\"error\":{\"message\":\"" + ProviderErrors.escape(message)
                + "\",\"type\":\"server_error\",\"param\":null,\"code\":\"upstream_stream_broken\"}}\n\ndata: [DONE]\n\n")
                .getBytes(StandardCharsets.UTF_8);
    }

}

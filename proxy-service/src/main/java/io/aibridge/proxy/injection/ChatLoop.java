package io.aibridge.proxy.injection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.proxy.interception.Json;
import io.aibridge.proxy.interception.Recording;
import io.aibridge.proxy.interception.ResponseObserver;
import io.aibridge.proxy.mcp.InjectedTool;
import io.aibridge.proxy.mcp.ToolSet;
import io.aibridge.proxy.openai.ChatCompletionsObserver;
import io.aibridge.proxy.openai.ChatToolCallIndex;
import io.aibridge.proxy.sse.SseDecoder;
import io.aibridge.proxy.sse.SseEvent;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * OpenAI Chat Completions. Injected tools are <em>appended</em> (OpenAI caches prefixes by itself,
 * with no breakpoints, so a stable appended block is enough) as {@code function} tools with
 * {@code strict: false}, and {@code parallel_tool_calls} is set to false.
 *
 * <p>The client sees one completion: the chunks of every round except the fragments of injected
 * tool calls, the intermediate {@code finish_reason}s (their chunks too when nothing else is left
 * in them), usage chunks and {@code [DONE]}; chunks
 * of later rounds carry the first round's id, and the final usage (only for clients that asked for
 * usage) is summed over all rounds.
 *
 * <p>As in {@link ChatCompletionsObserver}: a round's usage is the last one its stream carries (some
 * servers send a running usage on every chunk, vLLM's {@code continuous_usage_stats}), added to the
 * loop's totals once, at {@code [DONE]}; injected calls are collected at {@code finish_reason}, never
 * while their arguments may still stream, and a choice that ends without one ({@code [DONE]} or the
 * end of the body) runs none of them: they are recorded as not run with the arguments that arrived,
 * and if the client saw no call of its own, it gets a {@code finish_reason: "stop"} chunk before
 * {@code [DONE]}, so that its turn ends as a turn without tools; the
 * first round's id is its first non-empty chunk id (GitHub Copilot's Azure upstream opens with an
 * id-less chunk); a streamed custom tool call ({@code custom.name}) is always the client's; fragments
 * without an {@code index} are assigned to calls by {@link ChatToolCallIndex}, and at most
 * {@link ChatToolCallIndex#MAX_CALLS_PER_CHOICE} calls of a round are followed: fragments of calls past
 * them reach the client as they came and end the loop with that round.
 */
final class ChatLoop extends LoopApi {

    private static final byte[] COMMENT = ": keep-alive\n\n".getBytes(StandardCharsets.UTF_8);

    @Override
    void inject(ObjectNode body, ToolSet tools, boolean streaming) {
        ArrayNode all = array(body, "tools");
        for (InjectedTool tool : tools.tools()) {
            all.add(tool.chat());
        }
        body.put("parallel_tool_calls", false);
        if (streaming) {
            // every round's usage is needed to record it; clients that did not ask never see it
            JsonNode options = body.get("stream_options");
            (options instanceof ObjectNode o ? o : body.putObject("stream_options")).put("include_usage", true);
        }
    }

    @Override
    void forbidTools(ObjectNode body) {
        body.put("tool_choice", "none");
    }

    @Override
    ResponseObserver observer(Recording recording) {
        return new ChatCompletionsObserver(recording, false);
    }

    @Override
    Round newRound(LoopState loop, ResponseObserver observer) {
        return new ChatRound(loop, observer);
    }

    @Override
    byte[] keepAlive() {
        return COMMENT; // an SSE comment: every client's parser skips it
    }

    private static final class ChatRound extends Round {

        private static final class Call {
            String id;
            String name;
            /** A custom tool ({@code type: "custom"}): never an injected one, which are functions. */
            boolean custom;
            final StringBuilder arguments = new StringBuilder();
        }

        /**
         * Upstream tool-call index → call (choice 0; injection is off for n > 1); at most
         * {@link ChatToolCallIndex#MAX_CALLS_PER_CHOICE}: fragments of calls past them reach the
         * client as they came and end the loop (the recording observer leaves them out).
         */
        private final TreeMap<Integer, Call> calls = new TreeMap<>();
        /** The highest call index seen, a call past the bound included; null before the first. */
        private Integer lastIndex;
        private final Set<Integer> hidden = new HashSet<>();
        private final Map<Integer, Integer> clientIndex = new HashMap<>();
        private final StringBuilder content = new StringBuilder();
        private boolean anyContent;
        private boolean finished;
        /** The last usage the round's stream carried: its own, added to the loop's totals at {@code [DONE]}. */
        private JsonNode roundUsage;
        /** The round's {@code created}, {@code model} and {@code system_fingerprint}, for a finishing chunk the proxy adds. */
        private final ObjectNode chunkFields = Json.MAPPER.createObjectNode();

        ChatRound(LoopState loop, ResponseObserver observer) {
            super(loop, observer);
        }

        @Override
        protected byte[] shape(SseEvent event) {
            if (!event.hasData()) {
                return null;
            }
            if (event.dataEquals("[DONE]")) {
                terminal = true;
                loop.totals.add(roundUsage);
                if (!finished && unfinished() && !clientCalls && !observer.streamFailed()) {
                    // the client saw nothing that ends its turn (the finish_reason would have been the hidden calls'): it ends here;
                    // after an error chunk the error is the stream's end
                    return stopThenDone();
                }
                return loops() ? SseDecoder.DROP : null;
            }
            if (!(Json.parse(event) instanceof ObjectNode chunk) || chunk.has("error")) {
                return null;
            }
            String chunkId = text(chunk, "id");
            if (responseId.isEmpty() && chunkId != null && !chunkId.isEmpty()) {
                responseId = chunkId;
                for (String field : List.of("created", "model", "system_fingerprint")) {
                    JsonNode value = chunk.get(field);
                    if (value != null && !value.isNull()) {
                        chunkFields.set(field, value);
                    }
                }
                if (loop.firstId == null) {
                    loop.firstId = chunkId;
                }
            }
            JsonNode usage = chunk.get("usage");
            if (usage instanceof ObjectNode) {
                roundUsage = usage; // read before any return: the finish_reason chunk may carry the round's usage
            }
            boolean changed = false;
            boolean meaningful = false;
            boolean removedHidden = false;
            boolean removedFinish = false;
            JsonNode choices = chunk.get("choices");
            if (choices != null && choices.isArray()) {
                for (JsonNode choice : choices) {
                    if (!(choice.get("delta") instanceof ObjectNode delta)) {
                        continue;
                    }
                    String text = text(delta, "content");
                    if (text != null && !text.isEmpty()) {
                        hold(content, text);
                        anyContent = true;
                        meaningful = true;
                    }
                    if (delta.get("tool_calls") instanceof ArrayNode fragments) {
                        for (Iterator<JsonNode> it = fragments.iterator(); it.hasNext(); ) {
                            if (!(it.next() instanceof ObjectNode fragment)) {
                                meaningful = true; // no call this proxy can read: the client's to make sense of
                                continue;
                            }
                            int index = ChatToolCallIndex.of(fragment, lastIndex);
                            lastIndex = lastIndex == null ? index : Math.max(lastIndex, index);
                            Call call = calls.get(index);
                            if (call == null && calls.size() >= ChatToolCallIndex.MAX_CALLS_PER_CHOICE) {
                                // past the bound: relayed as it came, and, as the client has seen a call, the loop ends here
                                clientCalls = true;
                                meaningful = true;
                                continue;
                            }
                            if (call == null) {
                                call = new Call();
                                calls.put(index, call);
                            }
                            String id = text(fragment, "id");
                            if (id != null && !id.isEmpty() && !id.equals(call.id) && charge(id.length())) {
                                call.id = id; // each id a call is given is charged: an upstream may resend it
                            }
                            JsonNode function = fragment.get("function");
                            if (function == null && (fragment.get("custom") instanceof ObjectNode || "custom".equals(text(fragment, "type")))) {
                                call.custom = true;
                            }
                            if (call.custom) {
                                function = fragment.get("custom");
                            }
                            String name = text(function, "name");
                            if (name != null && !name.isEmpty() && call.name == null) {
                                boolean injected = !call.custom && loop.tools.contains(name);
                                // an injected tool's name is the proxy's own; another is charged, and not kept past the budget
                                call.name = injected || charge(name.length()) ? name : "";
                                if (injected) {
                                    hidden.add(index);
                                } else {
                                    clientCalls = true;
                                    clientIndex.put(index, clientIndex.size());
                                }
                            }
                            String arguments = text(function, call.custom ? "input" : "arguments");
                            if (arguments != null) {
                                hold(call.arguments, arguments);
                            }
                            if (hidden.contains(index)) {
                                it.remove();
                                removedHidden = true;
                                changed = true;
                            } else {
                                meaningful = true;
                                Integer mapped = clientIndex.get(index);
                                if (mapped != null && mapped != index) {
                                    fragment.put("index", mapped);
                                    changed = true;
                                }
                            }
                        }
                        if (fragments.isEmpty()) {
                            delta.remove("tool_calls");
                        }
                    }
                    for (Iterator<String> names = delta.fieldNames(); names.hasNext(); ) {
                        String field = names.next();
                        if (!field.equals("role") && !field.equals("content") && !field.equals("tool_calls") && !delta.get(field).isNull()) {
                            meaningful = true; // refusal, reasoning and fields this proxy does not know
                        }
                    }
                    JsonNode finish = choice.get("finish_reason");
                    if (finish != null && !finish.isNull()) {
                        finished = true;
                        collectInjected();
                        if (loops()) {
                            // the client's completion goes on in the next round; the chunk's text (if any) is still the client's
                            ((ObjectNode) choice).putNull("finish_reason");
                            removedFinish = true;
                            changed = true;
                            continue;
                        }
                        meaningful = true;
                        if (!injectedCalls.isEmpty() && !clientCalls && "tool_calls".equals(finish.asText())) {
                            ((ObjectNode) choice).put("finish_reason", "stop");
                            changed = true;
                        }
                    }
                }
            }
            if (usage instanceof ObjectNode u) {
                boolean usageOnly = choices == null || choices.isEmpty();
                if (loops() || !loop.clientAskedUsage) {
                    if (usageOnly) {
                        return SseDecoder.DROP; // the usage-only chunk
                    }
                    chunk.remove("usage"); // a running usage: what is left may be nothing the client needs
                    changed = true;
                } else {
                    if (loop.round > 1) {
                        ObjectNode shown = u.deepCopy(); // roundUsage stays the provider's
                        loop.totals.addEarlierRounds(shown);
                        chunk.set("usage", shown);
                        changed = true;
                    }
                    meaningful = true;
                }
            } else if (usage != null && usage.isNull() && !loop.clientAskedUsage) {
                chunk.remove("usage"); // added by the include_usage the proxy forced
                changed = true;
            }
            if (!meaningful && (removedHidden || removedFinish || loop.round > 1)) {
                return SseDecoder.DROP; // a chunk that only carried an injected call or a looping round's finish_reason, or a later round's role chunk
            }
            if (loop.round > 1 && loop.firstId != null && !loop.firstId.equals(text(chunk, "id"))) {
                chunk.put("id", loop.firstId);
                changed = true;
            }
            return changed ? frame(null, chunk) : null;
        }

        /**
         * The choice ended ({@code [DONE]}, or the end of the body) without a {@code finish_reason}: its
         * injected calls' arguments may be cut, so none runs; each is {@link #unfinishedCalls unfinished},
         * with the arguments that arrived. True if there were any.
         */
        private boolean unfinished() {
            if (!unfinishedCalls.isEmpty()) {
                return true;
            }
            for (Map.Entry<Integer, Call> e : calls.entrySet()) {
                if (hidden.contains(e.getKey())) {
                    Call c = e.getValue();
                    unfinishedCalls.add(new ToolCall(c.id, c.name, c.arguments.toString()));
                }
            }
            return !unfinishedCalls.isEmpty();
        }

        @Override
        void cut() {
            if (!finished) {
                unfinished();
            }
        }

        /**
         * A chunk that finishes choice 0 with {@code stop}, then the {@code [DONE]} frame: clients (the
         * OpenAI SDKs' stream accumulators among them) read a choice's end from its {@code finish_reason}. It carries
         * the id the client knows (the first round's) and the round's {@code created} and {@code model}.
         * The provider's {@code [DONE]} is replaced by both.
         */
        private byte[] stopThenDone() {
            ObjectNode chunk = Json.MAPPER.createObjectNode();
            chunk.put("id", loop.firstId != null ? loop.firstId : responseId).put("object", "chat.completion.chunk");
            chunk.setAll(chunkFields);
            chunk.putArray("choices").addObject().put("index", 0).<ObjectNode>set("delta", chunk.objectNode()).put("finish_reason", "stop");
            if (loop.clientAskedUsage) {
                chunk.putNull("usage"); // as on every chunk but the usage-only one of a stream that asked for usage
            }
            byte[] stop = frame(null, chunk);
            byte[] doneFrame = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
            byte[] out = Arrays.copyOf(stop, stop.length + doneFrame.length);
            System.arraycopy(doneFrame, 0, out, stop.length, doneFrame.length);
            return out;
        }

        private void collectInjected() {
            if (!injectedCalls.isEmpty()) {
                return;
            }
            for (Map.Entry<Integer, Call> e : calls.entrySet()) {
                if (hidden.contains(e.getKey())) {
                    Call c = e.getValue();
                    injectedCalls.add(new ToolCall(c.id, c.name, c.arguments.toString()));
                }
            }
        }

        @Override
        void inspect(JsonNode body) {
            if (body == null || !body.isObject()) {
                return;
            }
            responseId = text(body, "id") == null ? "" : text(body, "id");
            for (JsonNode call : body.path("choices").path(0).path("message").path("tool_calls")) {
                String name = text(call.path("function"), "name");
                if (name != null && loop.tools.contains(name)) {
                    injectedCalls.add(new ToolCall(text(call, "id"), name, text(call.path("function"), "arguments")));
                } else {
                    clientCalls = true;
                }
            }
            loop.totals.add(body.get("usage"));
            terminal = true;
        }

        @Override
        byte[] finalBody(JsonNode body) {
            if (loop.round == 1 && injectedCalls.isEmpty()) {
                return null;
            }
            ObjectNode out = (ObjectNode) body.deepCopy();
            if (!injectedCalls.isEmpty() && out.path("choices").path(0) instanceof ObjectNode choice
                    && choice.path("message") instanceof ObjectNode message && message.get("tool_calls") instanceof ArrayNode toolCalls) {
                for (int i = toolCalls.size() - 1; i >= 0; i--) {
                    if (loop.tools.contains(text(toolCalls.get(i).path("function"), "name"))) {
                        toolCalls.remove(i);
                    }
                }
                if (toolCalls.isEmpty()) {
                    message.remove("tool_calls");
                    if ("tool_calls".equals(text(choice, "finish_reason"))) {
                        choice.put("finish_reason", "stop");
                    }
                }
            }
            if (out.get("usage") instanceof ObjectNode usage) {
                loop.totals.apply(usage);
            }
            return bytes(out);
        }

        @Override
        void appendFollowUp(ObjectNode request, JsonNode blockingBody, List<ToolResult> results) {
            ArrayNode messages = array(request, "messages");
            ObjectNode assistant = messages.addObject().put("role", "assistant");
            ArrayNode toolCalls = request.arrayNode();
            if (blockingBody != null) {
                JsonNode message = blockingBody.path("choices").path(0).path("message");
                JsonNode text = message.get("content");
                assistant.set("content", text == null ? assistant.nullNode() : text);
                message.path("tool_calls").forEach(toolCalls::add);
            } else {
                if (anyContent) {
                    assistant.put("content", content.toString());
                } else {
                    assistant.putNull("content");
                }
                for (Call c : calls.values()) {
                    ObjectNode call = toolCalls.addObject().put("id", c.id).put("type", "function");
                    call.putObject("function").put("name", c.name).put("arguments", c.arguments.toString());
                }
            }
            assistant.set("tool_calls", toolCalls);
            for (ToolResult r : results) {
                messages.addObject().put("role", "tool").put("tool_call_id", r.call().id()).put("content", ToolResultText.chat(r));
            }
        }
    }
}

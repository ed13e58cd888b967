package io.aibridge.proxy.injection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.proxy.anthropic.MessagesObserver;
import io.aibridge.proxy.interception.Json;
import io.aibridge.proxy.interception.Recording;
import io.aibridge.proxy.interception.ResponseObserver;
import io.aibridge.proxy.mcp.InjectedTool;
import io.aibridge.proxy.mcp.ToolSet;
import io.aibridge.proxy.sse.SseDecoder;
import io.aibridge.proxy.sse.SseEvent;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Anthropic Messages. Injected tools are <em>prepended</em>: clients put {@code cache_control}
 * breakpoints in their own tool list, and a stable block in front keeps those breakpoints and the
 * cached prefix valid. Parallel tool use is switched off through {@code tool_choice} (absent: auto;
 * {@code auto}, {@code any}, {@code tool}: {@code disable_parallel_tool_use: true}; {@code none}:
 * unchanged), so that an injected call never shares a turn with the client's.
 *
 * <p>The client sees one message: the first round's {@code message_start}, the content blocks of
 * every round except the injected {@code tool_use} blocks (renumbered so their indices run on),
 * and the last round's {@code message_delta} (with the usage summed over all rounds) and
 * {@code message_stop}.
 */
final class AnthropicLoop extends LoopApi {

    private static final Logger LOG = Logger.getLogger(AnthropicLoop.class);

    @Override
    void inject(ObjectNode body, ToolSet tools, boolean streaming) {
        ArrayNode all = body.arrayNode();
        for (InjectedTool tool : tools.tools()) {
            all.add(tool.anthropic());
        }
        JsonNode existing = body.get("tools");
        if (existing != null && existing.isArray()) {
            all.addAll((ArrayNode) existing);
        }
        body.set("tools", all);

        JsonNode choice = body.get("tool_choice");
        if (choice == null || choice.isNull()) {
            body.putObject("tool_choice").put("type", "auto").put("disable_parallel_tool_use", true);
        } else if (choice.isObject()) {
            String type = text(choice, "type");
            if (type == null || type.isEmpty()) {
                ((ObjectNode) choice).put("type", "auto").put("disable_parallel_tool_use", true);
            } else if (type.equals("auto") || type.equals("any") || type.equals("tool")) {
                ((ObjectNode) choice).put("disable_parallel_tool_use", true);
            } else if (!type.equals("none")) {
                LOG.warnf("unknown Anthropic tool_choice type %s: parallel tool use left as the client set it", forLog(type));
            }
        } else {
            LOG.warnf("Anthropic tool_choice is not an object: parallel tool use left as the client set it");
        }
    }

    @Override
    void forbidTools(ObjectNode body) {
        body.putObject("tool_choice").put("type", "none");
    }

    @Override
    ResponseObserver observer(Recording recording) {
        return new MessagesObserver(recording);
    }

    @Override
    Round newRound(LoopState loop, ResponseObserver observer) {
        return new MessagesRound(loop, observer);
    }

    @Override
    byte[] keepAlive() {
        return MessagesObserver.PING;
    }

    private static final class MessagesRound extends Round {

        /**
         * What a block costs the round's budget besides its JSON (its entries in the maps below), so
         * that a round of very many empty blocks also runs the budget out.
         */
        static final int BLOCK_CHARS = 64;
        /**
         * The most injected calls an overflowed round records (as not run) without holding them: each
         * is an id and the proxy's own tool name, so that a round of endless calls stays bounded.
         */
        static final int MAX_UNKEPT_CALLS = 1024;
        /** The longest id of a call not kept that is recorded as it came; a longer one is cut (Anthropic's are about 30). */
        static final int MAX_UNKEPT_ID_CHARS = 256;

        /** Upstream block index → the index the client sees, while the block is open. */
        private final Map<Integer, Integer> clientIndex = new HashMap<>();
        /** The open blocks that are injected tool calls. */
        private final Set<Integer> hidden = new HashSet<>();
        /** The round had an injected tool call. */
        private boolean anyHidden;
        /**
         * The assistant turn being assembled, for the follow-up request: each block as it started (its
         * initial text or input included) is charged to the round's budget; past it a block is not kept.
         */
        private final TreeMap<Integer, ObjectNode> blocks = new TreeMap<>();
        private final Map<Integer, StringBuilder> partialJson = new HashMap<>();
        /**
         * The text or thinking streamed into an open block so far, put into the block when it stops
         * (or when the follow-up is built): appending each delta to the block's JSON string copied the
         * whole text every time, quadratic in the answer's length.
         */
        private final Map<Integer, Streamed> streamedText = new HashMap<>();
        /**
         * The usage of the message being streamed, merged from {@code message_start} and every
         * {@code message_delta} (each delta is cumulative, and server tools can send several): added
         * to the loop's totals once, at {@code message_stop}.
         */
        private ObjectNode messageUsage;
        /** Injected calls not kept (the round overflowed), recorded or not: see {@link #unkept}. */
        private int unkeptCalls;
        private boolean strayLogged;

        MessagesRound(LoopState loop, ResponseObserver observer) {
            super(loop, observer);
        }

        @Override
        protected byte[] shape(SseEvent event) {
            String name = event.event();
            if (name == null) {
                return null;
            }
            switch (name) {
                case "message_start" -> {
                    JsonNode data = Json.parse(event);
                    JsonNode message = data == null ? null : data.get("message");
                    if (message != null) {
                        responseId = text(message, "id") == null ? "" : text(message, "id");
                        addMessageUsage(); // a second message in one stream: the first one's usage is final
                        messageUsage = Json.MAPPER.createObjectNode();
                        UsageTotals.mergeLast(messageUsage, message.get("usage"));
                    }
                    // the client sees one message: the first round's start only
                    return loop.round == 1 ? null : SseDecoder.DROP;
                }
                case "content_block_start" -> {
                    ObjectNode data = object(event);
                    if (data == null) {
                        return null;
                    }
                    int index = data.path("index").asInt();
                    JsonNode block = data.get("content_block");
                    boolean kept = charge(BLOCK_CHARS + (long) event.dataLength());
                    if (kept && block instanceof ObjectNode b) {
                        blocks.put(index, b.deepCopy());
                    }
                    if ("tool_use".equals(text(block, "type"))) {
                        if (loop.tools.contains(text(block, "name"))) {
                            hidden.add(index);
                            anyHidden = true;
                            if (!kept) {
                                unkept(block);
                            }
                            return SseDecoder.DROP;
                        }
                        clientCalls = true;
                    }
                    int mapped = loop.nextBlockIndex++;
                    clientIndex.put(index, mapped);
                    return reindexed(event, data, index, mapped);
                }
                case "content_block_delta" -> {
                    ObjectNode data = object(event);
                    if (data == null) {
                        return null;
                    }
                    int index = data.path("index").asInt();
                    Integer mapped = clientIndex.get(index);
                    if (mapped == null && !hidden.contains(index)) {
                        return stray(name, index);
                    }
                    accumulate(index, data.get("delta"), event.dataLength());
                    return mapped == null ? SseDecoder.DROP : reindexed(event, data, index, mapped);
                }
                case "content_block_stop" -> {
                    ObjectNode data = object(event);
                    if (data == null) {
                        return null;
                    }
                    int index = data.path("index").asInt();
                    if (!clientIndex.containsKey(index) && !hidden.contains(index)) {
                        return stray(name, index);
                    }
                    ObjectNode block = blocks.get(index);
                    completeText(index, block);
                    String json = completeInput(index, block);
                    // a stopped block takes no more deltas: what maps it goes, so that only open blocks are mapped
                    Integer mapped = clientIndex.remove(index);
                    if (hidden.remove(index)) {
                        if (block != null) {
                            injectedCalls.add(new ToolCall(text(block, "id"), text(block, "name"), json));
                        }
                        return SseDecoder.DROP;
                    }
                    return reindexed(event, data, index, mapped);
                }
                case "message_delta" -> {
                    ObjectNode data = object(event);
                    if (data == null) {
                        return null;
                    }
                    if (messageUsage == null) {
                        messageUsage = data.objectNode();
                    }
                    UsageTotals.mergeLast(messageUsage, data.get("usage"));
                    if (loops()) {
                        return SseDecoder.DROP;
                    }
                    boolean fixStop = anyHidden && !clientCalls && "tool_use".equals(text(data.path("delta"), "stop_reason"));
                    if (loop.round == 1 && !fixStop) {
                        return null;
                    }
                    if (fixStop) {
                        // the model's last tool calls were not run (round limit): to the client the turn simply ends
                        ((ObjectNode) data.get("delta")).put("stop_reason", "end_turn");
                    }
                    if (loop.round > 1) {
                        // the earlier rounds' usage (already in the totals) plus this message's so far
                        ObjectNode u = data.get("usage") instanceof ObjectNode existing ? existing : data.putObject("usage");
                        UsageTotals.mergeLast(u, messageUsage);
                        loop.totals.addMissing(u);
                        loop.totals.addEarlierRounds(u);
                    }
                    return frame(name, data);
                }
                case "message_stop" -> {
                    addMessageUsage();
                    unstoppedCalls();
                    terminal = true;
                    return loops() ? SseDecoder.DROP : null;
                }
                default -> {
                    return null; // ping, error and future event types pass as they are
                }
            }
        }

        /**
         * An injected call the overflowed round could not keep: it is not run, but the model made it,
         * so it is recorded as not run (by id and name; its input is not held), and the round must not
         * end as if there were none. Past {@link #MAX_UNKEPT_CALLS} a call is hidden but not recorded.
         */
        private void unkept(JsonNode block) {
            if (unkeptCalls++ >= MAX_UNKEPT_CALLS) {
                if (unkeptCalls == MAX_UNKEPT_CALLS + 1) {
                    LOG.warnf("an Anthropic round called injected tools more than %d times past its held limit: the later calls are not recorded",
                            MAX_UNKEPT_CALLS);
                }
                return;
            }
            String id = text(block, "id");
            if (id != null && id.length() > MAX_UNKEPT_ID_CHARS) {
                id = id.substring(0, MAX_UNKEPT_ID_CHARS);
            }
            injectedCalls.add(new ToolCall(id, text(block, "name"), "{}"));
        }

        /**
         * The injected calls whose blocks the message ended without stopping (a malformed or cut stream):
         * as their input may be cut, they are not run but {@link #unfinishedCalls unfinished}, with the
         * input kept so far; and they leave the follow-up, where a {@code tool_use} without its result
         * would be refused. A call not kept (the round overflowed) was recorded as it started.
         */
        private void unstoppedCalls() {
            for (int index : hidden.stream().sorted().toList()) {
                ObjectNode block = blocks.remove(index);
                if (block != null) {
                    unfinishedCalls.add(new ToolCall(text(block, "id"), text(block, "name"), completeInput(index, block)));
                }
            }
            hidden.clear();
        }

        /** A cut stream (no {@code message_stop}): the injected blocks still open are unfinished, as at a {@code message_stop}. */
        @Override
        void cut() {
            unstoppedCalls();
        }

        /**
         * A delta or stop for a block that is not open (stopped already, or never started): a malformed
         * stream. It is dropped: under its upstream index it could collide with another block the client
         * saw, or belong to a hidden injected call; the block kept for the follow-up is not touched.
         * Logged once per round.
         */
        private byte[] stray(String event, int index) {
            if (!strayLogged) {
                strayLogged = true;
                LOG.warnf("Anthropic %s for block %d, which is not open: dropped (logged once per round)", event, index);
            }
            return SseDecoder.DROP;
        }

        private void addMessageUsage() {
            if (messageUsage != null) {
                loop.totals.add(messageUsage);
                messageUsage = null;
            }
        }

        private static ObjectNode object(SseEvent event) {
            return Json.parse(event) instanceof ObjectNode o ? o : null;
        }

        private static byte[] reindexed(SseEvent event, ObjectNode data, int index, int mapped) {
            if (index == mapped) {
                return null;
            }
            data.put("index", mapped);
            return frame(event.event(), data);
        }

        /** @param chars the delta event's length, charged for what it adds that is not streamed text */
        private void accumulate(int index, JsonNode delta, int chars) {
            ObjectNode block = blocks.get(index);
            if (block == null || delta == null) {
                return;
            }
            switch (String.valueOf(text(delta, "type"))) {
                case "text_delta" -> append(index, block, "text", text(delta, "text"));
                case "input_json_delta" -> hold(partialJson.computeIfAbsent(index, k -> new StringBuilder()), text(delta, "partial_json"));
                case "thinking_delta" -> append(index, block, "thinking", text(delta, "thinking"));
                case "signature_delta" -> {
                    if (charge(chars)) {
                        block.put("signature", text(delta, "signature"));
                    }
                }
                case "citations_delta" -> {
                    if (delta.has("citation") && charge(BLOCK_CHARS + (long) chars)) {
                        array(block, "citations").add(delta.get("citation"));
                    }
                }
                default -> {
                }
            }
        }

        /** Appends a text or thinking delta to the block's streamed text (started from what the block began with). */
        private void append(int index, ObjectNode block, String field, String delta) {
            if (delta != null && !delta.isEmpty()) {
                hold(streamedText.computeIfAbsent(index, k -> new Streamed(field, new StringBuilder(text(block, field) == null ? "" : text(block, field))))
                        .text(), delta);
            }
        }

        /** Puts the text or thinking streamed into the block at {@code index} into it. */
        private void completeText(int index, ObjectNode block) {
            Streamed streamed = streamedText.remove(index);
            if (streamed != null && block != null) {
                block.put(streamed.field(), streamed.text().toString());
            }
        }

        /** Puts the streamed input into a tool_use block; returns the input as JSON text. */
        private String completeInput(int index, ObjectNode block) {
            if (block == null) {
                return "{}";
            }
            StringBuilder partial = partialJson.remove(index);
            if (partial != null && !partial.isEmpty()) {
                JsonNode input = Json.parse(partial.toString().getBytes(StandardCharsets.UTF_8));
                block.set("input", input == null ? block.objectNode() : input);
                return partial.toString();
            }
            JsonNode input = block.get("input");
            return input == null ? "{}" : Json.compact(input);
        }

        @Override
        void inspect(JsonNode body) {
            if (body == null || !body.isObject()) {
                return;
            }
            responseId = text(body, "id") == null ? "" : text(body, "id");
            for (JsonNode block : body.path("content")) {
                if ("tool_use".equals(text(block, "type"))) {
                    if (loop.tools.contains(text(block, "name"))) {
                        JsonNode input = block.get("input");
                        injectedCalls.add(new ToolCall(text(block, "id"), text(block, "name"), input == null ? "{}" : Json.compact(input)));
                    } else {
                        clientCalls = true;
                    }
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
            if (!injectedCalls.isEmpty() && out.get("content") instanceof ArrayNode content) {
                for (int i = content.size() - 1; i >= 0; i--) {
                    if ("tool_use".equals(text(content.get(i), "type")) && loop.tools.contains(text(content.get(i), "name"))) {
                        content.remove(i);
                    }
                }
                if (!clientCalls && "tool_use".equals(text(out, "stop_reason"))) {
                    out.put("stop_reason", "end_turn");
                }
            }
            if (out.get("usage") instanceof ObjectNode usage) {
                loop.totals.addMissing(usage); // e.g. server_tool_use, when only an earlier round searched the web
                loop.totals.apply(usage);
            }
            return bytes(out);
        }

        /** A block's {@code text} or {@code thinking}, as streamed so far. */
        private record Streamed(String field, StringBuilder text) {
        }

        @Override
        void appendFollowUp(ObjectNode request, JsonNode blockingBody, List<ToolResult> results) {
            ArrayNode messages = array(request, "messages");
            ObjectNode assistant = messages.addObject().put("role", "assistant");
            ArrayNode content = assistant.putArray("content");
            if (blockingBody != null) {
                blockingBody.path("content").forEach(content::add);
            } else {
                blocks.forEach((index, block) -> completeText(index, block)); // a block the stream did not stop
                blocks.values().forEach(content::add);
            }
            ArrayNode answers = messages.addObject().put("role", "user").putArray("content");
            for (ToolResult r : results) {
                answers.add(ToolResultText.anthropic(r, loop.streaming));
            }
        }
    }
}

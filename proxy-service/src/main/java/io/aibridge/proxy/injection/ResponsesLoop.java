package io.aibridge.proxy.injection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.proxy.interception.Json;
import io.aibridge.proxy.interception.Recording;
import io.aibridge.proxy.interception.ResponseObserver;
import io.aibridge.proxy.interception.TextBudget;
import io.aibridge.proxy.mcp.InjectedTool;
import io.aibridge.proxy.mcp.ToolSet;
import io.aibridge.proxy.openai.ResponsesObserver;
import io.aibridge.proxy.sse.SseDecoder;
import io.aibridge.proxy.sse.SseEvent;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI Responses. Injected tools are appended as {@code function} tools ({@code strict: false};
 * a tool without parameters gets {@code parameters: null}) and {@code parallel_tool_calls} is set to
 * false. As in the reference, each round's stream is held until it completes and only the last
 * response reaches the client, which keeps {@code response.id} and {@code previous_response_id}
 * consistent; a last response without hidden calls in a one-round loop is sent byte for byte.
 * The follow-up request carries the previous output items converted to input items, then one
 * {@code function_call_output} per call.
 *
 * <p>A streamed injected call is complete at its item's {@code response.output_item.done} (or its
 * {@code response.function_call_arguments.done}). One added ({@code response.output_item.added}) but
 * not complete when the response ends is not run, as its arguments may be cut: it is recorded as not
 * run with the arguments that arrived ({@code response.function_call_arguments.delta}), hidden from
 * the client like any injected item, and left out of the follow-up, even if the final response lists it.
 */
final class ResponsesLoop extends LoopApi {

    private static final byte[] COMMENT = ": keep-alive\n\n".getBytes(StandardCharsets.UTF_8);
    /** Output item types that are valid input items (the reference's list). */
    private static final Set<String> INPUT_TYPES = Set.of("message", "function_call", "reasoning", "web_search_call",
            "file_search_call", "computer_call", "code_interpreter_call", "image_generation_call", "compaction", "custom_tool_call");

    @Override
    void inject(ObjectNode body, ToolSet tools, boolean streaming) {
        ArrayNode all = array(body, "tools");
        for (InjectedTool tool : tools.tools()) {
            all.add(tool.responses());
        }
        body.put("parallel_tool_calls", false);
    }

    @Override
    void forbidTools(ObjectNode body) {
        body.put("tool_choice", "none");
    }

    @Override
    ResponseObserver observer(Recording recording) {
        return new ResponsesObserver(recording);
    }

    @Override
    Round newRound(LoopState loop, ResponseObserver observer) {
        return new ResponsesRound(loop, observer);
    }

    @Override
    byte[] keepAlive() {
        return COMMENT;
    }

    private static final class ResponsesRound extends Round {

        private final Set<Integer> hiddenOutputs = new HashSet<>();
        private final Set<String> hiddenItemIds = new HashSet<>();
        /**
         * Injected {@code function_call} items added ({@code response.output_item.added}) and not done
         * yet, by item id (else call id), in the order they were added: one the response ends without
         * completing is {@link #unfinishedCalls unfinished}.
         */
        private final Map<String, OpenCall> open = new LinkedHashMap<>();
        /** Output index → key in {@link #open}, for argument deltas whose {@code item_id} is not the key. */
        private final Map<Integer, String> openByIndex = new HashMap<>();
        /** Keys of the items the response ended without completing: they leave the follow-up too. */
        private final Set<String> unfinishedKeys = new HashSet<>();
        /**
         * What the open items' ids and streamed arguments hold together (the round's held limit): they
         * are kept only to record a call that never completes, so past it each keeps its start. The
         * arguments a call runs with are the done item's, never these.
         */
        private final TextBudget openChars;
        private JsonNode response;

        ResponsesRound(LoopState loop, ResponseObserver observer) {
            super(loop, observer);
            openChars = new TextBudget(loop.maxHeldChars);
        }

        /** An injected call being streamed: its call id, name and the arguments that arrived. */
        private static final class OpenCall {
            final String callId;
            final String name;
            final StringBuilder arguments = new StringBuilder();
            /** An argument delta did not fit {@link #openChars}: later ones are not kept either, so what is kept is the start. */
            boolean cut;
            /** The characters this call holds of {@link #openChars}. */
            long held;

            OpenCall(String callId, String name) {
                this.callId = callId;
                this.name = name;
            }
        }

        @Override
        boolean live() {
            return false;
        }

        @Override
        protected byte[] shape(SseEvent event) {
            JsonNode data = Json.parse(event);
            if (data == null) {
                return null;
            }
            String type = event.event() != null ? event.event() : text(data, "type");
            if (type == null) {
                return null;
            }
            switch (type) {
                case "response.created" -> responseId = text(data.path("response"), "id") == null ? "" : text(data.path("response"), "id");
                case "response.output_item.added", "response.output_item.done" -> item(data.get("item"), data.path("output_index").asInt(-1),
                        type.endsWith(".done"));
                case "response.function_call_arguments.delta" -> argumentsDelta(data);
                case "response.function_call_arguments.done" -> argumentsDone(data);
                case "response.completed", "response.incomplete", "response.failed" -> {
                    unfinished(); // before the response's output: an item listed there did not complete in the stream
                    response = data.get("response");
                    if (response != null) {
                        loop.totals.add(response.get("usage"));
                        if (responseId.isEmpty() && text(response, "id") != null) {
                            responseId = text(response, "id");
                        }
                        for (JsonNode item : response.path("output")) {
                            item(item, -1, true);
                        }
                    }
                    terminal = true;
                }
                default -> {
                }
            }
            return null;
        }

        private void item(JsonNode item, int outputIndex, boolean done) {
            if (item == null) {
                return;
            }
            String type = text(item, "type");
            if (!"function_call".equals(type) && !"custom_tool_call".equals(type)) {
                return;
            }
            String name = text(item, "name");
            if ("function_call".equals(type) && loop.tools.contains(name)) {
                if (outputIndex >= 0) {
                    hiddenOutputs.add(outputIndex);
                }
                String key = key(item);
                if (key == null || unfinishedKeys.contains(key)) {
                    return;
                }
                if (!done) {
                    opened(key, outputIndex, text(item, "call_id"), name, text(item, "arguments"));
                } else {
                    completed(key, new ToolCall(text(item, "call_id"), name, text(item, "arguments")));
                }
            } else {
                clientCalls = true;
            }
        }

        private static String key(JsonNode item) {
            return text(item, "id") != null ? text(item, "id") : text(item, "call_id");
        }

        private void opened(String key, int outputIndex, String callId, String name, String arguments) {
            if (hiddenItemIds.contains(key) || open.containsKey(key)) {
                return;
            }
            long chars = key.length() + (callId == null ? 0L : callId.length());
            if (!openChars.take(chars)) {
                return; // not followed: if it never completes, it is not recorded
            }
            OpenCall call = new OpenCall(callId, name);
            call.held = chars;
            open.put(key, call);
            if (outputIndex >= 0) {
                openByIndex.put(outputIndex, key);
            }
            append(call, arguments);
        }

        private void append(OpenCall call, String text) {
            if (text == null || text.isEmpty() || call.cut) {
                return;
            }
            if (openChars.take(text.length())) {
                call.arguments.append(text);
                call.held += text.length();
            } else {
                call.cut = true;
            }
        }

        /** The open call an argument event is for, by its {@code item_id}, else its {@code output_index}. */
        private String openKey(JsonNode data) {
            String itemId = text(data, "item_id");
            if (itemId != null && open.containsKey(itemId)) {
                return itemId;
            }
            return openByIndex.get(data.path("output_index").asInt(-1));
        }

        private void argumentsDelta(JsonNode data) {
            String key = openKey(data);
            if (key != null) {
                append(open.get(key), text(data, "delta"));
            }
        }

        /** The call's whole arguments arrived: it is complete, even if its item's done event does not follow. */
        private void argumentsDone(JsonNode data) {
            String key = openKey(data);
            OpenCall call = key == null ? null : open.get(key);
            if (call != null) {
                completed(key, new ToolCall(call.callId, call.name, text(data, "arguments")));
            }
        }

        private void completed(String key, ToolCall call) {
            OpenCall was = open.remove(key);
            if (was != null) {
                openChars.release(was.held);
                openByIndex.values().remove(key);
            }
            if (hiddenItemIds.add(key)) {
                injectedCalls.add(call);
            }
        }

        /**
         * The response ended (or its stream was cut): the injected items still open never completed.
         * Their arguments may be cut, so none runs; each is {@link #unfinishedCalls unfinished}, with the
         * arguments that arrived, and leaves the follow-up (a {@code function_call} without its output
         * would be refused).
         */
        private void unfinished() {
            for (Map.Entry<String, OpenCall> e : open.entrySet()) {
                OpenCall call = e.getValue();
                unfinishedKeys.add(e.getKey());
                unfinishedCalls.add(new ToolCall(call.callId, call.name, call.arguments.toString()));
            }
            open.clear();
            openByIndex.clear();
        }

        @Override
        void cut() {
            unfinished();
        }

        @Override
        byte[] finishStream(byte[] buffered) {
            if (loop.round == 1 && injectedCalls.isEmpty() && unfinishedCalls.isEmpty()) {
                return buffered;
            }
            // rewrite the held stream: no injected items, output indices and sequence numbers closing the gaps, summed usage
            int[] sequence = {0};
            SseDecoder rewriter = new SseDecoder(event -> rewrite(event, sequence), true, Integer.MAX_VALUE);
            ByteArrayOutputStream out = new ByteArrayOutputStream(buffered.length);
            out.writeBytes(rewriter.feed(buffered));
            out.writeBytes(rewriter.finish());
            return out.toByteArray();
        }

        private byte[] rewrite(SseEvent event, int[] sequence) {
            if (!(Json.parse(event) instanceof ObjectNode data)) {
                return null;
            }
            JsonNode index = data.get("output_index");
            if (index != null && index.canConvertToInt()) {
                int i = index.asInt();
                if (hiddenOutputs.contains(i)) {
                    return SseDecoder.DROP;
                }
                data.put("output_index", i - (int) hiddenOutputs.stream().filter(h -> h < i).count());
            }
            if (data.has("sequence_number")) {
                data.put("sequence_number", sequence[0]++);
            }
            if (data.get("response") instanceof ObjectNode r) {
                strip(r);
            }
            return frame(event.event(), data);
        }

        /** Removes the injected calls from a response object and sums its usage. */
        private void strip(ObjectNode r) {
            if (r.get("output") instanceof ArrayNode output) {
                for (int i = output.size() - 1; i >= 0; i--) {
                    JsonNode item = output.get(i);
                    if ("function_call".equals(text(item, "type")) && loop.tools.contains(text(item, "name"))) {
                        output.remove(i);
                    }
                }
            }
            if (loop.round > 1 && r.get("usage") instanceof ObjectNode usage) {
                loop.totals.apply(usage);
            }
        }

        @Override
        void inspect(JsonNode body) {
            if (body == null || !body.isObject()) {
                return;
            }
            response = body;
            responseId = text(body, "id") == null ? "" : text(body, "id");
            for (JsonNode item : body.path("output")) {
                item(item, -1, true);
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
            strip(out);
            return bytes(out);
        }

        @Override
        void appendFollowUp(ObjectNode request, JsonNode blockingBody, List<ToolResult> results) {
            JsonNode input = request.get("input");
            ArrayNode items;
            if (input instanceof ArrayNode array) {
                items = array;
            } else {
                items = request.putArray("input");
                if (input != null && input.isTextual()) {
                    items.addObject().put("role", "user").put("content", input.asText());
                }
            }
            JsonNode source = blockingBody != null ? blockingBody : response;
            for (JsonNode item : source == null ? List.<JsonNode>of() : source.path("output")) {
                if (INPUT_TYPES.contains(String.valueOf(text(item, "type"))) && !unfinishedKeys.contains(key(item))) {
                    items.add(item);
                }
            }
            for (ToolResult r : results) {
                items.addObject().put("type", "function_call_output").put("call_id", r.call().id()).put("output", ToolResultText.responses(r));
            }
        }
    }
}

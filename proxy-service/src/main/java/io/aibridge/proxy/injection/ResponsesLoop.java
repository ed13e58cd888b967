package io.aibridge.proxy.injection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.proxy.interception.Json;
import io.aibridge.proxy.interception.Recording;
import io.aibridge.proxy.interception.ResponseObserver;
import io.aibridge.proxy.mcp.InjectedTool;
import io.aibridge.proxy.mcp.ToolSet;
import io.aibridge.proxy.openai.ResponsesObserver;
import io.aibridge.proxy.sse.SseDecoder;
import io.aibridge.proxy.sse.SseEvent;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * OpenAI Responses. Injected tools are appended as {@code function} tools ({@code strict: false};
 * a tool without parameters gets {@code parameters: null}) and {@code parallel_tool_calls} is set to
 * false. As in the reference, each round's stream is held until it completes and only the last
 * response reaches the client, which keeps {@code response.id} and {@code previous_response_id}
 * consistent; a last response without hidden calls in a one-round loop is sent byte for byte.
 * The follow-up request carries the previous output items converted to input items, then one
 * {@code function_call_output} per call.
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
        private JsonNode response;

        ResponsesRound(LoopState loop, ResponseObserver observer) {
            super(loop, observer);
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
                case "response.completed", "response.incomplete", "response.failed" -> {
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
                String key = text(item, "id") != null ? text(item, "id") : text(item, "call_id");
                if (done && key != null && hiddenItemIds.add(key)) {
                    injectedCalls.add(new ToolCall(text(item, "call_id"), name, text(item, "arguments")));
                }
            } else {
                clientCalls = true;
            }
        }

        @Override
        byte[] finishStream(byte[] buffered) {
            if (loop.round == 1 && injectedCalls.isEmpty()) {
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
                if (INPUT_TYPES.contains(String.valueOf(text(item, "type")))) {
                    items.add(item);
                }
            }
            for (ToolResult r : results) {
                items.addObject().put("type", "function_call_output").put("call_id", r.call().id()).put("output", ToolResultText.responses(r));
            }
        }
    }
}

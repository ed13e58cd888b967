package io.aibridge.proxy.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.events.ThoughtSource;
import io.aibridge.proxy.interception.Json;
import io.aibridge.proxy.interception.Recording;
import io.aibridge.proxy.interception.ResponseObserver;
import io.aibridge.proxy.interception.StreamedText;
import io.aibridge.proxy.route.ProviderErrors;
import io.aibridge.proxy.sse.SseEvent;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Anthropic Messages. Stream: {@code message_start} carries the id and the initial usage,
 * {@code content_block_start/_delta/_stop} the blocks (text, {@code tool_use} with
 * {@code input_json_delta} fragments, {@code thinking} with {@code thinking_delta}),
 * {@code message_delta} the <em>cumulative</em> usage (it may repeat the input and cache counts),
 * {@code message_stop} the end. Each response's usage is recorded once, from the last value of each
 * field (falling back to {@code message_start} for fields the delta lacks), so the recorded total
 * equals the provider's final usage. Redacted thinking is not recorded. A thinking block or tool
 * input streamed past the events' text limit keeps its start, flagged {@code truncated}.
 */
public final class MessagesObserver extends ResponseObserver {

    /** Anthropic's own keep-alive event, which every client reads and skips. */
    public static final byte[] PING = "event: ping\ndata: {\"type\": \"ping\"}\n\n".getBytes(StandardCharsets.UTF_8);

    private enum Block { OTHER, TOOL_USE, THINKING }

    private final Map<String, Long> usage = new LinkedHashMap<>();
    private boolean usageSeen;
    private boolean usageRecorded;
    private Block block = Block.OTHER;
    private String toolId;
    private String toolName;
    /** The thinking or tool input of the open block. */
    private StreamedText buffer;
    private String initialInput;

    public MessagesObserver(Recording recording) {
        super(recording);
    }

    @Override
    public byte[] onEvent(SseEvent event) {
        String name = event.event();
        if (name == null) {
            return null;
        }
        switch (name) {
            case "message_start" -> messageStart(Json.parse(event));
            case "content_block_start" -> blockStart(Json.parse(event));
            case "content_block_delta" -> {
                // text deltas are the bulk of a stream and are not recorded: skip parsing them
                if (block != Block.OTHER) {
                    blockDelta(Json.delta(event, block == Block.TOOL_USE ? "partial_json" : "thinking"));
                }
            }
            case "content_block_stop" -> blockStop();
            case "message_delta" -> {
                JsonNode data = Json.parse(event);
                if (data != null) {
                    mergeUsage(data.get("usage"));
                    finishReason(text(data.get("delta"), "stop_reason"));
                }
            }
            case "message_stop" -> {
                recordUsage();
                terminalSeen = true;
            }
            case "error" -> {
                JsonNode data = Json.parse(event);
                JsonNode error = data == null ? null : data.get("error");
                streamErrorType = error != null && text(error, "type") != null ? text(error, "type") : "error";
                streamErrorMessage = error != null ? text(error, "message") : event.dataAsString();
            }
            default -> {
                // ping and future event types: relayed, nothing to record
            }
        }
        return null;
    }

    private void messageStart(JsonNode data) {
        JsonNode message = data == null ? null : data.get("message");
        if (message == null) {
            return;
        }
        // a new message in the same stream starts a new response: the previous one's usage is final
        recordUsage();
        usage.clear();
        usageSeen = false;
        usageRecorded = false;
        responseId = text(message, "id") == null ? "" : text(message, "id");
        responseModel(text(message, "model"));
        recording.prompt(responseId);
        mergeUsage(message.get("usage"));
    }

    private void blockStart(JsonNode data) {
        JsonNode content = data == null ? null : data.get("content_block");
        String type = text(content, "type");
        if ("tool_use".equals(type)) {
            block = Block.TOOL_USE;
            toolId = text(content, "id");
            toolName = text(content, "name");
            JsonNode input = content.get("input");
            initialInput = input != null && !(input.isObject() && input.isEmpty()) ? Json.compact(input) : null;
            buffer = new StreamedText(recording.maxTextChars());
        } else if ("thinking".equals(type)) {
            block = Block.THINKING;
            buffer = new StreamedText(recording.maxTextChars());
            String initial = text(content, "thinking");
            if (initial != null) {
                buffer.append(initial);
            }
        } else {
            block = Block.OTHER;
        }
    }

    private void blockDelta(Json.Delta delta) {
        if (delta == null || delta.text() == null) {
            return;
        }
        if (block == Block.TOOL_USE && "input_json_delta".equals(delta.type())
                || block == Block.THINKING && "thinking_delta".equals(delta.type())) {
            buffer.append(delta.text());
        }
    }

    private void blockStop() {
        long cutFrom = buffer != null && buffer.truncated() ? buffer.length() : -1;
        if (block == Block.TOOL_USE) {
            // a cut input is no JSON any more: recorded as it came, as the events do with any input that is not JSON
            String input = buffer.length() == 0 ? initialInput != null ? initialInput : "{}"
                    : buffer.truncated() ? buffer.text() : Json.normalize(buffer.text());
            recording.tool(responseId, toolId, toolName, input, cutFrom);
        } else if (block == Block.THINKING) {
            recording.thought(responseId, buffer.text(), ThoughtSource.THINKING, cutFrom);
        }
        block = Block.OTHER;
        buffer = null;
    }

    private void mergeUsage(JsonNode u) {
        if (u == null || !u.isObject()) {
            return;
        }
        usageSeen = true;
        put(u, "input_tokens");
        put(u, "output_tokens");
        put(u, "cache_read_input_tokens");
        put(u, "cache_creation_input_tokens");
        JsonNode creation = u.get("cache_creation");
        if (creation != null && creation.isObject()) {
            put(creation, "ephemeral_5m_input_tokens");
            put(creation, "ephemeral_1h_input_tokens");
        }
        JsonNode serverTools = u.get("server_tool_use");
        if (serverTools != null && serverTools.isObject()) {
            put(serverTools, "web_search_requests");
        }
    }

    private void put(JsonNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n != null && n.canConvertToLong()) {
            usage.put(field, n.asLong());
        }
    }

    private void recordUsage() {
        if (!usageSeen || usageRecorded) {
            return;
        }
        usageRecorded = true;
        record(responseId, usage);
    }

    private void record(String id, Map<String, Long> u) {
        long cacheRead = u.getOrDefault("cache_read_input_tokens", 0L);
        long cacheWrite = u.getOrDefault("cache_creation_input_tokens", 0L);
        Map<String, Long> extra = new LinkedHashMap<>();
        extra.put("web_search_requests", u.getOrDefault("web_search_requests", 0L));
        extra.put("cache_creation_input", cacheWrite);
        extra.put("cache_read_input", cacheRead);
        extra.put("cache_ephemeral_1h_input", u.getOrDefault("ephemeral_1h_input_tokens", 0L));
        extra.put("cache_ephemeral_5m_input", u.getOrDefault("ephemeral_5m_input_tokens", 0L));
        recording.tokens(id, u.getOrDefault("input_tokens", 0L), u.getOrDefault("output_tokens", 0L), cacheRead, cacheWrite, extra);
    }

    @Override
    public void onStreamEnd() {
        recordUsage();
    }

    @Override
    public void onBody(JsonNode body) {
        if (body == null || !body.isObject()) {
            return;
        }
        responseId = text(body, "id") == null ? "" : text(body, "id");
        responseModel(text(body, "model"));
        finishReason(text(body, "stop_reason"));
        recording.prompt(responseId);
        JsonNode content = body.get("content");
        if (content != null && content.isArray()) {
            for (JsonNode block : content) {
                String type = text(block, "type");
                if ("thinking".equals(type)) {
                    recording.thought(responseId, text(block, "thinking"), ThoughtSource.THINKING);
                } else if ("tool_use".equals(type)) {
                    JsonNode input = block.get("input");
                    recording.tool(responseId, text(block, "id"), text(block, "name"), input == null ? "{}" : Json.compact(input));
                }
            }
        }
        usage.clear();
        usageSeen = false;
        mergeUsage(body.get("usage"));
        if (usageSeen) {
            record(responseId, usage);
            usageRecorded = true;
        }
    }

    @Override
    public byte[] keepAliveFrame() {
        return PING;
    }

    @Override
    public byte[] brokenStreamFrame(String message) {
        return ("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\""
                + ProviderErrors.escape(message) + "\"}}\n\n").getBytes(StandardCharsets.UTF_8);
    }
}

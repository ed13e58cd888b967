package io.aibridge.proxy.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.events.ThoughtSource;
import io.aibridge.identity.ApiKeys;
import io.aibridge.proxy.interception.Json;
import io.aibridge.proxy.interception.Recording;
import io.aibridge.proxy.interception.ResponseObserver;
import io.aibridge.proxy.route.ProviderErrors;
import io.aibridge.proxy.sse.SseEvent;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI Responses. Stream: {@code response.created} (the id), output items completed one by one in
 * {@code response.output_item.done}, then {@code response.completed} (or {@code .incomplete},
 * {@code .failed}) with the whole response and its usage. Items are recorded as each completes
 * (so a stream cut later keeps them) and the terminal response only adds those not seen yet.
 * Only the events needed are parsed; the many {@code *.delta} events are not.
 *
 * <p>Recorded: {@code function_call} (arguments as JSON) and {@code custom_tool_call} (raw input)
 * as tool usages; reasoning summaries and assistant messages with {@code phase: "commentary"} as
 * thoughts.
 *
 * <p>At most {@link #MAX_ITEMS} items of a response are recorded: the items past them reach the
 * client as they came, and the interception logs once that it left them out ({@link Recording#notRecorded}).
 */
public final class ResponsesObserver extends ResponseObserver {

    /**
     * Output items of one response that are recorded (messages, reasoning, tool calls). Four times
     * the 1,024 tool calls a Chat choice records, far more than any real answer has, and a bound on
     * the ids kept to tell an item seen twice (when it completes and in the terminal response) from
     * a new one, whatever number of items an upstream sends.
     */
    static final int MAX_ITEMS = 4096;

    /**
     * The longest item id kept as it came to tell items apart; a longer one (OpenAI's are about 50
     * characters, an upstream may send any) is kept as its digest, so that the {@link #MAX_ITEMS}
     * keys hold at most about a megabyte, not {@link #MAX_ITEMS} ids of up to an event's size each.
     */
    static final int MAX_KEPT_ID_CHARS = 256;

    /** The keys of the items seen (recorded or not of interest); at most {@link #MAX_ITEMS}. */
    private final Set<String> recordedItems = new HashSet<>();
    private int sequence = -1;

    public ResponsesObserver(Recording recording) {
        super(recording);
    }

    @Override
    public byte[] onEvent(SseEvent event) {
        String name = event.event();
        if (name == null) {
            // streams without event: lines carry the type in the data only
            JsonNode data = Json.parse(event);
            if (data == null) {
                return null;
            }
            observe(text(data, "type"), data);
            return null;
        }
        switch (name) {
            case "response.created", "response.output_item.done", "response.completed", "response.incomplete",
                 "response.failed", "error" -> observe(name, Json.parse(event));
            default -> {
                // deltas and progress events: relayed, nothing to record
            }
        }
        return null;
    }

    private void observe(String type, JsonNode data) {
        if (type == null || data == null) {
            return;
        }
        if (data.path("sequence_number").canConvertToInt()) {
            sequence = data.path("sequence_number").asInt();
        }
        switch (type) {
            case "response.created" -> {
                responseId = text(data.path("response"), "id") == null ? "" : text(data.path("response"), "id");
                recording.prompt(responseId);
            }
            case "response.output_item.done" -> item(data.get("item"));
            case "response.completed", "response.incomplete", "response.failed" -> {
                JsonNode response = data.get("response");
                terminal(response);
                if ("response.failed".equals(type)) {
                    failed(response);
                }
                terminalSeen = true;
            }
            case "error" -> {
                streamErrorType = text(data, "code") != null ? text(data, "code") : "error";
                streamErrorMessage = text(data, "message");
            }
            default -> {
            }
        }
    }

    /** The provider says the response failed: its {@code error}, as a stream's error event would say it. */
    private void failed(JsonNode response) {
        JsonNode error = response == null ? null : response.get("error");
        streamErrorType = error != null && text(error, "code") != null ? text(error, "code") : "response_failed";
        streamErrorMessage = error != null ? text(error, "message") : "the response failed";
    }

    private void terminal(JsonNode response) {
        if (response == null || !response.isObject()) {
            return;
        }
        if (responseId.isEmpty() && text(response, "id") != null) {
            responseId = text(response, "id");
        }
        responseModel(text(response, "model"));
        // Responses has no finish reason: an incomplete response says why, otherwise its status does
        String incomplete = text(response.get("incomplete_details"), "reason");
        finishReason(incomplete != null ? incomplete : text(response, "status"));
        recording.prompt(responseId);
        JsonNode output = response.get("output");
        if (output != null && output.isArray()) {
            for (JsonNode item : output) {
                item(item);
            }
        }
        JsonNode usage = response.get("usage");
        if (usage != null && usage.isObject()) {
            JsonNode inputDetails = usage.get("input_tokens_details");
            JsonNode outputDetails = usage.get("output_tokens_details");
            long cached = Json.count(inputDetails, "cached_tokens");
            Map<String, Long> extra = new LinkedHashMap<>();
            extra.put("input_cached", cached);
            long reasoning = Json.reported(outputDetails, "reasoning_tokens");
            extra.put("output_reasoning", Math.max(0, reasoning));
            extra.put("total_tokens", Json.count(usage, "total_tokens"));
            recording.tokens(responseId, Json.count(usage, "input_tokens") - cached, Json.count(usage, "output_tokens"), cached, 0,
                    reasoning, extra);
        }
    }

    private void item(JsonNode item) {
        if (item == null || !item.isObject()) {
            return;
        }
        String id = text(item, "id");
        // an item without an id is known by its content's digest: the content itself could be megabytes, kept for the stream's life
        String key = id == null ? digest(Json.compact(item)) : id.length() > MAX_KEPT_ID_CHARS ? "id:" + digest(id) : id;
        if (recordedItems.contains(key)) {
            return;
        }
        if (recordedItems.size() >= MAX_ITEMS) {
            recording.notRecorded("the response has more than " + MAX_ITEMS + " output items; the items past them are not recorded");
            return;
        }
        recordedItems.add(key);
        switch (String.valueOf(text(item, "type"))) {
            case "function_call" -> recording.tool(responseId, text(item, "call_id"), text(item, "name"),
                    Json.normalize(text(item, "arguments")));
            case "custom_tool_call" -> recording.tool(responseId, text(item, "call_id"), text(item, "name"), text(item, "input"));
            case "reasoning" -> {
                JsonNode summary = item.get("summary");
                if (summary != null && summary.isArray()) {
                    for (JsonNode part : summary) {
                        recording.thought(responseId, text(part, "text"), ThoughtSource.REASONING_SUMMARY);
                    }
                }
            }
            case "message" -> {
                if ("commentary".equals(text(item, "phase"))) {
                    StringBuilder text = new StringBuilder();
                    for (JsonNode part : item.path("content")) {
                        if ("output_text".equals(text(part, "type")) && text(part, "text") != null) {
                            text.append(text(part, "text"));
                        }
                    }
                    recording.thought(responseId, text.toString(), ThoughtSource.COMMENTARY);
                }
            }
            default -> {
            }
        }
    }

    /** The characters the keys of the items seen hold now (for tests: what {@link #MAX_KEPT_ID_CHARS} bounds). */
    long heldKeyChars() {
        long held = 0;
        for (String key : recordedItems) {
            held += key.length();
        }
        return held;
    }

    private static String digest(String content) {
        return "sha256:" + ApiKeys.sha256Hex(content);
    }

    @Override
    public void onStreamEnd() {
        // items were recorded as they completed; a cut stream has no usage to record
    }

    @Override
    public void onBody(JsonNode body) {
        if (body == null || !body.isObject()) {
            return;
        }
        responseId = text(body, "id") == null ? "" : text(body, "id");
        terminal(body);
        if ("failed".equals(text(body, "status"))) {
            // a blocking answer that failed comes with 200 too: it ends the interception as failed, as response.failed does a stream's
            failed(body);
        }
    }

    @Override
    public byte[] brokenStreamFrame(String message) {
        return ("event: error\ndata: {\"type\":\"error\",\"code\":\"upstream_stream_broken\",\"message\":\""
                + ProviderErrors.escape(message) + "\",\"param\":null,\"sequence_number\":" + (sequence + 1) + "}\n\n")
                .getBytes(StandardCharsets.UTF_8);
    }
}

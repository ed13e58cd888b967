package io.aibridge.proxy.interception;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the proxy reads from a request body for recording: the last user prompt (none for a
 * tool-result turn) and the tool-call id the last message answers (threads).
 */
public record RequestFacts(String prompt, String correlatingToolCallId) {

    /**
     * Longest model name taken, in characters. Real ids are far shorter: the longest are Bedrock
     * inference-profile ARNs ({@code arn:aws:bedrock:<region>:<account>:application-inference-profile/<id>},
     * under 100). The model becomes a metric label, a span attribute and an indexed column, so an
     * unbounded one would cost every scrape and break the recorder's index (PostgreSQL refuses
     * entries over about 2.7 KB).
     */
    public static final int MAX_MODEL_CHARS = 256;

    /** Why a request is refused: the message, and OpenAI's error {@code code}. */
    public record Refusal(String message, String code) {
    }

    /**
     * Why the request's {@code model} cannot be taken, or null when it can: it must be a non-empty
     * string of at most {@link #MAX_MODEL_CHARS} characters without control characters. Anything
     * else real ids use passes ({@code :} and {@code /} of ARNs and gateway ids, {@code @} of
     * Vertex ids, {@code .}).
     */
    public static Refusal modelRefusal(JsonNode model) {
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            return new Refusal("\"model\" is required and must be a non-empty string", "missing_model");
        }
        String name = model.asText();
        if (name.codePointCount(0, name.length()) > MAX_MODEL_CHARS) {
            return new Refusal("\"model\" is longer than " + MAX_MODEL_CHARS + " characters; no model has such a name",
                    "invalid_model");
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                return new Refusal("\"model\" contains a control character (U+" + String.format("%04X", (int) name.charAt(i))
                        + "); no model has such a name", "invalid_model");
            }
        }
        return null;
    }

    /** Anthropic Messages: only the last message; string content, or the last text block; a tool_result answers a call. */
    public static RequestFacts anthropic(JsonNode body) {
        JsonNode last = last(body.path("messages"));
        if (last == null) {
            return new RequestFacts(null, null);
        }
        JsonNode content = last.path("content");
        String correlating = null;
        if (content.isArray()) {
            for (int i = content.size() - 1; i >= 0; i--) {
                JsonNode block = content.get(i);
                if ("tool_result".equals(block.path("type").asText()) && !block.path("tool_use_id").asText("").isEmpty()) {
                    correlating = block.path("tool_use_id").asText();
                    break;
                }
            }
        }
        if (!"user".equals(last.path("role").asText()) || correlating != null) {
            return new RequestFacts(null, correlating);
        }
        if (content.isTextual()) {
            return new RequestFacts(content.asText(), null);
        }
        if (content.isArray()) {
            for (int i = content.size() - 1; i >= 0; i--) {
                JsonNode block = content.get(i);
                if ("text".equals(block.path("type").asText()) && block.path("text").isTextual()) {
                    return new RequestFacts(block.path("text").asText(), null);
                }
            }
        }
        return new RequestFacts(null, null);
    }

    /** Chat Completions: the last message must be the user's; a tool message answers a call. */
    public static RequestFacts chat(JsonNode body) {
        JsonNode last = last(body.path("messages"));
        if (last == null) {
            return new RequestFacts(null, null);
        }
        String role = last.path("role").asText();
        if ("tool".equals(role)) {
            String id = last.path("tool_call_id").asText("");
            return new RequestFacts(null, id.isEmpty() ? null : id);
        }
        if (!"user".equals(role)) {
            return new RequestFacts(null, null);
        }
        JsonNode content = last.path("content");
        if (content.isTextual()) {
            return new RequestFacts(content.asText(), null);
        }
        if (content.isArray()) {
            for (int i = content.size() - 1; i >= 0; i--) {
                JsonNode part = content.get(i);
                if ("text".equals(part.path("type").asText()) && part.path("text").isTextual()) {
                    return new RequestFacts(part.path("text").asText(), null);
                }
            }
        }
        return new RequestFacts(null, null);
    }

    /**
     * Responses: a string input is the prompt; otherwise the last item must be the user's (all its
     * input_text parts joined by newlines); a function_call_output answers a call.
     */
    public static RequestFacts responses(JsonNode body) {
        JsonNode input = body.path("input");
        if (input.isTextual()) {
            return new RequestFacts(input.asText(), null);
        }
        JsonNode last = last(input);
        if (last == null) {
            return new RequestFacts(null, null);
        }
        if ("function_call_output".equals(last.path("type").asText())) {
            String id = last.path("call_id").asText("");
            return new RequestFacts(null, id.isEmpty() ? null : id);
        }
        if (!"user".equals(last.path("role").asText())) {
            return new RequestFacts(null, null);
        }
        JsonNode content = last.path("content");
        if (content.isTextual()) {
            return new RequestFacts(content.asText(), null);
        }
        if (content.isArray()) {
            StringBuilder joined = new StringBuilder();
            boolean any = false;
            for (JsonNode part : content) {
                if ("input_text".equals(part.path("type").asText()) && part.path("text").isTextual()) {
                    if (any) {
                        joined.append('\n');
                    }
                    joined.append(part.path("text").asText());
                    any = true;
                }
            }
            return new RequestFacts(any ? joined.toString() : null, null);
        }
        return new RequestFacts(null, null);
    }

    private static JsonNode last(JsonNode array) {
        return array.isArray() && !array.isEmpty() ? array.get(array.size() - 1) : null;
    }
}

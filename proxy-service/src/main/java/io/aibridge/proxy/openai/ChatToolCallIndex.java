package io.aibridge.proxy.openai;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Which call a Chat Completions tool-call fragment ({@code choices[].delta.tool_calls[]}) belongs
 * to. OpenAI numbers them with {@code index}; some OpenAI-compatible servers leave it out: a
 * fragment with an id then starts a new call, one without continues the last call. The recording
 * observer and the tool loop read a stream's calls by this one rule, so that they agree.
 */
public final class ChatToolCallIndex {

    /**
     * Tool calls of one choice that are assembled and recorded (and, in the tool loop, handled). A
     * request may define at most 128 tools (OpenAI's limit), and models call a handful at a time:
     * 1,024 is eight calls of every tool a request can have, far more than any real answer, and
     * bounds what an upstream numbering calls without end can make the proxy keep.
     */
    public static final int MAX_CALLS_PER_CHOICE = 1024;

    private ChatToolCallIndex() {
    }

    /**
     * @param fragment  one element of {@code delta.tool_calls}
     * @param lastIndex the highest index of the choice's calls so far, or null before its first call
     */
    public static int of(JsonNode fragment, Integer lastIndex) {
        JsonNode index = fragment.get("index");
        if (index != null && index.canConvertToInt()) {
            return index.asInt();
        }
        if (lastIndex == null) {
            return 0;
        }
        JsonNode id = fragment.get("id");
        boolean startsCall = id != null && id.isTextual() && !id.asText().isEmpty();
        return startsCall ? lastIndex + 1 : lastIndex;
    }
}

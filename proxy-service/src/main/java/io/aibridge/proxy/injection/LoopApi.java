package io.aibridge.proxy.injection;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.proxy.interception.Json;
import io.aibridge.proxy.interception.Recording;
import io.aibridge.proxy.interception.ResponseObserver;
import io.aibridge.proxy.interception.Texts;
import io.aibridge.proxy.mcp.ToolSet;
import io.aibridge.proxy.route.ProviderErrors;
import io.aibridge.proxy.route.BridgedRoute;

import java.nio.charset.StandardCharsets;

/**
 * What a tool loop needs to know about one provider API: where the injected tools go in the
 * request, how parallel calls are switched off, how a round's answer is read and shown to the
 * client, and how the follow-up request is built.
 */
abstract class LoopApi {

    static LoopApi of(BridgedRoute route) {
        return switch (route) {
            case ANTHROPIC_MESSAGES -> new AnthropicLoop();
            case OPENAI_CHAT_COMPLETIONS -> new ChatLoop();
            case OPENAI_RESPONSES -> new ResponsesLoop();
        };
    }

    /** Adds the tools to the request, edited as raw JSON so that fields the proxy does not know survive. */
    abstract void inject(ObjectNode body, ToolSet tools, boolean streaming);

    /** The next request may not call tools ({@code tool_choice: none}): the round limit was reached. */
    abstract void forbidTools(ObjectNode body);

    /** The recording observer of one round (never rewriting: the round decides what the client sees). */
    abstract ResponseObserver observer(Recording recording);

    abstract Round newRound(LoopState loop, ResponseObserver observer);

    /** Sent to a streaming client that has seen nothing for a while (a tool is running). */
    abstract byte[] keepAlive();

    /** The frame that ends a started client stream on an error, in this API's format. */
    byte[] errorFrame(ResponseObserver observer, String message) {
        return observer.brokenStreamFrame(message);
    }

    static ArrayNode array(ObjectNode parent, String field) {
        JsonNode existing = parent.get(field);
        if (existing != null && existing.isArray()) {
            return (ArrayNode) existing;
        }
        return parent.putArray(field);
    }

    static byte[] bytes(JsonNode node) {
        try {
            return Json.MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write JSON", e);
        }
    }

    static byte[] frame(String event, JsonNode data) {
        String json = new String(bytes(data), StandardCharsets.UTF_8);
        return ((event == null ? "" : "event: " + event + "\n") + "data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Client text for a log line: quoted, escaped and cut short, so that it can neither forge log lines nor flood the log. */
    static String forLog(String clientText) {
        int max = 64;
        if (clientText.length() <= max) {
            return "\"" + ProviderErrors.escape(clientText) + "\"";
        }
        return "\"" + ProviderErrors.escape(Texts.prefix(clientText, max)) + "\"... (" + clientText.length() + " characters)";
    }

    static String text(JsonNode node, String field) {
        JsonNode n = node == null ? null : node.get(field);
        return n != null && n.isTextual() ? n.asText() : null;
    }
}

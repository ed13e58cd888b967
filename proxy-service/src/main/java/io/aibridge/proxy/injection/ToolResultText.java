package io.aibridge.proxy.injection;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.proxy.mcp.ToolCallOutcome;
import io.aibridge.proxy.route.ProviderErrors;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;

import java.io.IOException;

/**
 * The tool results handed back to the model, in each API's form and with the reference's texts
 * (behaviour reference §14.4), so a model sees the same words through either bridge.
 */
final class ToolResultText {

    private ToolResultText() {
    }

    /**
     * An Anthropic {@code tool_result} block. Text content is passed as text, images as image
     * blocks, embedded resources as {@code Binary resource (MIME: ..., URI: ...): ...}; anything
     * else, an empty result, a tool that reported an error or a failed call sets {@code is_error}.
     */
    static ObjectNode anthropic(ToolResult r, boolean streaming) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode block = f.objectNode().put("type", "tool_result").put("tool_use_id", r.call().id());
        ArrayNode content = f.arrayNode();
        boolean error = false;
        ToolCallOutcome outcome = r.outcome();
        if (outcome.failed()) {
            // the reference words this differently for streaming and blocking requests; both kept
            content.addObject().put("type", "text").put("text", (streaming ? "Error calling tool: " : "Error: calling tool: ") + outcome.error());
            error = true;
        } else {
            for (McpSchema.Content c : outcome.result().content()) {
                if (c instanceof McpSchema.TextContent t) {
                    content.addObject().put("type", "text").put("text", t.text() == null ? "" : t.text());
                } else if (c instanceof McpSchema.ImageContent image && image.data() != null && image.mimeType() != null) {
                    ObjectNode source = content.addObject().put("type", "image").putObject("source");
                    source.put("type", "base64").put("media_type", image.mimeType()).put("data", image.data());
                } else if (c instanceof McpSchema.EmbeddedResource embedded
                        && embedded.resource() instanceof McpSchema.TextResourceContents text) {
                    content.addObject().put("type", "text").put("text", "Binary resource (MIME: " + text.mimeType() + ", URI: "
                            + text.uri() + "): " + text.text());
                } else if (c instanceof McpSchema.EmbeddedResource embedded
                        && embedded.resource() instanceof McpSchema.BlobResourceContents blob) {
                    content.addObject().put("type", "text").put("text", "Binary resource (MIME: " + blob.mimeType() + ", URI: "
                            + blob.uri() + "): " + blob.blob());
                } else {
                    content.addObject().put("type", "text").put("text", "Error: unsupported tool result type");
                    error = true;
                }
            }
            if (content.isEmpty()) {
                content.addObject().put("type", "text").put("text", "Error: no valid tool result content");
                error = true;
            }
            error |= outcome.toolError();
        }
        block.put("is_error", error);
        block.set("content", content);
        return block;
    }

    /** Chat Completions: the MCP result as JSON, or {@code {"error":true,"message":...}}. */
    static String chat(ToolResult r) {
        ToolCallOutcome outcome = r.outcome();
        if (outcome.failed()) {
            return "{\"error\":true,\"message\":\"" + ProviderErrors.escape(outcome.error()) + "\"}";
        }
        return json(outcome.result());
    }

    /** Responses: the MCP result as JSON, or {@code invocation error: "<error>"}. */
    static String responses(ToolResult r) {
        ToolCallOutcome outcome = r.outcome();
        if (outcome.failed()) {
            return "invocation error: \"" + ProviderErrors.escape(outcome.error()) + "\"";
        }
        return json(outcome.result());
    }

    private static String json(McpSchema.CallToolResult result) {
        try {
            return McpJsonDefaults.getMapper().writeValueAsString(result);
        } catch (IOException e) {
            return "result encode error: \"" + ProviderErrors.escape(String.valueOf(e.getMessage())) + "\"";
        }
    }
}

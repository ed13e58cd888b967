package io.aibridge.proxy.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.proxy.interception.Json;

import java.util.List;
import java.util.Map;

/**
 * One MCP tool as the model sees it: named {@code bmcp_<server>_<tool>} ("bridged MCP"; the prefix
 * is short because providers cap tool names at 64 characters). The three providers' tool
 * definitions are built once, when the tool is listed, and shared read-only by every request.
 *
 * @param id          the name given to the model
 * @param server      the configured server name
 * @param serverUrl   the server's URL in display form, without user info and with query values masked
 *                    ({@link McpServerUrl#display}; recorded with every call)
 * @param name        the tool's original name (what {@code tools/call} and the records use)
 * @param anthropic   Anthropic Messages definition: {@code type: custom}, {@code input_schema}
 * @param chat        Chat Completions definition: a {@code function} tool, {@code strict: false}
 * @param responses   Responses definition: a {@code function} tool, {@code strict: false}
 */
public record InjectedTool(String id, String server, String serverUrl, String name, ObjectNode anthropic, ObjectNode chat,
                           ObjectNode responses) {

    static final String PREFIX = "bmcp_";
    /** The providers' limit on tool names. */
    static final int MAX_ID_LENGTH = 64;

    public static String id(String server, String tool) {
        return PREFIX + server + "_" + tool;
    }

    /** The tool as listed by the server; the definitions keep its properties, required list and {@code $defs}. */
    static InjectedTool of(String server, String serverUrl, String name, String description, Map<String, Object> inputSchema) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        String id = id(server, name);
        String text = description == null ? "" : description;
        JsonNode schema = inputSchema == null ? f.objectNode() : Json.MAPPER.valueToTree(inputSchema);
        JsonNode properties = schema.get("properties");
        boolean hasProperties = properties != null && properties.isObject();
        ObjectNode parameters = f.objectNode().put("type", "object");
        parameters.set("properties", hasProperties ? properties : f.objectNode());
        JsonNode required = schema.get("required");
        if (required != null && required.isArray() && !required.isEmpty()) {
            parameters.set("required", required);
        }
        for (String defs : List.of("$defs", "definitions")) {
            if (schema.has(defs)) {
                parameters.set(defs, schema.get(defs));
            }
        }

        ObjectNode anthropic = f.objectNode().put("type", "custom").put("name", id).put("description", text);
        anthropic.set("input_schema", parameters);

        ObjectNode function = f.objectNode().put("name", id).put("strict", false).put("description", text);
        function.set("parameters", parameters);
        ObjectNode chat = f.objectNode().put("type", "function");
        chat.set("function", function);

        ObjectNode responses = f.objectNode().put("type", "function").put("name", id).put("strict", false).put("description", text);
        // the reference sends null parameters for a tool that takes none
        responses.set("parameters", hasProperties ? parameters : f.nullNode());
        return new InjectedTool(id, server, serverUrl, name, anthropic, chat, responses);
    }

    /** True when the id is a valid tool name for every provider ({@code [a-zA-Z0-9_-]{1,64}}). */
    static boolean validId(String id) {
        return id.length() <= MAX_ID_LENGTH && id.matches("[a-zA-Z0-9_-]+");
    }
}

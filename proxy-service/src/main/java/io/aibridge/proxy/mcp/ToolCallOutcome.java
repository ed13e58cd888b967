package io.aibridge.proxy.mcp;

import io.modelcontextprotocol.spec.McpSchema;

/**
 * What running one injected tool gave: the server's result, or why there is none.
 *
 * @param result the {@code tools/call} result (null when the call failed)
 * @param error  why the call failed (transport, protocol or timeout error; or the call was not run);
 *               null on success
 */
public record ToolCallOutcome(McpSchema.CallToolResult result, String error) {

    public static ToolCallOutcome failed(String error) {
        return new ToolCallOutcome(null, error);
    }

    /** The call did not complete. */
    public boolean failed() {
        return error != null;
    }

    /** The tool ran and reported an error itself ({@code isError: true}). */
    public boolean toolError() {
        return result != null && Boolean.TRUE.equals(result.isError());
    }

    /**
     * What is recorded as the invocation error: the failure, or the text the tool reported with
     * {@code isError: true}; null on success.
     */
    public String invocationError() {
        if (error != null) {
            return error;
        }
        if (!toolError()) {
            return null;
        }
        StringBuilder text = new StringBuilder();
        for (McpSchema.Content content : result.content()) {
            if (content instanceof McpSchema.TextContent t && t.text() != null) {
                if (!text.isEmpty()) {
                    text.append('\n');
                }
                text.append(t.text());
            }
        }
        return text.isEmpty() ? "the tool reported an error" : text.toString();
    }
}

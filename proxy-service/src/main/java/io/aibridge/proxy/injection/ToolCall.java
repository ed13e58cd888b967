package io.aibridge.proxy.injection;

/**
 * A tool call the model made in one upstream response.
 *
 * @param id        the provider's call id ({@code tool_use.id}, {@code tool_calls[].id}, {@code call_id})
 * @param name      the tool name the model used ({@code bmcp_...} for injected tools)
 * @param arguments the arguments as the model wrote them (JSON text)
 */
record ToolCall(String id, String name, String arguments) {
}

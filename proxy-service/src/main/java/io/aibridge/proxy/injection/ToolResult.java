package io.aibridge.proxy.injection;

import io.aibridge.proxy.mcp.ToolCallOutcome;

/** An injected call and what running it gave. */
record ToolResult(ToolCall call, ToolCallOutcome outcome) {
}

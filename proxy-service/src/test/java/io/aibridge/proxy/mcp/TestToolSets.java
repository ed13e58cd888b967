package io.aibridge.proxy.mcp;

import java.util.Arrays;
import java.util.Map;

/** Tool sets for unit tests of the tool loops: tools of one server, with no session behind them. */
public final class TestToolSets {

    private TestToolSets() {
    }

    /** The server's tools, injected as {@code bmcp_<server>_<tool>}, each taking one string {@code text}. */
    public static ToolSet of(String server, String... tools) {
        Map<String, Object> schema = Map.of("type", "object", "properties", Map.of("text", Map.of("type", "string")));
        return new ToolSet(Arrays.stream(tools)
                .map(t -> new ToolSet.Entry(InjectedTool.of(server, "http://mcp.invalid/" + server, t, "test tool " + t, schema), null))
                .toList());
    }
}

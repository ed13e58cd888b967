package io.aibridge.bench.proxy;

import io.aibridge.bench.load.LoadTarget;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The request of the proxy benchmarks: what Claude Code sends to Anthropic's Messages API on the
 * first turn of a task (a system prompt, tools, the user's prompt), answered by the fake provider's
 * {@code tool-call} scenario (text, then a streamed tool call: the common turn of an agentic loop)
 * after a fixed time to first byte, its SSE frames spaced like a model producing tokens. The same
 * bytes go to the fake provider directly and through the proxy; only the URL and the key differ.
 */
public final class ProviderRequests {

    static final String USER_AGENT = "claude-cli/2.0.1 (external, cli)";

    private ProviderRequests() {
    }

    /**
     * @param streaming {@code "stream": true}
     * @param padKb     extra kilobytes of system prompt (a real Claude Code request carries tens of KB
     *                  of system prompt and tool definitions); 0 for the bare request
     */
    public static byte[] body(boolean streaming, int padKb) {
        StringBuilder system = new StringBuilder("You are Claude Code, an agent that helps with software engineering tasks.");
        String filler = " Read the files before you change them; run the tests after every change; keep the diff small.";
        while (system.length() < padKb * 1024) {
            system.append(filler);
        }
        String json = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":8192,\"stream\":" + streaming + ","
                + "\"system\":[{\"type\":\"text\",\"text\":\"" + system + "\",\"cache_control\":{\"type\":\"ephemeral\"}}],"
                + "\"tools\":[{\"name\":\"get_weather\",\"description\":\"Get the current weather in a given location\","
                + "\"input_schema\":{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\"},"
                + "\"unit\":{\"type\":\"string\",\"enum\":[\"celsius\",\"fahrenheit\"]}},\"required\":[\"location\"]}},"
                + "{\"name\":\"Bash\",\"description\":\"Run a shell command\",\"input_schema\":{\"type\":\"object\","
                + "\"properties\":{\"command\":{\"type\":\"string\"}},\"required\":[\"command\"]}}],"
                + "\"metadata\":{\"user_id\":\"user_0f3a_account_5d1c_session_6b2e8f40-3a37-4c1e-9d4b-1f0c2a7e5b90\"},"
                + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What's the weather like in Paris?\"}]}]}";
        return json.getBytes(StandardCharsets.UTF_8);
    }

    /** Headers that make the fake provider answer like a model: fixed time to first byte, frames spaced out. */
    private static Map<String, String> common(int ttfbMs, int chunkDelayMs) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("anthropic-version", "2023-06-01");
        headers.put("User-Agent", USER_AGENT);
        headers.put("X-Fake-Scenario", "tool-call");
        headers.put("X-Fake-Ttfb-Ms", Integer.toString(ttfbMs));
        headers.put("X-Fake-Chunk-Delay-Ms", Integer.toString(chunkDelayMs));
        return headers;
    }

    /** Straight to the fake provider, as if the agent had Anthropic's URL. */
    public static LoadTarget direct(String fakeUrl, boolean streaming, int padKb, int ttfbMs, int chunkDelayMs) {
        Map<String, String> headers = common(ttfbMs, chunkDelayMs);
        headers.put("x-api-key", "bench-direct-key");
        return new LoadTarget("direct", fakeUrl + "/v1/messages", headers, body(streaming, padKb), null, null, 1, 0);
    }

    /**
     * Through the proxy with the bridge token, as Claude Code with {@code ANTHROPIC_BASE_URL} set. Each
     * request carries a Claude Code session id, spread over 100 sessions (100 agents at once).
     */
    public static LoadTarget proxied(String proxyUrl, String token, String run, boolean streaming, int padKb, int ttfbMs, int chunkDelayMs) {
        Map<String, String> headers = common(ttfbMs, chunkDelayMs);
        headers.put("x-api-key", token);
        return new LoadTarget("proxy", proxyUrl + "/api/v2/aibridge/anthropic/v1/messages", headers, body(streaming, padKb),
                "X-Claude-Code-Session-Id", "bench-" + run + "-", 100, 0);
    }
}

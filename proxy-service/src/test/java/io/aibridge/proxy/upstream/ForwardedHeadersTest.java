package io.aibridge.proxy.upstream;

import io.aibridge.proxy.route.ProviderType;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What the proxy forwards between client and provider, header by header. */
class ForwardedHeadersTest {

    private static final UpstreamCredential PROVIDER_KEY = UpstreamCredential.centralized(ProviderType.OPENAI, "sk-provider");

    @Test
    void theProviderGetsTheClientsEndToEndHeadersAndTheProviderKeyOnly() {
        MultiMap client = MultiMap.caseInsensitiveMultiMap()
                .add("Authorization", "Bearer bridge-token")
                .add("X-Api-Key", "bridge-token")
                .add("Coder-Session-Token", "bridge-token")
                .add("X-Coder-AI-Governance-Token", "bridge-token")
                .add("X-Coder-AI-Governance-Request-Id", "request-7")
                .add("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0")
                .add("Proxy-Connection", "keep-alive")
                .add("Keep-Alive", "timeout=5")
                .add("TE", "trailers")
                .add("Trailer", "X-Checksum")
                .add("Transfer-Encoding", "chunked")
                .add("Upgrade", "h2c")
                .add("Connection", "keep-alive, X-Hop-One")
                .add("Connection", "x-hop-two")
                .add("X-Hop-One", "dropped")
                .add("X-Hop-Two", "dropped")
                .add("Host", "aibridge.internal:8080")
                .add("Content-Length", "1234")
                .add("Accept-Encoding", "gzip, br")
                .add("Expect", "100-continue")
                .add("X-AI-Bridge-Actor-ID", "spoofed")
                .add("X-AIBridge-MCP-Token-github", "user-mcp-token")
                .add("Content-Type", "application/json")
                .add("Anthropic-Beta", "interleaved-thinking-2025-05-14")
                .add("OpenAI-Organization", "org-1")
                .add("User-Agent", "claude-cli/2.0.1")
                .add("X-Stainless-Lang", "java");

        MultiMap upstream = ForwardedHeaders.upstream(client, PROVIDER_KEY);

        assertThat(upstream.names()).containsExactlyInAnyOrder("Content-Type", "Anthropic-Beta", "OpenAI-Organization",
                "User-Agent", "X-Stainless-Lang", "Accept-Encoding", "Authorization");
        assertThat(upstream.getAll("Authorization")).containsExactly("Bearer sk-provider");
        assertThat(upstream.get("Accept-Encoding")).as("the proxy reads what it relays").isEqualTo("identity");
        assertThat(upstream.get("Anthropic-Beta")).isEqualTo("interleaved-thinking-2025-05-14");
        upstream.forEach(header -> assertThat(header.getValue()).doesNotContain("bridge-token").doesNotContain("user-mcp-token"));
    }

    @Test
    void anthropicsKeyGoesInItsOwnHeaderAndNoBridgeTokenHeaderRemains() {
        MultiMap client = MultiMap.caseInsensitiveMultiMap()
                .add("x-api-key", "bridge-token")
                .add("anthropic-version", "2023-06-01");

        MultiMap upstream = ForwardedHeaders.upstream(client,
                UpstreamCredential.centralized(ProviderType.ANTHROPIC, "sk-ant-provider"));

        assertThat(upstream.getAll("X-Api-Key")).containsExactly("sk-ant-provider");
        assertThat(upstream.get("Authorization")).isNull();
        assertThat(upstream.get("anthropic-version")).isEqualTo("2023-06-01");
    }

    @Test
    void theClientGetsTheProvidersEndToEndHeaders() {
        MultiMap provider = MultiMap.caseInsensitiveMultiMap()
                .add("Content-Type", "text/event-stream")
                .add("Content-Length", "512")
                .add("Connection", "keep-alive, X-Upstream-Hop")
                .add("X-Upstream-Hop", "dropped")
                .add("Keep-Alive", "timeout=5")
                .add("Transfer-Encoding", "chunked")
                .add("Proxy-Authenticate", "Basic")
                .add("Upgrade", "h2c")
                .add("Request-Id", "req_011")
                .add("Anthropic-Ratelimit-Requests-Remaining", "49")
                .add("Retry-After", "3")
                .add("Set-Cookie", "a=1")
                .add("Set-Cookie", "b=2");

        MultiMap kept = MultiMap.caseInsensitiveMultiMap();
        ForwardedHeaders.downstream(provider, kept, true);
        assertThat(kept.names()).containsExactlyInAnyOrder("Content-Type", "Content-Length", "Request-Id",
                "Anthropic-Ratelimit-Requests-Remaining", "Retry-After", "Set-Cookie");
        assertThat(kept.getAll("Set-Cookie")).containsExactly("a=1", "b=2");

        MultiMap rewritten = MultiMap.caseInsensitiveMultiMap();
        ForwardedHeaders.downstream(provider, rewritten, false);
        assertThat(rewritten.get("Content-Length")).as("the proxy changes the body: its length is its own").isNull();
        assertThat(rewritten.get("Request-Id")).isEqualTo("req_011");
    }
}

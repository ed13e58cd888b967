package io.aibridge.proxy.upstream;

import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which client headers reach the provider, and which provider headers reach the client.
 *
 * <p>Never forwarded upstream: the bridge token headers ({@code Authorization}, {@code X-Api-Key},
 * {@code Coder-Session-Token}), hop-by-hop headers, {@code Host}, {@code Content-Length}
 * (recomputed), {@code Accept-Encoding} (the proxy asks for {@code identity} so that it can read
 * the SSE it relays), client-sent {@code X-AI-Bridge-Actor-*} (they cannot be spoofed), and users'
 * MCP tokens ({@code X-AIBridge-MCP-Token-*}).
 */
public final class ForwardedHeaders {

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "te", "trailer", "trailers", "transfer-encoding", "upgrade", "proxy-connection");
    private static final Set<String> NOT_UPSTREAM = Set.of("authorization", "x-api-key", "coder-session-token",
            "x-coder-ai-governance-token", "x-coder-ai-governance-request-id", "host", "content-length",
            "accept-encoding", "expect");
    private static final String ACTOR_PREFIX = "x-ai-bridge-actor-";
    /** Users' own MCP tokens ({@code X-AIBridge-MCP-Token-<server>}): for the bridge only, never for the provider. */
    private static final String MCP_TOKEN_PREFIX = io.aibridge.proxy.mcp.McpServers.USER_TOKEN_HEADER_PREFIX.toLowerCase(Locale.ROOT);

    private ForwardedHeaders() {
    }

    /**
     * The upstream request's headers: the client's minus the removals, plus the provider key.
     * Names go in as {@link AsciiString}s, which keep their hash: this map, the client request's
     * and Netty's request headers each hash every name again, and hashing plain String names char
     * by char was 12 % of the proxy's CPU samples at 500 requests/s (coding agents send twenty
     * headers and more); 1 % with AsciiString names.
     */
    public static MultiMap upstream(MultiMap client, UpstreamCredential credential) {
        MultiMap out = MultiMap.caseInsensitiveMultiMap();
        Set<String> named = connectionTokens(client.getAll("connection"));
        client.forEach(h -> {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(name) && !NOT_UPSTREAM.contains(name) && !name.startsWith(ACTOR_PREFIX)
                    && !name.startsWith(MCP_TOKEN_PREFIX) && !named.contains(name)) {
                out.add(AsciiString.of(h.getKey()), h.getValue());
            }
        });
        out.set("Accept-Encoding", "identity");
        if (credential.header() != null) {
            out.set(credential.header(), credential.value());
        }
        return out;
    }

    /** Adds who is calling (with {@code AIBRIDGE_SEND_ACTOR_HEADERS}): the user id and the username. */
    public static void addActor(MultiMap upstream, io.aibridge.identity.Principal principal) {
        upstream.set("X-AI-Bridge-Actor-ID", principal.userId().toString());
        upstream.set("X-AI-Bridge-Actor-Metadata-Username", principal.username());
    }

    /** Copies the provider's response headers to the client response, minus hop-by-hop (and length when the body changes). */
    public static void downstream(MultiMap upstream, MultiMap client, boolean keepContentLength) {
        Set<String> named = connectionTokens(upstream.getAll("connection"));
        upstream.forEach(h -> {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(name) && !named.contains(name) && (keepContentLength || !name.equals("content-length"))) {
                client.add(h.getKey(), h.getValue());
            }
        });
    }

    /** The header names listed in every {@code Connection} header (RFC 9110 7.6.1: each is hop-by-hop). */
    private static Set<String> connectionTokens(List<String> connection) {
        if (connection.isEmpty()) {
            return Set.of();
        }
        java.util.HashSet<String> out = new java.util.HashSet<>();
        for (String header : connection) {
            for (String token : header.split(",")) {
                out.add(token.trim().toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }
}

package io.aibridge.proxy.upstream;

import io.aibridge.events.CredentialKind;
import io.aibridge.proxy.route.ProviderType;
import io.vertx.core.MultiMap;

/**
 * The secret the proxy sends upstream, and how: the company's configured key (centralized), or,
 * in bring-your-own-key mode, the caller's own provider credential.
 *
 * @param header the upstream header that carries it ({@code x-api-key} or {@code Authorization}); null when there is none
 * @param value  the header's value
 * @param secret the bare secret, for the masked hint only
 */
public record UpstreamCredential(String header, String value, String secret, CredentialKind kind) {

    /**
     * The header that carries the bridge token in BYOK mode (the reference's name, kept for client
     * compatibility); {@code Authorization} / {@code X-Api-Key} then carry the user's provider key.
     */
    public static final String GOVERNANCE_HEADER = "X-Coder-AI-Governance-Token";

    /** The configured key: {@code x-api-key} for Anthropic, {@code Authorization: Bearer} for OpenAI. */
    public static UpstreamCredential centralized(ProviderType provider, String key) {
        if (key == null || key.isEmpty()) {
            return new UpstreamCredential(null, null, null, CredentialKind.CENTRALIZED);
        }
        return provider == ProviderType.ANTHROPIC
                ? new UpstreamCredential("x-api-key", key, key, CredentialKind.CENTRALIZED)
                : new UpstreamCredential("Authorization", "Bearer " + key, key, CredentialKind.CENTRALIZED);
    }

    /**
     * AI Bridge's AWS credentials for a Bedrock instance: no header here (every request is signed
     * on its way out), the access key id for the hint.
     */
    public static UpstreamCredential aws(String accessKeyId) {
        return new UpstreamCredential(null, null, accessKeyId, CredentialKind.CENTRALIZED);
    }

    /**
     * BYOK: Anthropic takes the caller's {@code X-Api-Key}, else its {@code Authorization: Bearer}
     * (e.g. a Claude subscription token); OpenAI its {@code Authorization: Bearer}. Null without
     * either: the configured keys are used then (centralized).
     */
    public static UpstreamCredential byok(ProviderType provider, MultiMap client) {
        String apiKey = client.get("X-Api-Key");
        if (provider == ProviderType.ANTHROPIC && apiKey != null && !apiKey.isBlank()) {
            return new UpstreamCredential("x-api-key", apiKey.trim(), apiKey.trim(), CredentialKind.BYOK);
        }
        String bearer = bearer(client.get("Authorization"));
        if (bearer != null) {
            return new UpstreamCredential("Authorization", "Bearer " + bearer, bearer, CredentialKind.BYOK);
        }
        return null;
    }

    /** The masked form of the secret, e.g. {@code sk-a...wxyz}; empty when nothing is sent. */
    public String hint() {
        return CredentialHint.of(secret);
    }

    private static String bearer(String authorization) {
        if (authorization == null) {
            return null;
        }
        String[] parts = authorization.trim().split(" ");
        return parts.length == 2 && parts[0].equalsIgnoreCase("bearer") && !parts[1].isBlank() ? parts[1] : null;
    }

    @Override
    public String toString() {
        return "UpstreamCredential[" + kind + ", " + hint() + "]";
    }
}

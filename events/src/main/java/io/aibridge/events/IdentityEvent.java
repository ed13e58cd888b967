package io.aibridge.events;

/**
 * A change to users or API keys, published on the compacted {@link Topics#IDENTITY} topic keyed by
 * user id or API key id: the latest record per key is the current state of that user or key.
 * Secrets never travel; a key event carries only the SHA-256 hash of the key's secret.
 */
public sealed interface IdentityEvent extends Event permits UserUpserted, ApiKeyCreated, ApiKeyRevoked {
}

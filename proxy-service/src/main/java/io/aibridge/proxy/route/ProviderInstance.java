package io.aibridge.proxy.route;

import io.aibridge.proxy.bedrock.BedrockSettings;
import io.aibridge.proxy.upstream.ProviderKeys;

import java.util.List;

/**
 * One configured provider: its name (the route prefix and the {@code provider} label of metrics
 * and events, e.g. {@code anthropic-corp}), its type (the API it speaks), where it is and the keys
 * sent to it. No key ever appears in {@link #toString()}.
 *
 * @param keys    the provider keys, in the order they are tried; {@link ProviderKeys#NONE} when none is configured
 * @param bedrock for an {@code anthropic} instance that calls Claude on AWS Bedrock, how; else null
 */
public record ProviderInstance(String name, ProviderType type, String baseUrl, ProviderKeys keys, BedrockSettings bedrock) {

    /** An instance with one key, or none when {@code key} is null. */
    public ProviderInstance(String name, ProviderType type, String baseUrl, String key) {
        this(name, type, baseUrl, ProviderKeys.of(name, type, key == null ? List.of() : List.of(key)), null);
    }

    /** True when this instance calls Claude on AWS Bedrock. */
    public boolean isBedrock() {
        return bedrock != null;
    }

    /**
     * The path under {@link ProxyRoutes#BASE} that the instance's routes follow: {@code /<name>/v1}
     * for OpenAI (its SDKs' base URL includes the version), {@code /<name>} for Anthropic and
     * Copilot.
     */
    public String prefix() {
        return "/" + name + (type == ProviderType.OPENAI ? "/v1" : "");
    }

    /**
     * The metric and event label of a path after the prefix: the path after {@code /<name>}, as
     * the reference labels routes ({@code /v1/chat/completions} for OpenAI, {@code /v1/messages}
     * for Anthropic, {@code /chat/completions} for Copilot).
     */
    public String route(String pathAfterPrefix) {
        return type == ProviderType.OPENAI ? "/v1" + pathAfterPrefix : pathAfterPrefix;
    }

    /** The upstream URL: the base URL + the path after the prefix + the query. */
    public String url(String pathAfterPrefix, String query) {
        String path = pathAfterPrefix.startsWith("/") ? pathAfterPrefix.substring(1) : pathAfterPrefix;
        return (baseUrl.endsWith("/") ? baseUrl : baseUrl + "/") + path + (query == null || query.isEmpty() ? "" : "?" + query);
    }

    @Override
    public String toString() {
        if (bedrock != null) {
            return name + " (" + type.wireName() + ", " + bedrock + ")";
        }
        return name + " (" + type.wireName() + ", " + baseUrl + (type == ProviderType.COPILOT ? "" : keys.isEmpty() ? ", no key" : keys.size() > 1 ? ", " + keys : "") + ")";
    }
}

package io.aibridge.proxy.route;

/**
 * The recorded routes. {@code route} is the metric and event label (the path with the provider
 * prefix removed, as the reference does); {@code upstreamPath} is appended to the provider's base
 * URL (OpenAI's base URL includes {@code /v1}, Anthropic's does not).
 */
public enum BridgedRoute {
    ANTHROPIC_MESSAGES(ProviderType.ANTHROPIC, "/v1/messages", "v1/messages"),
    OPENAI_CHAT_COMPLETIONS(ProviderType.OPENAI, "/v1/chat/completions", "chat/completions"),
    OPENAI_RESPONSES(ProviderType.OPENAI, "/v1/responses", "responses");

    private final ProviderType provider;
    private final String route;
    private final String upstreamPath;
    /** The path after the instance's prefix: OpenAI's prefix holds the {@code /v1}. */
    private final String pathAfterPrefix;

    BridgedRoute(ProviderType provider, String route, String upstreamPath) {
        this.provider = provider;
        this.route = route;
        this.upstreamPath = upstreamPath;
        this.pathAfterPrefix = provider == ProviderType.OPENAI ? route.substring("/v1".length()) : route;
    }

    /**
     * The bridged route of a provider type at this path after the instance's prefix
     * ({@code /v1/messages} for Anthropic, {@code /chat/completions} or {@code /responses} for
     * OpenAI, whose prefix holds the {@code /v1}), or null.
     */
    public static BridgedRoute of(ProviderType provider, String pathAfterPrefix) {
        for (BridgedRoute r : values()) {
            if (r.provider == provider && pathAfterPrefix.equals(r.pathAfterPrefix)) {
                return r;
            }
        }
        return null;
    }

    public ProviderType provider() {
        return provider;
    }

    public String route() {
        return route;
    }

    public String upstreamPath() {
        return upstreamPath;
    }
}

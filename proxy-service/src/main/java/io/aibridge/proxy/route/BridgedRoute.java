package io.aibridge.proxy.route;

/**
 * The recorded routes, one per provider API. {@code pathAfterPrefix} follows an instance's prefix
 * ({@code /anthropic}, {@code /openai/v1}, {@code /copilot}); {@code upstreamPath} is appended to
 * the instance's base URL (OpenAI's base URL includes {@code /v1}, Anthropic's does not, and
 * Copilot's API has none).
 */
public enum BridgedRoute {
    ANTHROPIC_MESSAGES(ProviderType.ANTHROPIC, "/v1/messages", "v1/messages"),
    OPENAI_CHAT_COMPLETIONS(ProviderType.OPENAI, "/chat/completions", "chat/completions"),
    OPENAI_RESPONSES(ProviderType.OPENAI, "/responses", "responses");

    private final ProviderType api;
    private final String pathAfterPrefix;
    private final String upstreamPath;
    /** The label under an OpenAI-type prefix, which holds the {@code /v1}. */
    private final String openAiRoute;

    BridgedRoute(ProviderType api, String pathAfterPrefix, String upstreamPath) {
        this.api = api;
        this.pathAfterPrefix = pathAfterPrefix;
        this.upstreamPath = upstreamPath;
        this.openAiRoute = "/v1" + pathAfterPrefix;
    }

    /**
     * The bridged route of a provider type at this path after the instance's prefix
     * ({@code /v1/messages} for Anthropic, {@code /chat/completions} or {@code /responses} for
     * OpenAI, whose prefix holds the {@code /v1}, and for Copilot), or null.
     */
    public static BridgedRoute of(ProviderType provider, String pathAfterPrefix) {
        for (BridgedRoute r : values()) {
            if (r.api == provider.api() && pathAfterPrefix.equals(r.pathAfterPrefix)) {
                return r;
            }
        }
        return null;
    }

    /** The API: Anthropic's or OpenAI's (which Copilot speaks too). */
    public ProviderType provider() {
        return api;
    }

    public String pathAfterPrefix() {
        return pathAfterPrefix;
    }

    /**
     * The metric and event label of this route under an instance of {@code type}: the path after
     * {@code /<name>}, as {@link ProviderInstance#route(String)} gives it, without building it per request.
     */
    public String route(ProviderType type) {
        return type == ProviderType.OPENAI ? openAiRoute : pathAfterPrefix;
    }

    public String upstreamPath() {
        return upstreamPath;
    }
}

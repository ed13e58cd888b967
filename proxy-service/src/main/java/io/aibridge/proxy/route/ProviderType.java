package io.aibridge.proxy.route;

/** The provider types the proxy bridges; the name is the {@code provider} recorded on events. */
public enum ProviderType {
    ANTHROPIC("anthropic"),
    OPENAI("openai"),
    /**
     * GitHub Copilot: OpenAI's Chat Completions and Responses under {@code /<name>} (no
     * {@code /v1}), always with the caller's own Copilot token.
     */
    COPILOT("copilot");

    private final String wireName;

    ProviderType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** The API this type speaks, and so the shape of its bodies and errors: Copilot speaks OpenAI's. */
    public ProviderType api() {
        return this == COPILOT ? OPENAI : this;
    }
}

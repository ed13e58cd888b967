package io.aibridge.proxy.route;

/** The provider types the proxy bridges; the name is the {@code provider} recorded on events. */
public enum ProviderType {
    ANTHROPIC("anthropic"),
    OPENAI("openai");

    private final String wireName;

    ProviderType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}

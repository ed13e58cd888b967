package io.aibridge.testing.fake;

/** The three provider APIs the fake answers; the name is the fixture folder. */
public enum Api {
    ANTHROPIC_MESSAGES("anthropic-messages"),
    OPENAI_CHAT("openai-chat"),
    OPENAI_RESPONSES("openai-responses");

    private final String folder;

    Api(String folder) {
        this.folder = folder;
    }

    /** The folder under {@code fixtures/} that holds this API's scenarios. */
    public String folder() {
        return folder;
    }

    public static Api fromFolder(String folder) {
        for (Api api : values()) {
            if (api.folder.equals(folder)) {
                return api;
            }
        }
        throw new IllegalArgumentException("unknown API folder " + folder);
    }
}

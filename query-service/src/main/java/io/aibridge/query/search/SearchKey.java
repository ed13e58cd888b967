package io.aibridge.query.search;

import java.util.Arrays;
import java.util.Optional;

/** The filter keys of the list endpoints, each usable as a query parameter and as a {@code q} key. */
public enum SearchKey {
    INITIATOR("initiator", "user id, username or \"me\""),
    PROVIDER("provider", "provider type, e.g. anthropic, openai, copilot"),
    MODEL("model", "model name, exact"),
    CLIENT("client", "client name, e.g. \"Claude Code\"; Unknown matches interceptions without a detected client"),
    SESSION_ID("session_id", "session id"),
    STARTED_AFTER("started_after", "RFC 3339 time; interceptions started at or after it"),
    STARTED_BEFORE("started_before", "RFC 3339 time; interceptions started at or before it; must be after started_after");

    private final String wireName;
    private final String description;

    SearchKey(String wireName, String description) {
        this.wireName = wireName;
        this.description = description;
    }

    public String wireName() {
        return wireName;
    }

    public String description() {
        return description;
    }

    public static Optional<SearchKey> fromWire(String name) {
        return Arrays.stream(values()).filter(k -> k.wireName.equals(name)).findFirst();
    }
}

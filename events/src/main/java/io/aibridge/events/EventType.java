package io.aibridge.events;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every event type of the contract, with its CloudEvents {@code type}, Java type and topic.
 * The JSON Schema of a type is the resource {@link #schemaResource()}; a golden sample is
 * {@link #sampleResource()}.
 */
public enum EventType {
    INTERCEPTION_STARTED("io.aibridge.interception.started.v1", InterceptionStarted.class, Topics.INTERCEPTIONS),
    PROMPT_RECORDED("io.aibridge.interception.prompt.recorded.v1", PromptRecorded.class, Topics.INTERCEPTIONS),
    TOKEN_USAGE_RECORDED("io.aibridge.interception.token_usage.recorded.v1", TokenUsageRecorded.class, Topics.INTERCEPTIONS),
    TOOL_USAGE_RECORDED("io.aibridge.interception.tool_usage.recorded.v1", ToolUsageRecorded.class, Topics.INTERCEPTIONS),
    MODEL_THOUGHT_RECORDED("io.aibridge.interception.model_thought.recorded.v1", ModelThoughtRecorded.class, Topics.INTERCEPTIONS),
    INTERCEPTION_ENDED("io.aibridge.interception.ended.v1", InterceptionEnded.class, Topics.INTERCEPTIONS),
    USER_UPSERTED("io.aibridge.identity.user.upserted.v1", UserUpserted.class, Topics.IDENTITY),
    API_KEY_CREATED("io.aibridge.identity.api_key.created.v1", ApiKeyCreated.class, Topics.IDENTITY),
    API_KEY_REVOKED("io.aibridge.identity.api_key.revoked.v1", ApiKeyRevoked.class, Topics.IDENTITY);

    private static final String RESOURCES = "aibridge/events/";
    /**
     * A versioned type of ours: {@code io.aibridge.<name>.v<N>}, N a whole number without leading
     * zeros (up to nine digits, so that it fits an int).
     */
    private static final Pattern VERSIONED = Pattern.compile("(io\\.aibridge\\.[a-z0-9_]+(?:\\.[a-z0-9_]+)*)\\.v([1-9][0-9]{0,8})");

    private final String ceType;
    private final Class<? extends Event> javaType;
    private final String topic;

    EventType(String ceType, Class<? extends Event> javaType, String topic) {
        this.ceType = ceType;
        this.javaType = javaType;
        this.topic = topic;
    }

    /** The CloudEvents {@code type}, e.g. {@code io.aibridge.interception.started.v1}. */
    public String ceType() {
        return ceType;
    }

    public Class<? extends Event> javaType() {
        return javaType;
    }

    /** The topic events of this type are published on. */
    public String topic() {
        return topic;
    }

    /** Class-path resource of this type's JSON Schema (draft 2020-12). */
    public String schemaResource() {
        return RESOURCES + "schemas/" + ceType + ".schema.json";
    }

    /** Class-path resource of this type's golden sample: {@code {key, headers, data}}. */
    public String sampleResource() {
        return RESOURCES + "samples/" + ceType + ".json";
    }

    /** The type for a CloudEvents {@code type}, if it is one of ours. */
    public static Optional<EventType> fromCeType(String ceType) {
        for (EventType type : values()) {
            if (type.ceType.equals(ceType)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }

    /**
     * The type of ours that {@code ceType} is a later version of: the same
     * {@code io.aibridge.<name>.} with a higher {@code vN} than the latest version of it we know,
     * e.g. {@link #INTERCEPTION_STARTED} for {@code io.aibridge.interception.started.v2}. Empty for
     * a type we know, an earlier version, a name we do not know, or anything not shaped like our types.
     */
    public static Optional<EventType> earlierVersionOf(String ceType) {
        if (ceType == null) {
            return Optional.empty();
        }
        Matcher candidate = VERSIONED.matcher(ceType);
        if (!candidate.matches()) {
            return Optional.empty();
        }
        int version = Integer.parseInt(candidate.group(2));
        EventType latest = null;
        int latestVersion = 0;
        for (EventType type : values()) {
            Matcher known = VERSIONED.matcher(type.ceType);
            if (known.matches() && known.group(1).equals(candidate.group(1)) && Integer.parseInt(known.group(2)) > latestVersion) {
                latest = type;
                latestVersion = Integer.parseInt(known.group(2));
            }
        }
        return latest != null && version > latestVersion ? Optional.of(latest) : Optional.empty();
    }
}

package io.aibridge.events;

import java.util.Optional;

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
}

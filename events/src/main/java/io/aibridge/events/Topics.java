package io.aibridge.events;

/** Kafka topic names. A breaking change to an event type gets a new type version or topic version. */
public final class Topics {

    /** Every fact about interceptions; key = interception id. */
    public static final String INTERCEPTIONS = "aibridge.interceptions.v1";

    /** Users and API keys; compacted; key = user id or API key id. */
    public static final String IDENTITY = "aibridge.identity.v1";

    /** Records of {@link #INTERCEPTIONS} that can never be stored, with the reason in a header. */
    public static final String INTERCEPTIONS_DEAD_LETTER = "aibridge.interceptions.v1.dlq";

    /** Records of {@link #IDENTITY} that can never be stored, with the reason in a header. */
    public static final String IDENTITY_DEAD_LETTER = "aibridge.identity.v1.dlq";

    private Topics() {
    }
}

package io.aibridge.recorder.consumer;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A record that can never be stored, on its way to the dead-letter topic.
 *
 * @param record   the record exactly as consumed
 * @param reason   why, for people: goes into the {@code aibridge_dlq_reason} header
 * @param category why, for metrics: a small fixed set ({@code invalid_event}, {@code wrong_topic},
 *                 {@code unstorable}, {@code database_rejected})
 */
public record DeadLetter(ConsumerRecord<String, byte[]> record, String reason, String category) {

    public static final String INVALID_EVENT = "invalid_event";
    public static final String WRONG_TOPIC = "wrong_topic";
    public static final String UNSTORABLE = "unstorable";
    public static final String DATABASE_REJECTED = "database_rejected";
}

package io.aibridge.events;

import java.util.Map;

/**
 * An event ready for Kafka: topic, record key, CloudEvents headers (UTF-8 strings) and JSON body.
 */
public record EncodedEvent(String topic, String key, Map<String, String> headers, byte[] body) {
}

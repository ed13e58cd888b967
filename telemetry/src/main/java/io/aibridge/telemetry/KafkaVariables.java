package io.aibridge.telemetry;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * The environment variables behind a service's Kafka client settings ({@code kafka.<key>} is set
 * by {@code KAFKA_<KEY>}), so that a value Kafka refuses is reported under the name the operator
 * set, as every other setting is.
 */
public final class KafkaVariables {

    private KafkaVariables() {
    }

    /** {@code security.protocol} → {@code KAFKA_SECURITY_PROTOCOL}. */
    public static String of(String key) {
        return "KAFKA_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /**
     * The key among {@code keys} that a Kafka {@code ConfigException} message is about ("Invalid
     * value X for configuration security.protocol: ..."), if it names one.
     */
    public static Optional<String> refusedKey(String message, Collection<String> keys) {
        return keys.stream()
                .filter(key -> message.contains("configuration " + key + ":") || message.contains("configuration " + key + " ")
                        || message.endsWith("configuration " + key) || message.contains("\"" + key + "\""))
                .findFirst();
    }
}

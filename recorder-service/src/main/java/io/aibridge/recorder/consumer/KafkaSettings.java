package io.aibridge.recorder.consumer;

import io.aibridge.telemetry.KafkaVariables;
import org.apache.kafka.common.config.ConfigException;

import java.util.Map;
import java.util.function.Function;

/**
 * Kafka's own check of a client's settings, run at start: a value Kafka refuses (any
 * {@code KAFKA_*} variable, or one the recorder derives from its own settings) stops the service
 * with a message that names the variable. Without it the consumer, created again after every
 * failure, would log the refusal for ever while the health checks said UP and nothing was recorded.
 */
final class KafkaSettings {

    private KafkaSettings() {
    }

    /**
     * Parses {@code settings} by the client's own definition of them ({@code ConsumerConfig.configDef()}
     * and the like: each value's type and range), quietly and without connecting. The few checks a
     * client makes across settings when it is created are left to it; a consumer refused that way
     * stops for good ({@link BatchConsumer#failure()}).
     *
     * @param client    which client, for the message ("consumer aibridge-recorder-interceptions-0")
     * @param own       keys the recorder sets itself, with the variable each comes from; every other
     *                  key comes from a {@code kafka.*} property ({@code KAFKA_*} variable)
     * @throws IllegalStateException when Kafka refuses a value
     */
    static void check(String client, Map<String, Object> settings, Function<Map<String, Object>, ?> parse,
                      Map<String, String> own) {
        try {
            parse.apply(settings);
        } catch (ConfigException e) {
            throw refused(client, e, settings, own);
        }
    }

    /** The failure to report for Kafka's refusal, naming the variable behind the refused key when it can be told. */
    static IllegalStateException refused(String client, ConfigException e, Map<String, Object> settings,
                                         Map<String, String> own) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        String variable = KafkaVariables.refusedKey(message, settings.keySet()).map(key -> variable(key, own)).orElse(null);
        String named = variable != null ? variable + ": " : "the Kafka settings (KAFKA_* variables): ";
        return new IllegalStateException(named + "Kafka refuses the settings of " + client + ": " + message, e);
    }

    /** The variable a key comes from: the recorder's own, else {@code KAFKA_<KEY>} ({@code kafka.<key>}). */
    static String variable(String key, Map<String, String> own) {
        return own.getOrDefault(key, KafkaVariables.of(key));
    }
}

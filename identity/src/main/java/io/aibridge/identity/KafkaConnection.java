package io.aibridge.identity;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import io.aibridge.telemetry.KafkaVariables;
import org.apache.kafka.common.config.ConfigException;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How a service's Kafka clients reach the cluster: {@code bootstrap.servers} and the settings that
 * secure the connection ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}), which every
 * producer, consumer and admin client of the service must share. A cluster that takes TLS or SASL
 * only (Strimzi's TLS listener, Amazon MSK with SASL/SCRAM or mutual TLS, Confluent Cloud) is reached
 * by setting them once, as {@code KAFKA_SECURITY_PROTOCOL}, {@code KAFKA_SASL_MECHANISM},
 * {@code KAFKA_SASL_JAAS_CONFIG}, {@code KAFKA_SSL_TRUSTSTORE_LOCATION}... The clients' own tuning
 * (acks, batching, timeouts) is not part of it: each client keeps the settings it was designed with.
 *
 * <p>Only what the Kafka client itself ships is supported: SASL PLAIN and SCRAM, and TLS with or
 * without a client certificate. Amazon MSK's IAM authentication is not: it needs AWS's
 * {@code aws-msk-iam-auth} login module, which no service bundles. Nor is Quarkus' TLS registry
 * ({@code kafka.tls-configuration-name}, {@code KAFKA_TLS_CONFIGURATION_NAME}): it is not a Kafka
 * client setting, so it is not among these; the {@code ssl.*} settings ({@code KAFKA_SSL_*}) are.
 *
 * @param settings the connection settings by Kafka's names, {@code bootstrap.servers} among them
 */
public record KafkaConnection(Map<String, Object> settings) {

    public KafkaConnection {
        settings = Map.copyOf(settings);
        Objects.requireNonNull(settings.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG), "bootstrap.servers");
    }

    /** A plain connection to {@code bootstrapServers}, with the client's defaults (PLAINTEXT). */
    public static KafkaConnection plain(String bootstrapServers) {
        return new KafkaConnection(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    /**
     * The connection settings among a service's Kafka configuration (Quarkus' {@code kafka.*}
     * properties, environment variables {@code KAFKA_*} included, by Kafka's names).
     */
    public static KafkaConnection of(Map<String, ?> kafkaConfig) {
        Map<String, Object> settings = new TreeMap<>();
        kafkaConfig.forEach((key, value) -> {
            if (value != null && isConnectionSetting(key)) {
                settings.put(key, value);
            }
        });
        if (!settings.containsKey(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new IllegalArgumentException("kafka.bootstrap.servers (KAFKA_BOOTSTRAP_SERVERS) is not set");
        }
        check(settings);
        return new KafkaConnection(settings);
    }

    /**
     * Kafka's own check of the connection settings' values (types, ranges, the allowed protocols),
     * quietly and without connecting: a refused value stops the service at start, naming its
     * {@code KAFKA_*} variable, instead of every client failing to be created, and being created
     * again, for as long as the service runs.
     */
    private static void check(Map<String, Object> settings) {
        try {
            AdminClientConfig.configDef().parse(settings);
        } catch (ConfigException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            String variable = KafkaVariables.refusedKey(message, settings.keySet()).map(KafkaVariables::of)
                    .orElse("the Kafka connection settings (KAFKA_* variables)");
            throw new IllegalArgumentException(variable + ": Kafka refuses the value: " + message, e);
        }
    }

    /** Whether a Kafka client setting says where the cluster is or how the connection is secured. */
    static boolean isConnectionSetting(String key) {
        return key.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)
                || key.equals(CommonClientConfigs.CLIENT_DNS_LOOKUP_CONFIG)
                || key.equals(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG)
                || key.equals("security.providers")
                || key.startsWith("sasl.")
                || key.startsWith("ssl.");
    }

    public String bootstrapServers() {
        return settings.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG).toString();
    }

    /** Adds these settings to a client's configuration (over any it had). */
    public <M extends Map<? super String, Object>> M applyTo(M clientConfig) {
        clientConfig.putAll(settings);
        return clientConfig;
    }

    /** The settings with every secret ({@code sasl.jaas.config}, passwords, keys) left out, for a log line. */
    @Override
    public String toString() {
        Map<String, Object> shown = new TreeMap<>();
        settings.forEach((key, value) -> shown.put(key, key.contains("jaas") || key.contains("password") || key.endsWith(".key")
                || key.contains("secret") ? "(hidden)" : value));
        return "KafkaConnection" + shown;
    }
}

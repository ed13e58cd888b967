package io.aibridge.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * Quarkus test resource: a real Kafka broker that only talks SASL PLAIN ({@link KafkaBroker#startWithSaslPlain()}),
 * as a secured production cluster would. Sets {@code kafka.bootstrap.servers} and the client's
 * {@code kafka.security.protocol}, {@code kafka.sasl.mechanism} and {@code kafka.sasl.jaas.config},
 * the way {@code KAFKA_*} environment variables reach a service.
 */
public class SaslKafkaTestResource implements QuarkusTestResourceLifecycleManager {

    private KafkaBroker broker;

    @Override
    public Map<String, String> start() {
        broker = KafkaBroker.startWithSaslPlain();
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", broker.bootstrapServers());
        broker.clientSecurity().forEach((key, value) -> config.put("kafka." + key, value));
        return config;
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
        }
    }
}

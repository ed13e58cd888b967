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

    /**
     * A test-side client for the running application's secured broker (read when the test runs:
     * other test classes' applications have no such settings).
     */
    public static KafkaEvents client() {
        org.eclipse.microprofile.config.Config config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        Map<String, String> security = new HashMap<>();
        for (String key : new String[]{"security.protocol", "sasl.mechanism", "sasl.jaas.config"}) {
            security.put(key, config.getValue("kafka." + key, String.class));
        }
        return new KafkaEvents(config.getValue("kafka.bootstrap.servers", String.class), security);
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
        }
    }
}

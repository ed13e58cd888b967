package io.aibridge.proxy;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;

/** Points the proxy at a port where no broker listens: Kafka is down from the start. */
public class UnreachableKafkaTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return Map.of("kafka.bootstrap.servers", "127.0.0.1:" + port, "proxy.events.drain-timeout", "1s");
    }

    @Override
    public void stop() {
    }
}

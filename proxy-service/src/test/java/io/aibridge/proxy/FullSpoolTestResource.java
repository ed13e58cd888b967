package io.aibridge.proxy;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;

/** Kafka unreachable, and a small spool that refuses new interceptions when full (fail-closed). */
public class FullSpoolTestResource implements QuarkusTestResourceLifecycleManager {

    /** The spool's limit in these tests. */
    public static final int SPOOL_BYTES = 256 * 1024;

    @Override
    public Map<String, String> start() {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return Map.of("kafka.bootstrap.servers", "127.0.0.1:" + port,
                "proxy.events.drain-timeout", "1s",
                "proxy.spool.max-size", String.valueOf(SPOOL_BYTES),
                "proxy.spool.when-full", "fail-closed",
                "proxy.spool.after", "100ms");
    }

    @Override
    public void stop() {
    }
}

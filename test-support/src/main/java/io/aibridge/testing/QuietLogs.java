package io.aibridge.testing;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The in-JVM broker and embedded PostgreSQL log hundreds of INFO lines per start. Quarkus tests
 * set levels in application.properties; plain JUnit tests get them from here.
 */
public final class QuietLogs {

    /** Strong references: java.util.logging keeps loggers weakly, and a collected logger forgets its level. */
    private static final List<Logger> QUIETED = List.of("kafka", "org.apache.kafka", "state.change.logger",
            "io.zonky", "org.flywaydb").stream().map(Logger::getLogger).toList();

    private QuietLogs() {
    }

    static void apply() {
        QUIETED.forEach(logger -> logger.setLevel(Level.WARNING));
    }

    /**
     * For a process of its own (the local stack's fake provider and PostgreSQL launcher): JBoss
     * LogManager without a configuration has every level on, so the libraries (Netty and Vert.x
     * among them) build their debug and trace messages for nobody. INFO and above stay on.
     */
    public static void inProcessOfItsOwn() {
        Logger.getLogger("").setLevel(Level.INFO);
        apply();
    }
}

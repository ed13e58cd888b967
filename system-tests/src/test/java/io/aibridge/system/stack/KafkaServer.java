package io.aibridge.system.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one JVM) as a child process:
 * {@code kafka.Kafka} from {@code org.apache.kafka:kafka_2.13} at the root pom's Kafka version, with
 * a generated {@code server.properties} (the local stack's, {@code deploy/kafka/}), its data under
 * the run directory, and fixed ports chosen at random once, so that a restart comes back where the
 * clients expect it.
 */
public final class KafkaServer {

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final List<String> java;
    private final ChildProcess process;

    KafkaServer(Path dir, Path logs, int port, int controllerPort, List<String> javaWithClasspath, String marker) {
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.java = javaWithClasspath;
        List<String> command = new ArrayList<>(javaWithClasspath);
        command.addAll(List.of(marker, "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-Dlogging.configuration=file:" + dir.resolve("logging.properties"),
                "kafka.Kafka", dir.resolve("server.properties").toString()));
        this.process = new ChildProcess("kafka", command, Map.of(), logs.resolve("kafka.log"), dir);
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Writes the configuration and formats the data directory (once). */
    void format() {
        try {
            Files.createDirectories(dir.resolve("data"));
            Files.writeString(dir.resolve("server.properties"), String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=1",
                    "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    "log.dirs=" + dir.resolve("data"),
                    "num.partitions=1",
                    "auto.create.topics.enable=true",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=1",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "message.max.bytes=16777216",
                    "") + "\n", StandardCharsets.UTF_8);
            // the broker logs through SLF4J to JBoss LogManager here: warnings only
            Files.writeString(dir.resolve("logging.properties"), String.join("\n",
                    "logger.level=WARN",
                    "logger.handlers=CONSOLE",
                    "handler.CONSOLE=org.jboss.logmanager.handlers.ConsoleHandler",
                    "handler.CONSOLE.properties=autoFlush",
                    "handler.CONSOLE.autoFlush=true",
                    "handler.CONSOLE.formatter=PATTERN",
                    "formatter.PATTERN=org.jboss.logmanager.formatters.PatternFormatter",
                    "formatter.PATTERN.properties=pattern",
                    "formatter.PATTERN.pattern=%d{HH:mm:ss,SSS} %-5p [%c{1}] %s%e%n",
                    ""), StandardCharsets.UTF_8);
            List<String> format = new ArrayList<>(java);
            format.addAll(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                    "-Dlogging.configuration=file:" + dir.resolve("logging.properties"),
                    "kafka.tools.StorageTool", "format", "--ignore-formatted",
                    // one id in 64 starts with '-': in the separate-argument form it would be taken for an option
                    "--cluster-id=" + clusterId(),
                    "-c", dir.resolve("server.properties").toString()));
            Process p = new ProcessBuilder(format).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("could not format the Kafka data directory:\n" + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A KRaft cluster id: 16 random bytes in URL-safe base64 without padding. */
    private static String clusterId() {
        UUID u = UUID.randomUUID();
        ByteBuffer b = ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    /** Starts the broker on its ports and data, and waits until it accepts connections. */
    public void start() {
        process.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!listening()) {
            if (!process.alive()) {
                throw new IllegalStateException("Kafka exited during start:\n" + process.tail(40));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Kafka did not listen on " + port + " within 90 s:\n" + process.tail(40));
            }
            sleep(100);
        }
    }

    /** A graceful stop (SIGTERM); the data stays for {@link #start()}. */
    public void stop() {
        process.stop(Duration.ofSeconds(30));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (listening() && System.nanoTime() < deadline) {
            sleep(100);
        }
    }

    public boolean running() {
        return process.alive();
    }

    public ChildProcess process() {
        return process;
    }

    private boolean listening() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

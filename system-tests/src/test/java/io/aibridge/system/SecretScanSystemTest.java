package io.aibridge.system;

import io.aibridge.system.stack.StackExtension;
import io.aibridge.system.stack.SystemStack;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Last, after every fault and the bad-input corpus: no bridge token, provider key or authorization
 * header value of this run appears in any Kafka record (key, value, headers, every topic), any
 * database row (every table), or any log line any process wrote (every incarnation), nor in the
 * proxy's spool. The secrets are random per run, so a single hit is a leak.
 */
@Order(100)
@ExtendWith(StackExtension.class)
class SecretScanSystemTest {

    @Test
    void noTokenOrProviderKeyAppearsInAnyRecordRowOrLogLine(SystemStack stack) throws Exception {
        Map<String, String> secrets = secrets(stack);
        assertThat(secrets.keySet()).as("tokens created during the run").hasSizeGreaterThan(5);
        List<String> leaks = new ArrayList<>();
        long records = scanKafka(stack, secrets, leaks);
        long rows = scanDatabase(stack, secrets, leaks);
        long files = scanFiles(stack.logs(), secrets, leaks) + scanFiles(stack.run().resolve("proxy-spool"), secrets, leaks);
        SystemStack.log("secret scan: %d secrets looked for in %d Kafka records, %d database rows and %d files: %d found",
                secrets.size(), records, rows, files, leaks.size());
        assertThat(records).as("Kafka records scanned").isPositive();
        assertThat(rows).as("database rows scanned").isPositive();
        assertThat(leaks).as("secrets found").isEmpty();
    }

    /** Each secret (and, for bridge keys, its secret part alone), with a name that does not reveal it. */
    private static Map<String, String> secrets(SystemStack stack) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put(stack.bootstrapToken, "the bootstrap token");
        out.put(stack.openAiKey, "the OpenAI key");
        out.put(stack.anthropicKey, "the Anthropic key");
        int n = 0;
        for (String token : stack.api().createdTokens()) {
            n++;
            out.put(token, "user key #" + n);
            // aib_<id>_<secret>: the id has no '_', the URL-safe base64 secret may hold some
            int cut = token.indexOf('_', "aib_".length());
            if (cut > 0) {
                out.put(token.substring(cut + 1), "the secret part of user key #" + n);
            }
        }
        return out;
    }

    private static void check(String where, String text, Map<String, String> secrets, List<String> leaks) {
        secrets.forEach((secret, name) -> {
            if (text.contains(secret)) {
                leaks.add(name + " in " + where);
            }
        });
    }

    private static long scanKafka(SystemStack stack, Map<String, String> secrets, List<String> leaks) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers());
        Set<String> topics;
        try (Admin admin = Admin.create(p)) {
            topics = admin.listTopics().names().get();
        }
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        long count = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            // internal topics (__consumer_offsets) included: offsets metadata must not carry a secret either
            for (String topic : topics) {
                consumer.partitionsFor(topic, Duration.ofSeconds(30)).forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read every Kafka record within 120 s");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    count++;
                    String where = "Kafka record " + r.topic() + "-" + r.partition() + "@" + r.offset();
                    StringBuilder text = new StringBuilder();
                    if (r.key() != null) {
                        text.append(new String(r.key(), StandardCharsets.UTF_8)).append('\n');
                    }
                    if (r.value() != null) {
                        text.append(new String(r.value(), StandardCharsets.UTF_8)).append('\n');
                    }
                    for (Header h : r.headers()) {
                        text.append(h.key()).append('=').append(h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8)).append('\n');
                    }
                    check(where, text.toString(), secrets, leaks);
                }
            }
        }
        return count;
    }

    private static long scanDatabase(SystemStack stack, Map<String, String> secrets, List<String> leaks) throws Exception {
        long rows = 0;
        try (Connection c = stack.database().connect(); Statement s = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet t = s.executeQuery("SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables"
                    + " WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')")) {
                while (t.next()) {
                    tables.add(t.getString(1));
                }
            }
            assertThat(tables).as("tables in the database").isNotEmpty();
            for (String table : tables) {
                try (ResultSet r = s.executeQuery("SELECT t::text FROM " + table + " t")) {
                    while (r.next()) {
                        rows++;
                        check("a row of " + table, r.getString(1), secrets, leaks);
                    }
                }
            }
        }
        return rows;
    }

    private static long scanFiles(Path dir, Map<String, String> secrets, List<String> leaks) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        Set<Path> files = new LinkedHashSet<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(Files::isRegularFile).forEach(files::add);
        }
        for (Path f : files) {
            String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            check(f.getFileName().toString(), text, secrets, leaks);
        }
        return files.size();
    }
}

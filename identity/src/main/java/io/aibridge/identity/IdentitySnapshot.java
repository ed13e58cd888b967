package io.aibridge.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A copy on disk of the identity topic as compaction leaves it (the last record of every user and
 * key, in topic order), so that a service restarted while Kafka is down still knows the keys it
 * knew. It holds what the topic holds: ids, names, roles and key hashes, never a token.
 *
 * <p>{@code validAt} is the last moment the copy was known to be current: the writer refreshes it
 * while it follows the topic. Nobody can revoke a key while Kafka is down (revocations go through
 * the topic), so what a copy can miss is what changed while its service was not running; a copy
 * older than {@code maxAge} is therefore not used. The file is replaced atomically (written
 * beside it, forced, renamed): a crash leaves the old copy or the new one, never half of one.
 */
public final class IdentitySnapshot {

    private static final Logger LOG = Logger.getLogger(IdentitySnapshot.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FORMAT = 1;

    /** One record of the topic: its key, offset, CloudEvents headers and body. */
    public record Entry(String key, long offset, Map<String, String> headers, byte[] value) {
        public Entry {
            headers = Map.copyOf(headers);
        }
    }

    /** What was read: the entries in topic order and when they were last known current. */
    public record Contents(Instant validAt, List<Entry> entries) {
    }

    private final Path file;
    private final Duration maxAge;

    /**
     * @param file   where the copy lives (its directory must exist and be writable)
     * @param maxAge the oldest copy that is still used
     */
    public IdentitySnapshot(Path file, Duration maxAge) {
        this.file = file;
        this.maxAge = maxAge;
    }

    public Path file() {
        return file;
    }

    /** Replaces the copy with {@code entries}, current at {@code validAt}. */
    public void write(Collection<Entry> entries, Instant validAt) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("valid_at", validAt.toString());
        ArrayNode records = root.putArray("records");
        for (Entry e : entries) {
            ObjectNode r = records.addObject();
            r.put("key", e.key());
            r.put("offset", e.offset());
            ObjectNode headers = r.putObject("headers");
            e.headers().forEach(headers::put);
            r.put("value", Base64.getEncoder().encodeToString(e.value()));
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(JSON.writeValueAsBytes(root)));
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * The copy, if there is one that can be used at {@code now}: missing, unreadable or older than
     * the maximum age is empty (the last two are logged).
     */
    public Optional<Contents> read(Instant now) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.warnf("identity snapshot %s cannot be read (%s); not used", file, e.getMessage());
            return Optional.empty();
        }
        try {
            if (root.path("format").asInt() != FORMAT) {
                LOG.warnf("identity snapshot %s has format %s, not %d; not used", file, root.path("format"), FORMAT);
                return Optional.empty();
            }
            Instant validAt = Instant.parse(root.path("valid_at").asText());
            if (validAt.plus(maxAge).isBefore(now)) {
                LOG.warnf("identity snapshot %s was last current at %s, more than %s ago; not used", file, validAt, maxAge);
                return Optional.empty();
            }
            List<Entry> entries = new ArrayList<>();
            for (JsonNode r : root.path("records")) {
                Map<String, String> headers = new LinkedHashMap<>();
                r.path("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), h.getValue().asText()));
                entries.add(new Entry(r.path("key").asText(), r.path("offset").asLong(), headers,
                        Base64.getDecoder().decode(r.path("value").asText())));
            }
            return Optional.of(new Contents(validAt, entries));
        } catch (RuntimeException e) {
            LOG.warnf("identity snapshot %s is damaged (%s); not used", file, e.toString());
            return Optional.empty();
        }
    }
}

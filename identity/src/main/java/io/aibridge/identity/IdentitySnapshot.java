package io.aibridge.identity;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import org.jboss.logging.Logger;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

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
    private static final JsonFactory JSON = new JsonFactory();
    private static final int FORMAT = 1;
    private static final int WRITE_BUFFER = 64 * 1024;

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
    private final AtomicInteger writes = new AtomicInteger();

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

    /** The oldest copy that is still used. */
    public Duration maxAge() {
        return maxAge;
    }

    /**
     * Replaces the copy with {@code entries} (in the order given), current at {@code validAt}. The
     * records are written one by one through a small buffer: the memory it takes does not grow with
     * the number of users and keys.
     */
    public void write(Iterable<Entry> entries, Instant validAt) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), WRITE_BUFFER);
            try (JsonGenerator json = JSON.createGenerator(out).disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)) {
                json.writeStartObject();
                json.writeNumberField("format", FORMAT);
                json.writeStringField("valid_at", validAt.toString());
                json.writeArrayFieldStart("records");
                for (Entry e : entries) {
                    json.writeStartObject();
                    json.writeStringField("key", e.key());
                    json.writeNumberField("offset", e.offset());
                    json.writeObjectFieldStart("headers");
                    for (Map.Entry<String, String> h : e.headers().entrySet()) {
                        json.writeStringField(h.getKey(), h.getValue());
                    }
                    json.writeEndObject();
                    json.writeFieldName("value");
                    json.writeBinary(Base64Variants.MIME_NO_LINEFEEDS, e.value(), 0, e.value().length); // = Base64.getEncoder()
                    json.writeEndObject();
                }
                json.writeEndArray();
                json.writeEndObject();
            } // closing the generator flushes it into out; the channel stays open to be forced
            out.flush();
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        writes.incrementAndGet();
    }

    /** How many times this copy has been replaced since it was made (tests count the writes with it). */
    int writes() {
        return writes.get();
    }

    /**
     * The copy, if there is one that can be used at {@code now}: missing, unreadable or older than
     * the maximum age is empty (the last two are logged). Read record by record, as it was written:
     * only the entries are kept, never the file or a tree of it.
     */
    public Optional<Contents> read(Instant now) {
        try (InputStream in = Files.newInputStream(file); JsonParser json = JSON.createParser(in)) {
            return read(json, now);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (JsonProcessingException | RuntimeException e) {
            LOG.warnf("identity snapshot %s is damaged (%s); not used", file, e.toString());
            return Optional.empty();
        } catch (IOException e) {
            LOG.warnf("identity snapshot %s cannot be read (%s); not used", file, e.getMessage());
            return Optional.empty();
        }
    }

    /** Fields in any order; the writer puts {@code format} and {@code valid_at} first, so that a copy not used is not read further. */
    private Optional<Contents> read(JsonParser json, Instant now) throws IOException {
        expect(json.nextToken(), JsonToken.START_OBJECT, json);
        Integer format = null;
        Instant validAt = null;
        List<Entry> entries = null;
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String field = json.currentName();
            JsonToken value = json.nextToken();
            switch (field) {
                case "format" -> {
                    format = value == JsonToken.VALUE_NUMBER_INT ? json.getIntValue() : -1;
                    if (format != FORMAT) {
                        LOG.warnf("identity snapshot %s has format %s, not %d; not used", file, json.getText(), FORMAT);
                        return Optional.empty();
                    }
                }
                case "valid_at" -> {
                    validAt = Instant.parse(json.getValueAsString(""));
                    if (validAt.plus(maxAge).isBefore(now)) {
                        LOG.warnf("identity snapshot %s was last current at %s, more than %s ago; not used", file, validAt, maxAge);
                        return Optional.empty();
                    }
                }
                case "records" -> entries = readEntries(json);
                default -> json.skipChildren();
            }
        }
        expect(json.currentToken(), JsonToken.END_OBJECT, json);
        if (format == null || validAt == null) {
            throw new JsonParseException(json, "no " + (format == null ? "format" : "valid_at"));
        }
        return Optional.of(new Contents(validAt, entries == null ? List.of() : entries));
    }

    private static List<Entry> readEntries(JsonParser json) throws IOException {
        expect(json.currentToken(), JsonToken.START_ARRAY, json);
        List<Entry> entries = new ArrayList<>();
        while (json.nextToken() == JsonToken.START_OBJECT) {
            String key = "";
            long offset = 0;
            Map<String, String> headers = new LinkedHashMap<>();
            byte[] value = new byte[0];
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                JsonToken token = json.nextToken();
                switch (field) {
                    case "key" -> key = json.getValueAsString("");
                    case "offset" -> offset = json.getValueAsLong(0);
                    case "headers" -> {
                        expect(token, JsonToken.START_OBJECT, json);
                        while (json.nextToken() == JsonToken.FIELD_NAME) {
                            String name = json.currentName();
                            if (!json.nextToken().isScalarValue()) {
                                throw new JsonParseException(json, "header " + name + " is not text");
                            }
                            headers.put(name, json.getText());
                        }
                    }
                    case "value" -> {
                        expect(token, JsonToken.VALUE_STRING, json);
                        value = json.getBinaryValue(Base64Variants.MIME_NO_LINEFEEDS);
                    }
                    default -> json.skipChildren();
                }
            }
            expect(json.currentToken(), JsonToken.END_OBJECT, json);
            entries.add(new Entry(key, offset, headers, value));
        }
        expect(json.currentToken(), JsonToken.END_ARRAY, json);
        return entries;
    }

    private static void expect(JsonToken actual, JsonToken expected, JsonParser json) throws JsonParseException {
        if (actual != expected) {
            throw new JsonParseException(json, "expected " + expected + ", found " + actual);
        }
    }
}

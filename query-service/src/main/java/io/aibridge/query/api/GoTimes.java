package io.aibridge.query.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;

/**
 * Writes every time in a response as the reference API does: Go's {@code time.RFC3339Nano}, in UTC,
 * with the fraction's trailing zeros dropped and no fraction at all on a whole second
 * ({@code 2026-03-02T11:00:00.1Z}, {@code 2026-03-02T11:00:00Z}). Jackson's default keeps the
 * zeros in groups of three ({@code .100Z}), which differs as a string from what clients of the
 * reference compare, store or parse with fixed layouts.
 */
@Singleton
public class GoTimes implements ObjectMapperCustomizer {

    /** As many fraction digits as the instant needs, none when it is zero; {@code Z} for UTC. */
    public static final DateTimeFormatter RFC_3339_NANO = new DateTimeFormatterBuilder().appendInstant(-1).toFormatter();

    /** Last, after Quarkus has registered Jackson's Java time module: the serializer registered last wins. */
    @Override
    public int priority() {
        return MINIMUM_PRIORITY;
    }

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.registerModule(new SimpleModule("go-times").addSerializer(Instant.class, new InstantSerializer()));
    }

    private static final class InstantSerializer extends StdSerializer<Instant> {

        InstantSerializer() {
            super(Instant.class);
        }

        @Override
        public void serialize(Instant value, JsonGenerator json, SerializerProvider provider) throws IOException {
            json.writeString(RFC_3339_NANO.format(value));
        }
    }
}

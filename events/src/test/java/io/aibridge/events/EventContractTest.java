package io.aibridge.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The build's guard on the public contract: every golden sample matches its JSON Schema, reads
 * into the Java type and writes back byte-for-byte the same JSON; the schemas and the Java types
 * name exactly the same fields; and what the Java types write always satisfies the schemas.
 * Renaming, removing or retyping a field breaks one of these.
 */
class EventContractTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final SchemaValidatorsConfig STRICT_FORMATS = SchemaValidatorsConfig.builder()
            .formatAssertionsEnabled(true).build();

    @ParameterizedTest
    @EnumSource(EventType.class)
    void goldenSampleMatchesItsSchema(EventType type) {
        assertThat(schema(type).validate(sample(type).get("data"))).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void goldenSampleRoundTripsThroughTheJavaType(EventType type) throws Exception {
        JsonNode sample = sample(type);
        Map<String, String> headers = JSON.convertValue(sample.get("headers"), JSON.getTypeFactory()
                .constructMapType(Map.class, String.class, String.class));
        EventCodec codec = new EventCodec(headers.get(CloudEventHeaders.SOURCE));

        Event event = codec.decode(headers::get, JSON.writeValueAsBytes(sample.get("data")));
        assertThat(event).isInstanceOf(type.javaType());
        assertThat(event.type()).isEqualTo(type);

        EncodedEvent encoded = codec.encode(event);
        assertThat(encoded.topic()).isEqualTo(type.topic());
        assertThat(encoded.key()).isEqualTo(sample.get("key").asText());
        assertThat(encoded.headers()).isEqualTo(headers);
        assertThat(JSON.readTree(encoded.body())).isEqualTo(sample.get("data"));
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void schemaNamesExactlyTheFieldsOfTheJavaType(EventType type) {
        Set<String> javaFields = Arrays.stream(type.javaType().getRecordComponents())
                .map(RecordComponent::getName)
                .map(name -> new PropertyNamingStrategies.SnakeCaseStrategy().translate(name))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> schemaFields = new TreeSet<>();
        schemaJson(type).get("properties").fieldNames().forEachRemaining(schemaFields::add);
        assertThat(schemaFields).isEqualTo(javaFields);
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void javaTypeNeverWritesWhatTheSchemaRejects(EventType type) throws Exception {
        EventCodec codec = new EventCodec("/test");
        Event minimal = codec.decode(type, JSON.writeValueAsBytes(requiredOnly(type)));
        assertThat(schema(type).validate(JSON.readTree(codec.encode(minimal).body()))).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void aMissingRequiredFieldIsRejectedOrFilledWithAValidDefault(EventType type) throws Exception {
        EventCodec codec = new EventCodec("/test");
        for (JsonNode required : schemaJson(type).get("required")) {
            ObjectNode data = (ObjectNode) sample(type).get("data").deepCopy();
            data.remove(required.asText());
            Throwable failure = catchThrowable(() -> codec.decode(type, JSON.writeValueAsBytes(data)));
            if (failure == null) {
                JsonNode written = JSON.readTree(codec.encode(codec.decode(type, JSON.writeValueAsBytes(data))).body());
                assertThat(written.has(required.asText()))
                        .as("%s without %s must be rejected or defaulted", type, required.asText()).isTrue();
                assertThat(schema(type).validate(written)).isEmpty();
            } else {
                assertThat(failure).isInstanceOf(InvalidEventException.class).hasMessageContaining(required.asText());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void everyTypeHasAUniqueVersionedCloudEventsType(EventType type) {
        assertThat(type.ceType()).startsWith("io.aibridge.").endsWith(".v1");
        assertThat(EventType.fromCeType(type.ceType())).contains(type);
    }

    @Test
    void recordsWithoutCloudEventsHeadersAreRejectedWithAReason() throws Exception {
        EventCodec codec = new EventCodec("/test");
        byte[] body = JSON.writeValueAsBytes(sample(EventType.INTERCEPTION_ENDED).get("data"));
        Map<String, String> headers = new HashMap<>();
        assertThatThrownBy(() -> codec.decode(headers::get, body)).hasMessageContaining("ce_specversion is missing");
        headers.put(CloudEventHeaders.SPEC_VERSION, "1.0");
        headers.put(CloudEventHeaders.TYPE, "io.aibridge.interception.exploded.v1");
        assertThatThrownBy(() -> codec.decode(headers::get, body)).hasMessageContaining("unknown ce_type");
        headers.put(CloudEventHeaders.TYPE, EventType.INTERCEPTION_ENDED.ceType());
        headers.put(CloudEventHeaders.ID, UUID.randomUUID().toString());
        assertThatThrownBy(() -> codec.decode(headers::get, body)).hasMessageContaining("does not match");
        assertThatThrownBy(() -> codec.decode(EventType.INTERCEPTION_ENDED, "not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidEventException.class);
        assertThatThrownBy(() -> codec.decode(EventType.INTERCEPTION_ENDED, "[1,2]".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("not a JSON object");
        byte[] withTrailingGarbage = (new String(body, StandardCharsets.UTF_8) + " {}").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> codec.decode(EventType.INTERCEPTION_ENDED, withTrailingGarbage))
                .isInstanceOf(InvalidEventException.class);
    }

    @Test
    void unknownExtraFieldsAreIgnoredAsTheCompatibilityRulesAllow() throws Exception {
        ObjectNode data = (ObjectNode) sample(EventType.TOKEN_USAGE_RECORDED).get("data").deepCopy();
        data.put("a_field_added_in_a_later_version", 42);
        Event event = new EventCodec("/test").decode(EventType.TOKEN_USAGE_RECORDED, JSON.writeValueAsBytes(data));
        assertThat(((TokenUsageRecorded) event).outputTokens()).isEqualTo(417);
    }

    @Test
    void timesAreCutToMicrosecondsAndSessionIdsTo256Characters() {
        InterceptionStarted started = new InterceptionStarted(UUID.randomUUID(), UUID.randomUUID(),
                Instant.parse("2026-11-28T10:00:00.123456789Z"), UUID.randomUUID(), "bob", "key", "openai", null,
                null, null, "  " + "s".repeat(300) + "  ", null, null, null, null, false, "/v1/responses", null);
        assertThat(started.startedAt()).isEqualTo(Instant.parse("2026-11-28T10:00:00.123456Z"));
        assertThat(started.clientSessionId()).hasSize(256);
        assertThat(started.providerName()).isEqualTo("openai");
        assertThat(started.client()).isEqualTo("Unknown");
        assertThat(started.credentialKind()).isEqualTo(CredentialKind.CENTRALIZED);
    }

    @Test
    void aSecretCannotBeSentAsTheCredentialHint() {
        assertThatThrownBy(() -> new InterceptionStarted(UUID.randomUUID(), UUID.randomUUID(), Instant.now(),
                UUID.randomUUID(), "bob", "key", "openai", null, "gpt-5", null, null, null, null,
                CredentialKind.CENTRALIZED, "sk-proj-abcdefghijklmnopqrstuvwxyz", false, "/v1/responses", null))
                .hasMessageContaining("credential_hint");
    }

    /** The sample's data with only the schema's required fields. */
    private static ObjectNode requiredOnly(EventType type) {
        ObjectNode data = (ObjectNode) sample(type).get("data").deepCopy();
        Set<String> required = new TreeSet<>();
        schemaJson(type).get("required").forEach(field -> required.add(field.asText()));
        for (Iterator<String> names = data.fieldNames(); names.hasNext(); ) {
            if (!required.contains(names.next())) {
                names.remove();
            }
        }
        return data;
    }

    private static JsonSchema schema(EventType type) {
        return SCHEMAS.getSchema(schemaJson(type), STRICT_FORMATS);
    }

    private static JsonNode schemaJson(EventType type) {
        return read(type.schemaResource());
    }

    private static JsonNode sample(EventType type) {
        return read(type.sampleResource());
    }

    private static JsonNode read(String resource) {
        try (InputStream in = EventContractTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as("resource %s", resource).isNotNull();
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.aibridge.events;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A later version of a known type is told apart from any other unknown type, so that consumers can skip it. */
class EventVersionTest {

    @Test
    void aHigherVersionOfAKnownNameIsANewerVersionOfIt() {
        assertThat(EventType.earlierVersionOf("io.aibridge.interception.started.v2")).contains(EventType.INTERCEPTION_STARTED);
        assertThat(EventType.earlierVersionOf("io.aibridge.identity.api_key.revoked.v17")).contains(EventType.API_KEY_REVOKED);
    }

    @Test
    void knownTypesUnknownNamesAndOddShapesAreNotNewerVersions() {
        assertThat(EventType.earlierVersionOf("io.aibridge.interception.started.v1")).isEmpty();
        assertThat(EventType.earlierVersionOf("io.aibridge.interception.started.v0")).isEmpty();
        assertThat(EventType.earlierVersionOf("io.aibridge.interception.started.v02")).isEmpty();
        assertThat(EventType.earlierVersionOf("io.aibridge.interception.started.v99999999999")).isEmpty();
        assertThat(EventType.earlierVersionOf("io.aibridge.interception.started")).isEmpty();
        assertThat(EventType.earlierVersionOf("io.aibridge.bogus.v1")).isEmpty();
        assertThat(EventType.earlierVersionOf("io.aibridge.bogus.v2")).isEmpty();
        assertThat(EventType.earlierVersionOf("com.example.interception.started.v2")).isEmpty();
        assertThat(EventType.earlierVersionOf("io.aibridge.interception.started.v2.extra")).isEmpty();
        assertThat(EventType.earlierVersionOf(null)).isEmpty();
    }

    @Test
    void theCodecSaysWhichKindOfUnknownTypeARecordHas() {
        EventCodec codec = new EventCodec("/aibridge/tests");
        InterceptionStarted sample = (InterceptionStarted) sample(codec, EventType.INTERCEPTION_STARTED);
        EncodedEvent encoded = codec.encode(sample);

        assertThatThrownBy(() -> codec.decode(with(encoded, "io.aibridge.interception.started.v2")::get, encoded.body()))
                .isInstanceOfSatisfying(NewerEventVersionException.class, e -> {
                    assertThat(e.knownVersion()).isEqualTo(EventType.INTERCEPTION_STARTED);
                    assertThat(e.ceType()).isEqualTo("io.aibridge.interception.started.v2");
                    assertThat(e.getMessage()).isEqualTo("unknown ce_type 'io.aibridge.interception.started.v2', "
                            + "a newer version of io.aibridge.interception.started.v1");
                });
        assertThatThrownBy(() -> codec.decode(with(encoded, "io.aibridge.bogus.v1")::get, encoded.body()))
                .isExactlyInstanceOf(UnknownEventTypeException.class).hasMessage("unknown ce_type 'io.aibridge.bogus.v1'");
        // the envelope is checked first: a newer version without a CloudEvents version is malformed
        Map<String, String> noSpec = with(encoded, "io.aibridge.interception.started.v2");
        noSpec.remove(CloudEventHeaders.SPEC_VERSION);
        assertThatThrownBy(() -> codec.decode(noSpec::get, encoded.body()))
                .isExactlyInstanceOf(InvalidEventException.class).hasMessage("ce_specversion is missing, expected 1.0");
    }

    private static Map<String, String> with(EncodedEvent encoded, String ceType) {
        Map<String, String> headers = new HashMap<>(encoded.headers());
        headers.put(CloudEventHeaders.TYPE, ceType);
        return headers;
    }

    private static Event sample(EventCodec codec, EventType type) {
        try (var in = EventVersionTest.class.getClassLoader().getResourceAsStream(type.sampleResource())) {
            var tree = EventCodec.json().readTree(in);
            Map<String, String> headers = new HashMap<>();
            tree.get("headers").properties().forEach(h -> headers.put(h.getKey(), h.getValue().asText()));
            return codec.decode(headers::get, EventCodec.json().writeValueAsString(tree.get("data")).getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

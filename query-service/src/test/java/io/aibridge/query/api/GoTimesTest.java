package io.aibridge.query.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GoTimesTest {

    @ParameterizedTest
    @CsvSource({
            "2026-03-02T11:00:00Z,          2026-03-02T11:00:00Z",
            "2026-03-02T11:00:00.100Z,      2026-03-02T11:00:00.1Z",
            "2026-03-02T11:00:00.120300Z,   2026-03-02T11:00:00.1203Z",
            "2026-03-02T11:00:00.000001Z,   2026-03-02T11:00:00.000001Z",
            "2026-03-02T11:00:00.123456789Z, 2026-03-02T11:00:00.123456789Z",
            "1970-01-01T00:00:00Z,          1970-01-01T00:00:00Z"})
    void writesTimesAsGosRfc3339NanoDoes(String time, String written) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        new GoTimes().customize(mapper);

        assertThat(mapper.writeValueAsString(Map.of("at", Instant.parse(time)))).isEqualTo("{\"at\":\"" + written + "\"}");
    }
}

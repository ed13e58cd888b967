package io.aibridge.proxy.injection;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.proxy.interception.Json;
import io.aibridge.proxy.mcp.ToolSet;
import io.aibridge.testing.LogLines;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What the Anthropic loop logs about a client's request: never the client's text as it came. */
class AnthropicLoopLogTest {

    private LogLines log;

    @BeforeEach
    void listen() {
        log = LogLines.of(AnthropicLoop.class);
    }

    @AfterEach
    void stopListening() {
        log.close();
    }

    @Test
    void anUnknownToolChoiceTypeIsLoggedCutAndEscaped() {
        String type = "auto\nWARN forged line \"x\"" + "a".repeat(1_000_000);
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putObject("tool_choice").put("type", type);

        new AnthropicLoop().inject(body, ToolSet.EMPTY, true);

        assertThat(body.path("tool_choice").path("type").asText()).as("the request is left as it was").isEqualTo(type);
        assertThat(log.lines()).singleElement().satisfies(line -> {
            assertThat(line).startsWith("unknown Anthropic tool_choice type \"auto\\nWARN forged line \\\"x\\\"aaa")
                    .contains("... (" + type.length() + " characters)").doesNotContain("\n");
            assertThat(line.length()).isLessThan(300);
        });
    }
}

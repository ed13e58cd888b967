package io.aibridge.proxy.injection;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.proxy.interception.Json;
import io.aibridge.proxy.mcp.ToolSet;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/** What the Anthropic loop logs about a client's request: never the client's text as it came. */
class AnthropicLoopLogTest {

    /** A strong reference: java.util.logging keeps loggers weakly. */
    private final Logger logger = Logger.getLogger(AnthropicLoop.class.getName());
    private final List<String> lines = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            lines.add(record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void listen() {
        logger.addHandler(capture);
    }

    @AfterEach
    void stopListening() {
        logger.removeHandler(capture);
    }

    @Test
    void anUnknownToolChoiceTypeIsLoggedCutAndEscaped() {
        String type = "auto\nWARN forged line \"x\"" + "a".repeat(1_000_000);
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putObject("tool_choice").put("type", type);

        new AnthropicLoop().inject(body, ToolSet.EMPTY, true);

        assertThat(body.path("tool_choice").path("type").asText()).as("the request is left as it was").isEqualTo(type);
        assertThat(lines).singleElement().satisfies(line -> {
            assertThat(line).startsWith("unknown Anthropic tool_choice type \"auto\\nWARN forged line \\\"x\\\"aaa")
                    .contains("... (" + type.length() + " characters)").doesNotContain("\n");
            assertThat(line.length()).isLessThan(300);
        });
    }
}

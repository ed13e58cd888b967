package io.aibridge.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.system.stack.QueryApi;
import io.aibridge.system.stack.StackExtension;
import io.aibridge.system.stack.SystemStack;
import io.aibridge.system.traffic.Clients;
import io.aibridge.system.traffic.Expected;
import io.aibridge.system.traffic.Verify;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nothing broken yet: every kind of request the SDKs make (blocking and streaming on all three
 * APIs, client tool loops, thinking) becomes exactly one interception in the query API, with the
 * usage the client saw, its prompt, its tool calls and its thoughts.
 */
@Order(1)
@ExtendWith(StackExtension.class)
class TrafficSystemTest {

    @Test
    void everyKindOfRequestBecomesOneInterceptionWithTheUsageTheClientSaw(SystemStack stack) {
        QueryApi.User user = stack.api().createUser("traffic");
        Users.awaitAcceptedByProxy(stack, user);
        List<Expected> expected = new ArrayList<>();
        try (Clients clients = new Clients(stack, user.token())) {
            for (int round = 0; round < 2; round++) {
                for (Clients.Kind kind : Clients.Kind.values()) {
                    expected.addAll(clients.run(kind));
                }
            }
        }
        Map<UUID, JsonNode> found = Verify.exactly(stack, "traffic", "traffic", expected, Duration.ofSeconds(60));

        for (Expected e : expected) {
            JsonNode i = found.get(e.id());
            assertThat(i.path("initiator").path("username").asText()).isEqualTo("traffic");
            assertThat(i.path("credential_kind").asText()).isEqualTo("centralized");
            if (e.kind().startsWith("bedrock")) {
                assertThat(i.path("credential_hint").asText()).as("the masked AWS access key id").isEqualTo("AK...01");
            } else if (e.kind().startsWith("pool")) {
                assertThat(i.path("provider_name").asText()).isEqualTo(SystemStack.POOL_INSTANCE);
                assertThat(i.path("credential_hint").asText()).as("the key the answer came with: the first one is rate-limited")
                        .isEqualTo("sk-p...0002");
            } else {
                assertThat(i.path("credential_hint").asText()).as("a masked hint, never the key")
                        .matches("^sk-.\\.\\.\\..{4}$|^sk-a\\.\\.\\..{4}$|^.{4}\\.\\.\\..{4}$");
            }
            if (e.kind().startsWith("bedrock")) {
                assertThat(i.path("provider").asText()).isEqualTo("anthropic");
                assertThat(i.path("provider_name").asText()).isEqualTo(SystemStack.BEDROCK_INSTANCE);
                assertThat(i.path("model").asText()).as("the Bedrock model called").isEqualTo(SystemStack.BEDROCK_MODEL);
            }
            if (!e.kind().endsWith("turn 2")) {
                assertThat(i.path("user_prompts")).as("prompt of %s", e.kind()).hasSize(1);
            }
        }
        assertThat(expected.stream().map(e -> found.get(e.id())).filter(i -> i.path("model_thoughts").size() > 0))
                .as("thinking blocks and reasoning summaries are recorded").isNotEmpty();
        assertThat(expected.stream().map(e -> found.get(e.id())).filter(i -> i.path("tool_usages").size() > 0))
                .as("tool calls are recorded").isNotEmpty();
        JsonNode sessions = stack.api().sessions("traffic");
        assertThat(sessions.path("count").asLong()).as("sessions").isPositive();
    }
}

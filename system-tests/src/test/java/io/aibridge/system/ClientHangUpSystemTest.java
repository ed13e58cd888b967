package io.aibridge.system;

import com.anthropic.core.http.HttpResponseFor;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import io.aibridge.system.stack.QueryApi;
import io.aibridge.system.stack.StackExtension;
import io.aibridge.system.stack.SystemStack;
import io.aibridge.system.traffic.Clients;
import io.aibridge.system.traffic.Expected;
import io.aibridge.system.traffic.Verify;
import io.aibridge.testing.fake.FakeProvider;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fault 5: agents hang up in the middle of a stream (the user pressed Esc). The upstream streams
 * slowly (400 ms between frames); the SDK reads the first event and closes the stream. Each such
 * request is one interception that ended {@code cancelled}, with the usage seen before the hang-up.
 */
@Order(7)
@ExtendWith(StackExtension.class)
class ClientHangUpSystemTest {

    private static final String SLOW = "400";

    @Test
    void streamsTheClientAbandonsAreRecordedAsCancelledWithPartialUsage(SystemStack stack) {
        QueryApi.User user = Faults.user(stack, "hang-up");
        List<Expected> expected = new ArrayList<>();
        try (Clients clients = new Clients(stack, user.token())) {
            for (int i = 0; i < 3; i++) {
                expected.add(anthropic(clients));
                expected.add(chat(clients));
                expected.add(responses(clients));
            }
            // the proxy is unharmed: a normal request right after is completed
            expected.add(clients.messagesStreaming("When does the contract renew? [scenario:cache-tokens]"));
        }
        Map<UUID, JsonNode> found = Verify.exactly(stack, "hang-up", user.username(), expected, Faults.SETTLE);
        for (Expected e : expected) {
            if (e.kind().equals("messages stream abandoned")) {
                // message_start carried the input usage before the client left
                assertThat(Verify.tokens(found.get(e.id())).input()).as("partial usage of %s", e.id()).isPositive();
            }
        }
        Faults.assertNothingDropped(stack, "hang-up");
    }

    private static Expected anthropic(Clients clients) {
        HttpResponseFor<StreamResponse<RawMessageStreamEvent>> r = clients.anthropic().messages().withRawResponse()
                .createStreaming(MessageCreateParams.builder().model("claude-sonnet-4-5-20250929").maxTokens(1024)
                        .addUserMessage("Tell me a long story. [scenario:text]")
                        .putAdditionalHeader(FakeProvider.CHUNK_DELAY_HEADER, SLOW).build());
        try (StreamResponse<RawMessageStreamEvent> stream = r.parse()) {
            assertThat(stream.stream().iterator().next().isMessageStart()).isTrue();
        }
        return cancelled(r.headers().values(Clients.INTERCEPTION_HEADER).get(0), "messages stream abandoned");
    }

    private static Expected chat(Clients clients) {
        var r = clients.openai().chat().completions().withRawResponse().createStreaming(ChatCompletionCreateParams.builder()
                .model("gpt-4o-mini").addUserMessage("Say hello in French. [scenario:text]")
                .putAdditionalHeader(FakeProvider.CHUNK_DELAY_HEADER, SLOW).build());
        try (com.openai.core.http.StreamResponse<ChatCompletionChunk> stream = r.parse()) {
            Iterator<ChatCompletionChunk> it = stream.stream().iterator();
            assertThat(it.hasNext()).isTrue();
            it.next();
        }
        return cancelled(r.headers().values(Clients.INTERCEPTION_HEADER).get(0), "chat stream abandoned");
    }

    private static Expected responses(Clients clients) {
        var r = clients.openai().responses().withRawResponse().createStreaming(ResponseCreateParams.builder()
                .model("gpt-5.3-codex").input("Plan the migration. [scenario:reasoning]")
                .putAdditionalHeader(FakeProvider.CHUNK_DELAY_HEADER, SLOW).build());
        try (com.openai.core.http.StreamResponse<ResponseStreamEvent> stream = r.parse()) {
            assertThat(stream.stream().iterator().next().isCreated()).isTrue();
        }
        return cancelled(r.headers().values(Clients.INTERCEPTION_HEADER).get(0), "responses stream abandoned");
    }

    private static Expected cancelled(String id, String kind) {
        return new Expected(UUID.fromString(id), kind, "cancelled", null);
    }
}

package io.aibridge.system;

import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.responses.ResponseCreateParams;
import io.aibridge.system.stack.QueryApi;
import io.aibridge.system.stack.StackExtension;
import io.aibridge.system.stack.SystemStack;
import io.aibridge.system.traffic.Clients;
import io.aibridge.system.traffic.Expected;
import io.aibridge.system.traffic.Verify;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Fault 6: the upstream answers 429 and 500, hangs (the proxy's 3 s upstream timeout turns it into a
 * 504), and breaks streams in the middle. The client gets the provider's status and error; each
 * request is one interception that ended {@code failed}. The proxy retries with its shipped settings:
 * the 500 and the 529 twice each before relaying them, the 429s (which ask for 20 and 7 s) not at
 * all, for the client to wait, and neither the hangs nor the broken streams.
 */
@Order(8)
@ExtendWith(StackExtension.class)
class UpstreamFailureSystemTest {

    private static final String CLAUDE = "claude-sonnet-4-5-20250929";

    @Test
    void upstreamErrorsTimeoutsAndBrokenStreamsAreEachOneFailedInterception(SystemStack stack) {
        QueryApi.User user = Faults.user(stack, "upstream-failures");
        double retriesBefore = stack.proxy().metric("aibridge_upstream_retries_total");
        List<Expected> expected = new ArrayList<>();
        try (Clients clients = new Clients(stack, user.token())) {
            expected.add(openAiError(clients, "chat 429", 429, () -> clients.openai().chat().completions()
                    .create(chat("Hello [scenario:error-429]").build())));
            expected.add(openAiError(clients, "responses 500", 500, () -> clients.openai().responses()
                    .create(ResponseCreateParams.builder().model("gpt-5.3-codex").input("Hello [scenario:error-500]").build())));
            expected.add(openAiError(clients, "chat hang", 504, () -> clients.openai().chat().completions()
                    .create(chat("Hello [scenario:hang]").build())));
            expected.add(anthropicError(clients, "messages 429", 429, () -> clients.anthropic().messages()
                    .create(messages("Hello [scenario:error-429]"))));
            expected.add(anthropicError(clients, "messages 529", 529, () -> clients.anthropic().messages()
                    .create(messages("Hello [scenario:error-529]"))));
            expected.add(anthropicError(clients, "messages hang", 504, () -> clients.anthropic().messages()
                    .create(messages("Hello [scenario:hang]"))));

            var anthropicStream = clients.anthropic().messages().withRawResponse()
                    .createStreaming(messages("Tell me a long story. [scenario:stream-break]"));
            Throwable broken = catchThrowableOfType(RuntimeException.class, () -> {
                try (var s = anthropicStream.parse()) {
                    s.stream().forEach((RawMessageStreamEvent e) -> { });
                }
            });
            expected.add(failed(anthropicStream.headers().values(Clients.INTERCEPTION_HEADER), "messages stream broken"));
            SystemStack.log("upstream-failures: the Anthropic SDK saw the broken stream as %s", broken);

            var chatStream = clients.openai().chat().completions().withRawResponse().createStreaming(
                    chat("Tell me a long story. [scenario:stream-break]")
                            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build());
            catchThrowableOfType(RuntimeException.class, () -> {
                try (var s = chatStream.parse()) {
                    s.stream().forEach((ChatCompletionChunk c) -> { });
                }
            });
            expected.add(failed(chatStream.headers().values(Clients.INTERCEPTION_HEADER), "chat stream broken"));
            // the proxy is unharmed
            expected.add(clients.chatBlocking("When does the contract renew? [scenario:cache-tokens]"));
        }
        assertThat(stack.proxy().metric("aibridge_upstream_retries_total") - retriesBefore)
                .as("the proxy's retries: the 500 and the 529, twice each").isEqualTo(4.0);
        Verify.exactly(stack, "upstream-failures", user.username(), expected, Faults.SETTLE);
        Faults.assertNothingDropped(stack, "upstream-failures");
    }

    private static ChatCompletionCreateParams.Builder chat(String prompt) {
        return ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage(prompt);
    }

    private static MessageCreateParams messages(String prompt) {
        return MessageCreateParams.builder().model(CLAUDE).maxTokens(1024).addUserMessage(prompt).build();
    }

    private static Expected openAiError(Clients clients, String kind, int status, Runnable call) {
        OpenAIServiceException e = catchThrowableOfType(OpenAIServiceException.class, call::run);
        assertThat(e).as("%s: the SDK saw an API error", kind).isNotNull();
        assertThat(e.statusCode()).as("%s: status the client got", kind).isEqualTo(status);
        assertThat(e.body().toString()).as("%s: OpenAI's error JSON", kind).contains("message");
        return failed(e.headers().values(Clients.INTERCEPTION_HEADER), kind);
    }

    private static Expected anthropicError(Clients clients, String kind, int status, Runnable call) {
        AnthropicServiceException e = catchThrowableOfType(AnthropicServiceException.class, call::run);
        assertThat(e).as("%s: the SDK saw an API error", kind).isNotNull();
        assertThat(e.statusCode()).as("%s: status the client got", kind).isEqualTo(status);
        assertThat(e.type()).as("%s: Anthropic's error JSON", kind).isPresent();
        return failed(e.headers().values(Clients.INTERCEPTION_HEADER), kind);
    }

    private static Expected failed(List<String> idHeader, String kind) {
        assertThat(idHeader).as("%s: the answer names its interception", kind).hasSize(1);
        return new Expected(UUID.fromString(idHeader.get(0)), kind, "failed", null);
    }
}

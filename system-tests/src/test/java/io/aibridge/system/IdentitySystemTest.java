package io.aibridge.system;

import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.models.messages.MessageCreateParams;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.aibridge.system.stack.QueryApi;
import io.aibridge.system.stack.StackExtension;
import io.aibridge.system.stack.SystemStack;
import io.aibridge.system.traffic.Clients;
import io.aibridge.system.traffic.Expected;
import io.aibridge.system.traffic.Verify;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Identity across the services: a user and a key made in query-service's admin API reach the proxy
 * over the identity topic; what the key does is recorded under that user and read back by the user
 * (a member sees only their own records); revoking the key and suspending the user stop it on the
 * proxy and on the API alike, with the provider's 401 and the API's 401.
 */
@Order(10)
@ExtendWith(StackExtension.class)
class IdentitySystemTest {

    @Test
    void aKeyMadeInTheApiWorksOnTheProxyUntilItIsRevokedOrItsUserSuspended(SystemStack stack) throws IOException {
        QueryApi api = stack.api();
        QueryApi.User alice = Faults.user(stack, "identity-alice");
        QueryApi.User bob = Faults.user(stack, "identity-bob");
        List<Expected> aliceSent = new ArrayList<>();
        List<Expected> bobSent = new ArrayList<>();
        try (Clients a = new Clients(stack, alice.token()); Clients b = new Clients(stack, bob.token())) {
            aliceSent.add(a.messagesBlocking("Think it through. [scenario:thinking]"));
            aliceSent.add(a.chatStreaming("Say hello in French. [scenario:text]"));
            bobSent.add(b.responsesBlocking("Plan the migration. [scenario:reasoning]"));
        }
        Verify.exactly(stack, "identity", alice.username(), aliceSent, Faults.SETTLE);
        Verify.exactly(stack, "identity", bob.username(), bobSent, Faults.SETTLE);

        // the member reads their own records, and only those
        HttpResponse<String> me = api.send("GET", "/api/v2/users/me", null, alice.token());
        assertThat(me.statusCode()).isEqualTo(200);
        assertThat(QueryApi.JSON.readTree(me.body()).path("username").asText()).isEqualTo(alice.username());
        JsonNode own = QueryApi.JSON.readTree(api.send("GET", "/api/v2/aibridge/interceptions?limit=100", null, alice.token()).body());
        assertThat(own.path("count").asLong()).as("a member's list holds their own interceptions only").isEqualTo(aliceSent.size());
        own.path("results").forEach(i -> assertThat(i.path("initiator").path("username").asText()).isEqualTo(alice.username()));
        HttpResponse<String> other = api.send("GET", "/api/v2/aibridge/interceptions?initiator=" + bob.username(), null, alice.token());
        assertThat(other.statusCode()).as("a member naming someone else").isEqualTo(400);
        assertThat(api.send("POST", "/api/v2/users", "{\"username\":\"identity-mallory\"}", alice.token()).statusCode())
                .as("a member creating users").isEqualTo(403);

        // revoking alice's key: refused on the proxy (both providers' 401) and on the API, within the identity poll
        api.revoke(alice);
        Await.until("the proxy refuses alice's revoked key", Duration.ofSeconds(30), () -> Users.proxyStatus(stack, alice.token()) == 401);
        assertRefusedByTheProxy(stack, alice.token());
        assertThat(api.send("GET", "/api/v2/users/me", null, alice.token()).statusCode()).isEqualTo(401);

        // suspending bob stops every key of his at once
        HttpResponse<String> suspended = api.send("PATCH", "/api/v2/users/" + bob.username(), "{\"status\":\"suspended\"}", stack.bootstrapToken);
        assertThat(suspended.statusCode()).as(suspended.body()).isEqualTo(200);
        Await.until("the proxy refuses the suspended user's key", Duration.ofSeconds(30), () -> Users.proxyStatus(stack, bob.token()) == 401);
        assertRefusedByTheProxy(stack, bob.token());
        assertThat(api.send("GET", "/api/v2/users/me", null, bob.token()).statusCode()).isEqualTo(401);

        // refused requests never became interceptions
        Verify.exactly(stack, "identity (after revocation)", alice.username(), aliceSent, Faults.SETTLE);
        Verify.exactly(stack, "identity (after suspension)", bob.username(), bobSent, Faults.SETTLE);
    }

    private static void assertRefusedByTheProxy(SystemStack stack, String token) {
        try (Clients c = new Clients(stack, token)) {
            AnthropicServiceException a = catchThrowableOfType(AnthropicServiceException.class, () -> c.anthropic().messages()
                    .create(MessageCreateParams.builder().model("claude-sonnet-4-5-20250929").maxTokens(64).addUserMessage("hi").build()));
            assertThat(a).isNotNull();
            assertThat(a.statusCode()).isEqualTo(401);
            assertThat(a.type()).as("Anthropic's error JSON").isPresent();
            OpenAIServiceException o = catchThrowableOfType(OpenAIServiceException.class, () -> c.openai().chat().completions()
                    .create(ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage("hi").build()));
            assertThat(o).isNotNull();
            assertThat(o.statusCode()).isEqualTo(401);
            assertThat(o.body().toString()).as("OpenAI's error JSON").contains("message");
        }
    }
}

package io.aibridge.proxy;

import io.aibridge.events.EndStatus;
import io.aibridge.events.InterceptionEnded;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.ToolUsageRecorded;
import io.aibridge.proxy.route.CapacityLimit;
import io.aibridge.testing.KafkaTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An injected tool loop (MCP) whose last round streams more than the sockets between the proxy and
 * a client hold, to a client that reads nothing for longer than {@code AIBRIDGE_UPSTREAM_TIMEOUT}
 * (2 s in tests): the proxy stops reading the provider while the client is behind, and that wait is
 * the client's, not a provider's silence. The client gets the whole answer and the interception
 * ends completed. The plain relay's case is in {@link ProviderSilenceTest}.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = FakeProviderTestResource.class, initArgs = {
        @ResourceArg(name = "stalling", value = "true"),
        @ResourceArg(name = "proxy.openai.base-url", value = "{stalling}/v1/")})
@WithTestResource(McpTestResource.class)
class InjectedLoopSlowClientTest extends ProxyTestBase {

    private static final String TOKEN = FakeProviderTestResource.BOOTSTRAP_TOKEN;

    @Inject
    CapacityLimit capacity;

    @AfterAll
    static void stopTail() {
        EventTail.closeAll();
    }

    @Test
    void aClientThatStopsReadingDuringAnInjectedLoopsStreamedAnswerGetsItWholeAndTheInterceptionCompletes() throws Exception {
        FakeProviderTestResource.stalling().clear();
        McpTestResource.server().clear();
        URI uri = URI.create(proxyUrl.toString());
        byte[] request = ("{\"model\":\"" + StallingProvider.LOOP_MODEL + "\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"use the company tools\"}]}").getBytes(StandardCharsets.UTF_8);
        String body;
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096); // before connecting: a small window, so the proxy's write queue fills
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()));
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(("POST /api/v2/aibridge/openai/v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer " + TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: " + request.length
                    + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().write(request);
            InputStream in = socket.getInputStream();
            String head = ProxyClient.readUntil(in, "\r\n\r\n");
            assertThat(head).startsWith("HTTP/1.1 200");
            // reads nothing, as a suspended client would, until the proxy has held the provider back
            // (not read from it) for longer than the provider's idle timeout (2 s)
            FakeProviderTestResource.stalling().awaitHeldBack(Duration.ofSeconds(3));
            body = ProxyClient.dechunk(head.substring(head.indexOf("\r\n\r\n") + 4).getBytes(StandardCharsets.ISO_8859_1), in);
        }

        assertThat(FakeProviderTestResource.stalling().requests()).as("the tool-calling round, then the answer")
                .containsExactly("POST /v1/chat/completions", "POST /v1/chat/completions");
        assertThat(McpTestResource.server().calls()).extracting(McpTestServer.Call::tool).containsExactly("echo");
        String tail = body.substring(Math.max(0, body.length() - 400)); // 16 MiB is too much to print when this fails
        assertThat(tail).doesNotContain("went silent").endsWith("data: [DONE]\n\n");
        assertThat(body.split("\"content\":\"" + StallingProvider.BIG_STREAM_TEXT + "\"", -1).length - 1).as("every content chunk")
                .isEqualTo(StallingProvider.BIG_STREAM_FRAMES);
        assertThat(body).as("the injected call stays hidden").doesNotContain("bmcp_");

        List<InterceptionEvent> events = eventsOfModel(StallingProvider.LOOP_MODEL);
        assertThat(events).filteredOn(ToolUsageRecorded.class::isInstance).hasSize(1);
        InterceptionEnded end = events.stream().filter(InterceptionEnded.class::isInstance).map(InterceptionEnded.class::cast)
                .findFirst().orElseThrow();
        assertThat(end.status()).isEqualTo(EndStatus.COMPLETED);
        assertThat(end.errorType()).isNull();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (capacity.inFlight() > 0 && System.nanoTime() < deadline) {
            ProxyClient.sleep(20);
        }
        assertThat(capacity.inFlight()).as("the capacity slot is given back").isZero();
    }
}

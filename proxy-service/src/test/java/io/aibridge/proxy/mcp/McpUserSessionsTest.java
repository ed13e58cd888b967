package io.aibridge.proxy.mcp;

import io.aibridge.proxy.tracing.InterceptionTracing;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Per-user MCP sessions in {@link McpServers}, against {@link SlowMcpServer}: which event loop a
 * request continues on, how long it waits for a session being opened, and when sessions are closed.
 */
class McpUserSessionsTest {

    private static final String SERVER = "personal";
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    private Vertx vertx;
    private SlowMcpServer mcp;
    private McpServers servers;

    record Settings(List<Server> servers, Optional<String> excludedModels, int maxRounds, Duration callTimeout, Duration initTimeout,
                    int maxConcurrentCalls, Retry retry, UserSessions userSessions) implements McpConfig {
    }

    record Server(String name, String url, Optional<String> token, boolean userToken, Optional<String> allow,
                  Optional<String> deny) implements McpConfig.Server {
    }

    record Retry(Duration initialDelay, Duration maxDelay) implements McpConfig.Retry {
    }

    record UserSessions(int maxSessions, Duration idleTimeout, Duration retryAfter) implements McpConfig.UserSessions {
    }

    /** The SDK's first session in a JVM takes seconds on a busy machine; the tests time what comes after. */
    @BeforeAll
    static void warmUp() throws Exception {
        Vertx warm = Vertx.vertx();
        try (SlowMcpServer server = new SlowMcpServer(warm)) {
            McpServerConnection connection = new McpServerConnection(new Server(SERVER, server.url(), Optional.empty(), true,
                    Optional.empty(), Optional.empty()), ToolFilter.NONE, "warm-up", Duration.ofSeconds(30), Duration.ofSeconds(30),
                    OpenTelemetry.noop().getTracer("test"));
            connection.initialize(io.opentelemetry.context.Context.root());
            connection.close();
        } finally {
            warm.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @BeforeEach
    void startServer() throws Exception {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        mcp = new SlowMcpServer(vertx);
    }

    @AfterEach
    void stop() throws Exception {
        if (servers != null) {
            servers.stop(null);
        }
        mcp.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private McpServers start(Duration initTimeout, int maxSessions, Duration idleTimeout) {
        Settings settings = new Settings(List.of(new Server(SERVER, mcp.url(), Optional.empty(), true, Optional.empty(), Optional.empty())),
                Optional.empty(), 10, CALL_TIMEOUT, initTimeout, 8, new Retry(Duration.ofSeconds(2), Duration.ofSeconds(60)),
                new UserSessions(maxSessions, idleTimeout, Duration.ofSeconds(30)));
        servers = new McpServers(settings, vertx, new InterceptionTracing(null, true, Optional.empty()));
        servers.start(null);
        return servers;
    }

    private static MultiMap headers(String token) {
        return MultiMap.caseInsensitiveMultiMap().add(McpServers.USER_TOKEN_HEADER_PREFIX + SERVER, token);
    }

    /** A fresh event-loop context, as each request has its own. */
    private Context newContext() throws Exception {
        CompletableFuture<Context> deployed = new CompletableFuture<>();
        vertx.deployVerticle(new AbstractVerticle() {
            @Override
            public void start() {
                deployed.complete(context);
            }
        });
        return deployed.get(10, TimeUnit.SECONDS);
    }

    /** Asks for the tools from {@code context}; completes with the context the answer came back on, and the tool ids. */
    private CompletableFuture<Answer> tools(Context context, String token) {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        context.runOnContext(v -> servers.tools(headers(token)).onComplete(ar -> answer.complete(new Answer(Vertx.currentContext(),
                ar.succeeded() ? ar.result().tools().stream().map(InjectedTool::id).toList() : null, ar.result()))));
        return answer;
    }

    /** @param set held by the request until released */
    record Answer(Context context, List<String> tools, ToolSet set) {
    }

    @Test
    void aRequestJoiningASessionStillOpeningContinuesOnItsOwnEventLoop() throws Exception {
        mcp.delay("alice", "initialize", Duration.ofMillis(600));
        start(Duration.ofSeconds(5), 10, Duration.ofMinutes(15));
        Context first = newContext();
        Context second = newContext();

        CompletableFuture<Answer> opener = tools(first, "alice");
        await().atMost(Duration.ofSeconds(5)).until(() -> mcp.seen("alice").contains("initialize"));
        CompletableFuture<Answer> joiner = tools(second, "alice");

        Answer joined = joiner.get(10, TimeUnit.SECONDS);
        assertThat(joined.tools()).containsExactly("bmcp_personal_echo");
        assertThat(joined.context()).as("the later request's loop must run on its own event loop").isSameAs(second);
        assertThat(opener.get(10, TimeUnit.SECONDS).context()).isSameAs(first);
        assertThat(mcp.seen("alice")).as("one session for both").containsOnlyOnce("initialize");
    }

    @Test
    void aSessionWhoseToolListStallsIsGivenUpWithinTheInitTimeout() throws Exception {
        mcp.delay("bob", "tools/list", Duration.ofSeconds(15));
        // long enough for the SDK's first connection in a cold JVM, far below the call timeout
        start(Duration.ofSeconds(2), 10, Duration.ofMinutes(15));

        long started = System.nanoTime();
        Answer answer = tools(newContext(), "bob").get(20, TimeUnit.SECONDS);
        long waitedMillis = (System.nanoTime() - started) / 1_000_000;

        assertThat(answer.tools()).as("the request goes on without that server's tools").isEmpty();
        assertThat(mcp.seen("bob")).contains("initialize", "tools/list");
        assertThat(waitedMillis).as("answered within about the init timeout, not the call timeout").isLessThan(3_500);
        await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> assertThat(mcp.seen("bob"))
                .as("the opening itself gave up at the init timeout and closed its session").contains("DELETE"));
    }

    @Test
    void closingAFailedSessionDoesNotBlockTheEventLoop() throws Exception {
        mcp.delay("carol", "tools/list", Duration.ofSeconds(15)).delay("carol", "DELETE", Duration.ofSeconds(4));
        start(Duration.ofSeconds(2), 10, Duration.ofMinutes(15));
        Context opener = newContext();

        tools(opener, "carol").get(20, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> mcp.seen("carol").contains("DELETE"));

        // the server holds the DELETE for 4 s: the opener's event loop must be free meanwhile
        CompletableFuture<Boolean> ran = new CompletableFuture<>();
        opener.runOnContext(v -> ran.complete(true));
        assertThat(ran.get(1, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aSessionEvictedWhileOpeningIsClosedOnceTheRequestHoldingItIsDone() throws Exception {
        mcp.delay("alice", "initialize", Duration.ofSeconds(1));
        start(Duration.ofSeconds(5), 1, Duration.ofMinutes(15));

        CompletableFuture<Answer> alice = tools(newContext(), "alice");
        await().atMost(Duration.ofSeconds(5)).until(() -> mcp.seen("alice").contains("initialize"));
        Answer bob = tools(newContext(), "bob").get(10, TimeUnit.SECONDS);
        Answer aliceAnswer = alice.get(10, TimeUnit.SECONDS);

        assertThat(bob.tools()).containsExactly("bmcp_personal_echo");
        assertThat(aliceAnswer.tools()).as("the request that waited for it still gets its tools").containsExactly("bmcp_personal_echo");
        Thread.sleep(300);
        assertThat(mcp.seen("alice")).as("held by a running loop: not closed yet").doesNotContain("DELETE");

        aliceAnswer.set().release();
        await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> assertThat(mcp.seen("alice")).contains("DELETE"));
        assertThat(mcp.seen("bob")).doesNotContain("DELETE");
    }

    @Test
    void theIdleSweepLeavesASessionInUseOpen() throws Exception {
        start(Duration.ofSeconds(5), 10, Duration.ofMillis(1));
        Answer dave = tools(newContext(), "dave").get(10, TimeUnit.SECONDS);
        assertThat(dave.tools()).containsExactly("bmcp_personal_echo");

        Thread.sleep(20);
        servers.sweepIdleSessions();
        Thread.sleep(300);
        assertThat(mcp.seen("dave")).as("its loop may still call its tools").doesNotContain("DELETE");

        dave.set().release();
        Thread.sleep(20);
        servers.sweepIdleSessions();
        await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> assertThat(mcp.seen("dave")).contains("DELETE"));
    }

    @Test
    void stopClosesSessionsWhoseServerNeverAnswersTheDeleteTogetherWithinOneDeadline() throws Exception {
        int sessions = 20;
        start(Duration.ofSeconds(5), sessions + 5, Duration.ofMinutes(15));
        List<String> tokens = java.util.stream.IntStream.range(0, sessions).mapToObj(i -> "user-" + i).toList();
        for (String token : tokens) {
            mcp.delay(token, "DELETE", Duration.ofMinutes(5));
            Answer answer = tools(newContext(), token).get(20, TimeUnit.SECONDS);
            assertThat(answer.tools()).containsExactly("bmcp_personal_echo");
            answer.set().release();
        }

        long start = System.nanoTime();
        servers.stop(null);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        servers = null;

        // one by one it was 20 x CLOSE_TIMEOUT (100 s); together it is about STOP_DEADLINE
        assertThat(took).as("stop with %d unanswered DELETEs", sessions)
                .isLessThan(McpServerConnection.CLOSE_TIMEOUT.multipliedBy(sessions).dividedBy(4));
        assertThat(tokens).as("every session was told to close").allSatisfy(t -> assertThat(mcp.seen(t)).contains("DELETE"));
    }
}

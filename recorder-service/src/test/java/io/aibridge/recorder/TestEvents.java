package io.aibridge.recorder;

import io.aibridge.events.CredentialKind;
import io.aibridge.events.EndStatus;
import io.aibridge.events.InterceptionEnded;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.InterceptionStarted;
import io.aibridge.events.ModelThoughtRecorded;
import io.aibridge.events.PromptRecorded;
import io.aibridge.events.ThoughtSource;
import io.aibridge.events.TokenUsageRecorded;
import io.aibridge.events.ToolUsageRecorded;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Realistic interception events with every field set, for one user's agent: an interception
 * builder that knows its id, start and initiator, so tests read as the story they tell.
 */
public final class TestEvents {

    private TestEvents() {
    }

    /** A start time in the current hour, truncated to microseconds like every event time. */
    public static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    /** One interception's events. */
    public static final class Interception {
        public final UUID id = UUID.randomUUID();
        public final Instant startedAt;
        public final UUID initiator;
        private String clientSessionId;
        private String correlatingToolCallId;
        private String model = "claude-sonnet-4-5";

        public Interception(UUID initiator, Instant startedAt) {
            this.initiator = initiator;
            this.startedAt = startedAt.truncatedTo(ChronoUnit.MICROS);
        }

        public Interception clientSession(String id) {
            this.clientSessionId = id;
            return this;
        }

        /** This request answers the tool call with this id (a tool-result turn). */
        public Interception answering(String toolCallId) {
            this.correlatingToolCallId = toolCallId;
            return this;
        }

        public Interception model(String model) {
            this.model = model;
            return this;
        }

        public InterceptionStarted started() {
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put("Username", "alice");
            metadata.put("request_user_agent", "claude-cli/2.0.1 (external, cli)");
            return new InterceptionStarted(UUID.randomUUID(), id, startedAt, initiator, "alice", "k7f3q9x2m4",
                    "anthropic", "anthropic-corp", model, "Claude Code", clientSessionId,
                    "claude-cli/2.0.1 (external, cli)", correlatingToolCallId, CredentialKind.BYOK, "sk-a...wxyz",
                    true, "/v1/messages", metadata);
        }

        public PromptRecorded prompt(String text, long afterMillis) {
            return new PromptRecorded(UUID.randomUUID(), id, startedAt, startedAt.plusMillis(afterMillis), "msg_" + id,
                    text, Map.of("turn", 1));
        }

        public TokenUsageRecorded tokens(long input, long output, long cacheRead, long cacheWrite, long afterMillis) {
            return new TokenUsageRecorded(UUID.randomUUID(), id, startedAt, startedAt.plusMillis(afterMillis),
                    "msg_" + id, input, output, cacheRead, cacheWrite,
                    Map.of("cache_ephemeral_5m_input", cacheWrite, "web_search_requests", 0L));
        }

        public ToolUsageRecorded toolCall(String toolCallId, long afterMillis) {
            return new ToolUsageRecorded(UUID.randomUUID(), id, startedAt, startedAt.plusMillis(afterMillis), "msg_" + id,
                    toolCallId, "Bash", "{\"command\":\"./mvnw -B verify\"}", false, null, null, Map.of());
        }

        public ToolUsageRecorded injectedToolCall(String toolCallId, String error, long afterMillis) {
            return new ToolUsageRecorded(UUID.randomUUID(), id, startedAt, startedAt.plusMillis(afterMillis), "msg_" + id,
                    toolCallId, "search_issues", "{\"q\":\"flaky\"}", true, "https://mcp.example.com/mcp", error,
                    Map.of("server", "github"));
        }

        public ModelThoughtRecorded thought(String text, long afterMillis) {
            return new ModelThoughtRecorded(UUID.randomUUID(), id, startedAt, startedAt.plusMillis(afterMillis),
                    "msg_" + id, text, ThoughtSource.THINKING, Map.of("signature", "sig"));
        }

        public InterceptionEnded ended(long afterMillis) {
            return new InterceptionEnded(UUID.randomUUID(), id, startedAt, startedAt.plusMillis(afterMillis),
                    EndStatus.COMPLETED, 200, null, null, afterMillis, 120L);
        }

        /** An end whose answer came with another key than the start's (after a key failover). */
        public InterceptionEnded endedWithKey(long afterMillis, String credentialHint) {
            return new InterceptionEnded(UUID.randomUUID(), id, startedAt, startedAt.plusMillis(afterMillis),
                    EndStatus.COMPLETED, 200, null, null, afterMillis, 120L, credentialHint);
        }

        public InterceptionEnded failed(long afterMillis) {
            return new InterceptionEnded(UUID.randomUUID(), id, startedAt, startedAt.plusMillis(afterMillis),
                    EndStatus.FAILED, 529, "upstream_error", "Overloaded", afterMillis, null);
        }
    }

    /**
     * An agentic loop of three requests: the user asks (A), the model calls a tool, the agent sends
     * the result (B, answering A's call), the model calls another tool, the agent answers (C).
     */
    public static final class ToolLoop {
        public final Interception first;
        public final Interception second;
        public final Interception third;
        public final List<InterceptionEvent> events;

        public ToolLoop(UUID initiator, Instant start, String clientSessionId) {
            String callA = "toolu_" + UUID.randomUUID();
            String callB = "toolu_" + UUID.randomUUID();
            first = new Interception(initiator, start).clientSession(clientSessionId);
            second = new Interception(initiator, start.plusSeconds(5)).clientSession(clientSessionId).answering(callA);
            third = new Interception(initiator, start.plusSeconds(10)).clientSession(clientSessionId).answering(callB);
            events = List.of(
                    first.started(), first.prompt("Why does the build fail on CI?", 10), first.tokens(100, 20, 1000, 50, 4000),
                    first.toolCall(callA, 4001), first.ended(4100),
                    second.started(), second.tokens(200, 30, 1100, 0, 4000), second.toolCall(callB, 4001),
                    second.thought("Run the tests next.", 3999), second.ended(4100),
                    third.started(), third.tokens(300, 40, 1200, 0, 4000), third.ended(4100));
        }
    }
}

package io.aibridge.retention.testdata;

import io.aibridge.retention.purge.PartitionedTable;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * One interception and the children the test writes for it. Defaults: ended 20 s after its start,
 * one token usage, one prompt, one tool usage, one model thought; session = its own id.
 */
public record TestInterception(
        UUID id,
        Instant startedAt,
        Instant endedAt,
        UUID initiatorId,
        String clientSessionId,
        UUID threadParentId,
        UUID threadRootId,
        String provider,
        String model,
        String client,
        int tokenUsages,
        long inputTokens,
        long outputTokens,
        long cacheReadTokens,
        String prompt,
        int toolUsages,
        int thoughts) {

    /** An ended interception by {@code initiator} that started at {@code startedAt}. */
    public static TestInterception startedAt(Instant startedAt, UUID initiator) {
        return new TestInterception(UUID.randomUUID(), startedAt, startedAt.plusSeconds(20), initiator, null, null, null,
                "anthropic", "claude-sonnet-4-5", "Claude Code", 1, 1000, 200, 50,
                "prompt at " + startedAt, 1, 1);
    }

    public TestInterception inSession(String clientSessionId) {
        return new TestInterception(id, startedAt, endedAt, initiatorId, clientSessionId, threadParentId, threadRootId, provider,
                model, client, tokenUsages, inputTokens, outputTokens, cacheReadTokens, prompt, toolUsages, thoughts);
    }

    /** A later step of the thread rooted at {@code root} (its parent is the root too). */
    public TestInterception inThreadOf(TestInterception root) {
        return new TestInterception(id, startedAt, endedAt, initiatorId, clientSessionId, root.id(), root.id(), provider,
                model, client, tokenUsages, inputTokens, outputTokens, cacheReadTokens, prompt, toolUsages, thoughts);
    }

    public TestInterception endedAfter(Duration duration) {
        return new TestInterception(id, startedAt, startedAt.plus(duration), initiatorId, clientSessionId, threadParentId,
                threadRootId, provider, model, client, tokenUsages, inputTokens, outputTokens, cacheReadTokens, prompt,
                toolUsages, thoughts);
    }

    /** Still in flight: no end stored. */
    public TestInterception notEnded() {
        return new TestInterception(id, startedAt, null, initiatorId, clientSessionId, threadParentId, threadRootId, provider,
                model, client, tokenUsages, inputTokens, outputTokens, cacheReadTokens, prompt, toolUsages, thoughts);
    }

    /** Only its end was stored so far (the start event has not been consumed yet). */
    public TestInterception startNotStoredYet() {
        return new TestInterception(id, startedAt, endedAt, null, clientSessionId, threadParentId, threadRootId, provider,
                model, client, tokenUsages, inputTokens, outputTokens, cacheReadTokens, prompt, toolUsages, thoughts);
    }

    public TestInterception withModel(String model) {
        return new TestInterception(id, startedAt, endedAt, initiatorId, clientSessionId, threadParentId, threadRootId, provider,
                model, client, tokenUsages, inputTokens, outputTokens, cacheReadTokens, prompt, toolUsages, thoughts);
    }

    public TestInterception withTokens(int usages, long input) {
        return new TestInterception(id, startedAt, endedAt, initiatorId, clientSessionId, threadParentId, threadRootId, provider,
                model, client, usages, input, outputTokens, cacheReadTokens, prompt, toolUsages, thoughts);
    }

    public TestInterception withChildren(int toolUsages, int thoughts, boolean prompt) {
        return new TestInterception(id, startedAt, endedAt, initiatorId, clientSessionId, threadParentId, threadRootId, provider,
                model, client, tokenUsages, inputTokens, outputTokens, cacheReadTokens, prompt ? this.prompt == null
                ? "prompt at " + startedAt : this.prompt : null, toolUsages, thoughts);
    }

    /** The session it belongs to: first non-empty of client session id, thread root, own id. */
    public String sessionId() {
        if (clientSessionId != null && !clientSessionId.isEmpty()) {
            return clientSessionId;
        }
        return threadRootId != null ? threadRootId.toString() : id.toString();
    }

    /** Rows it has in {@code table}. */
    public int rows(PartitionedTable table) {
        return switch (table) {
            case INTERCEPTIONS -> 1;
            case TOKEN_USAGES -> tokenUsages;
            case USER_PROMPTS -> prompt == null ? 0 : 1;
            case TOOL_USAGES -> toolUsages;
            case MODEL_THOUGHTS -> thoughts;
        };
    }
}

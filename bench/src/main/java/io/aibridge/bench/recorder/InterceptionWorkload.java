package io.aibridge.bench.recorder;

import io.aibridge.events.CredentialKind;
import io.aibridge.events.EndStatus;
import io.aibridge.events.InterceptionEnded;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.InterceptionStarted;
import io.aibridge.events.ModelThoughtRecorded;
import io.aibridge.events.PromptRecorded;
import io.aibridge.events.ThoughtSource;
import io.aibridge.events.TimeOrderedIds;
import io.aibridge.events.TokenUsageRecorded;
import io.aibridge.events.ToolUsageRecorded;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * The events the proxy emits for a realistic mix of agent traffic: users working in client
 * sessions (about 200 interceptions each), each prompt followed by an agentic loop of 1–6
 * requests. Every request has a start (a tool-result turn carries the correlating tool-call id of
 * the call it answers, so the recorder links threads), token usage and an end; the first of a loop
 * has the user's prompt; every request but the last of a loop makes a tool call; half have a
 * thought. About 4.5 events per interception, as the proxy's own event tests show for Claude Code.
 * Deterministic for a seed.
 */
public final class InterceptionWorkload {

    /** The {@code client} of lag probes: the sessions list filtered on it shows only them. */
    public static final String PROBE_CLIENT = "bench-lag-probe";

    /**
     * How long every probe ran: fixed, so that a probe's start follows from its end and the lag
     * watcher can ask only for the sessions started since the oldest probe it still waits for.
     */
    public static final Duration PROBE_DURATION = Duration.ofMillis(1_500);

    private static final String[][] PROFILES = {
            // client, user agent, provider, model, request path
            {"Claude Code", "claude-cli/2.0.1 (external, cli)", "anthropic", "claude-sonnet-4-5", "/v1/messages"},
            {"Claude Code", "claude-cli/2.0.1 (external, cli)", "anthropic", "claude-opus-4-1", "/v1/messages"},
            {"Codex", "codex_cli_rs/0.46.0", "openai", "gpt-5-codex", "/v1/responses"},
            {"Cursor", "node", "openai", "gpt-5", "/v1/chat/completions"},
    };

    private final Random random;
    private final int users;
    private final int sessionLength;
    private final UUID[] userIds;
    private final String[] sessions;
    private final int[] sessionUsed;
    private final int[] profile;
    private final String[] pendingCall;
    private final int[] loopLeft;

    public InterceptionWorkload(long seed, int users, int sessionLength) {
        this.random = new Random(seed);
        this.users = users;
        this.sessionLength = sessionLength;
        userIds = new UUID[users];
        sessions = new String[users];
        sessionUsed = new int[users];
        profile = new int[users];
        pendingCall = new String[users];
        loopLeft = new int[users];
        for (int u = 0; u < users; u++) {
            userIds[u] = new UUID(random.nextLong(), random.nextLong());
            sessions[u] = newSession();
            profile[u] = u % 10 < 6 ? 0 : u % 10 < 7 ? 1 : u % 10 < 9 ? 2 : 3;
        }
    }

    private String newSession() {
        return "bench-" + new UUID(random.nextLong(), random.nextLong());
    }

    /** The next interception, which ended at {@code endedAt}, as the events the proxy would have emitted for it. */
    public List<InterceptionEvent> next(Instant endedAt) {
        return next(endedAt, false);
    }

    /**
     * @param probe a lag probe: its own session id and the {@link #PROBE_CLIENT} client, so that
     *              the sessions list can be asked when it became visible
     */
    public List<InterceptionEvent> next(Instant endedAt, boolean probe) {
        int u = random.nextInt(users);
        if (++sessionUsed[u] > sessionLength) {
            sessions[u] = newSession();
            sessionUsed[u] = 1;
            pendingCall[u] = null;
            loopLeft[u] = 0;
        }
        boolean first = loopLeft[u] == 0;
        if (first) {
            loopLeft[u] = 1 + random.nextInt(6);
            pendingCall[u] = null;
        }
        loopLeft[u]--;
        String[] p = PROFILES[profile[u]];
        Instant ended = endedAt.truncatedTo(ChronoUnit.MICROS);
        long durationMs = probe ? PROBE_DURATION.toMillis() : 1_500 + random.nextInt(20_000);
        Instant started = ended.minusMillis(durationMs);
        UUID id = idAt(started);
        String responseId = "msg_" + Long.toHexString(random.nextLong());
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("Username", "bench-user-" + u);
        metadata.put("request_user_agent", p[1]);
        List<InterceptionEvent> events = new ArrayList<>(6);
        events.add(new InterceptionStarted(idAt(started), id, started, userIds[u], "bench-user-" + u, "benchkey" + (u % 97),
                p[2], p[2], p[3], probe ? PROBE_CLIENT : p[0], probe ? "lag-" + id : sessions[u], p[1], probe ? null : pendingCall[u],
                CredentialKind.CENTRALIZED, "sk-a...wxyz", true, p[4], metadata));
        if (first) {
            events.add(new PromptRecorded(idAt(started.plusMillis(900)), id, started, started.plusMillis(900), responseId,
                    "The integration tests fail since the last merge; find out why and fix it.", Map.of()));
        }
        long input = 1_000 + random.nextInt(4_000);
        events.add(new TokenUsageRecorded(idAt(ended.minusMillis(5)), id, started, ended.minusMillis(5), responseId, input, 150 + random.nextInt(600),
                20_000 + random.nextInt(60_000), first ? 2_000 : 0, Map.of("cache_ephemeral_5m_input", first ? 2_000L : 0L)));
        if (loopLeft[u] > 0) {
            pendingCall[u] = "toolu_" + Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong());
            events.add(new ToolUsageRecorded(idAt(ended.minusMillis(10)), id, started, ended.minusMillis(10), responseId, pendingCall[u], "Bash",
                    "{\"command\":\"./mvnw -B -pl recorder-service verify -Dtest=InterceptionRecordingTest\"}", false, null, null, Map.of()));
        }
        if (random.nextBoolean()) {
            events.add(new ModelThoughtRecorded(idAt(ended.minusMillis(200)), id, started, ended.minusMillis(200), responseId,
                    "The failure is in the ordering of the batch; check how starts and ends are merged.", ThoughtSource.THINKING, Map.of()));
        }
        events.add(new InterceptionEnded(idAt(ended), id, started, ended, EndStatus.COMPLETED, 200, null, null, durationMs, 420L));
        return events;
    }

    /**
     * An interception or event id as the proxy makes them: time-ordered, for the moment the
     * proxy would have made it. The random bits come from the seeded generator, so runs repeat.
     */
    private UUID idAt(Instant at) {
        return TimeOrderedIds.of(at.toEpochMilli(), random.nextLong(), random.nextLong());
    }
}

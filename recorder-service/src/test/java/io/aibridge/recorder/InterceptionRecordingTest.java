package io.aibridge.recorder;

import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.Topics;
import io.aibridge.recorder.consumer.BatchConsumer;
import io.aibridge.recorder.consumer.ConsumerMetrics;
import io.aibridge.recorder.consumer.DeadLetters;
import io.aibridge.recorder.interception.InterceptionWriter;
import io.aibridge.recorder.sql.SqlArrays;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PostgresTestResource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.common.annotation.Identifier;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.jdbc.PgConnection;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Interception events on Kafka end up as rows in PostgreSQL: every field, exactly once, in threads and sessions. */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(PostgresTestResource.class)
class InterceptionRecordingTest {

    private static final String GROUP = "aibridge-recorder";

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    DataSource dataSource;

    @Inject
    InterceptionWriter writer;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private RecorderKafka kafka;
    private Rows rows;

    @BeforeEach
    void connect() {
        kafka = new RecorderKafka(bootstrapServers);
        rows = new Rows(dataSource);
    }

    @AfterEach
    void disconnect() {
        kafka.close();
    }

    @Test
    void storesEveryFieldOfEveryInterceptionEventType() {
        UUID alice = UUID.randomUUID();
        TestEvents.Interception interception = new TestEvents.Interception(alice, Instant.parse("2026-11-28T10:15:30.123456Z"))
                .clientSession("e3b0c442-98fc-4c14-9afb-f4c8996fb924").answering("toolu_never_seen_" + UUID.randomUUID());
        var started = interception.started();
        var prompt = interception.prompt("Why does the build fail on CI but not locally?", 879);
        var tokens = interception.tokens(12, 417, 20480, 1536, 4377);
        var tool = interception.injectedToolCall("toolu_01T1x1fJ34qAmk2tNTrN7Up6", "rate limited", 4375);
        var thought = interception.thought("The user wants the CI failure explained.", 4376);
        var ended = interception.ended(4387);
        kafka.events().publish(started, prompt, tokens, tool, thought, ended);

        await().atMost(Duration.ofSeconds(30)).until(() -> rows.sessions(List.of(alice)).size() == 1);

        assertThat(rows.interception(interception.id)).containsAllEntriesOf(Map.ofEntries(
                Map.entry("id", interception.id.toString()),
                Map.entry("started_at", "2026-11-28T10:15:30.123456Z"),
                Map.entry("initiator_id", alice.toString()),
                Map.entry("initiator_username", "alice"),
                Map.entry("api_key_id", "k7f3q9x2m4"),
                Map.entry("provider", "anthropic"),
                Map.entry("provider_name", "anthropic-corp"),
                Map.entry("model", "claude-sonnet-4-5"),
                Map.entry("metadata", "{\"Username\": \"alice\", \"request_user_agent\": \"claude-cli/2.0.1 (external, cli)\"}"),
                Map.entry("client", "Claude Code"),
                Map.entry("client_session_id", "e3b0c442-98fc-4c14-9afb-f4c8996fb924"),
                Map.entry("user_agent", "claude-cli/2.0.1 (external, cli)"),
                Map.entry("correlating_tool_call_id", started.correlatingToolCallId()),
                Map.entry("credential_kind", "byok"),
                Map.entry("credential_hint", "sk-a...wxyz"),
                Map.entry("streaming", "true"),
                Map.entry("request_path", "/v1/messages"),
                Map.entry("session_id", "e3b0c442-98fc-4c14-9afb-f4c8996fb924"),
                Map.entry("ended_at", "2026-11-28T10:15:34.510456Z"),
                Map.entry("end_status", "completed"),
                Map.entry("http_status", "200"),
                Map.entry("duration_ms", "4387"),
                Map.entry("time_to_first_byte_ms", "120")));
        assertThat(rows.interception(interception.id)).containsEntry("thread_parent_id", null).containsEntry("thread_root_id", null)
                .containsEntry("error_type", null).containsEntry("error_message", null);

        assertThat(rows.children("aibridge_user_prompts", interception.id)).singleElement().isEqualTo(Map.of(
                "id", prompt.eventId().toString(), "interception_id", interception.id.toString(),
                "interception_started_at", "2026-11-28T10:15:30.123456Z", "provider_response_id", "msg_" + interception.id,
                "prompt", "Why does the build fail on CI but not locally?", "metadata", "{\"turn\": 1}",
                "created_at", "2026-11-28T10:15:31.002456Z"));
        assertThat(rows.children("aibridge_token_usages", interception.id)).singleElement().satisfies(row -> assertThat(row)
                .containsEntry("id", tokens.eventId().toString()).containsEntry("provider_response_id", "msg_" + interception.id)
                .containsEntry("input_tokens", "12").containsEntry("output_tokens", "417")
                .containsEntry("cache_read_input_tokens", "20480").containsEntry("cache_write_input_tokens", "1536")
                .containsEntry("interception_started_at", "2026-11-28T10:15:30.123456Z")
                .containsEntry("created_at", "2026-11-28T10:15:34.500456Z")
                .containsEntry("metadata", "{\"web_search_requests\": 0, \"cache_ephemeral_5m_input\": 1536}"));
        assertThat(rows.children("aibridge_tool_usages", interception.id)).singleElement().satisfies(row -> assertThat(row)
                .containsEntry("id", tool.eventId().toString()).containsEntry("provider_tool_call_id", "toolu_01T1x1fJ34qAmk2tNTrN7Up6")
                .containsEntry("tool", "search_issues").containsEntry("input", "{\"q\":\"flaky\"}")
                .containsEntry("injected", "true").containsEntry("server_url", "https://mcp.example.com/mcp")
                .containsEntry("invocation_error", "rate limited").containsEntry("metadata", "{\"server\": \"github\"}")
                .containsEntry("provider_response_id", "msg_" + interception.id)
                .containsEntry("created_at", "2026-11-28T10:15:34.498456Z"));
        assertThat(rows.children("aibridge_model_thoughts", interception.id)).singleElement().satisfies(row -> assertThat(row)
                .containsEntry("id", thought.eventId().toString()).containsEntry("content", "The user wants the CI failure explained.")
                .containsEntry("source", "thinking").containsEntry("metadata", "{\"signature\": \"sig\"}")
                .containsEntry("provider_response_id", "msg_" + interception.id)
                .containsEntry("created_at", "2026-11-28T10:15:34.499456Z"));
        assertThat(rows.sessions(List.of(alice))).singleElement().satisfies(session -> assertThat(session)
                .containsEntry("session_id", "e3b0c442-98fc-4c14-9afb-f4c8996fb924")
                .containsEntry("started_at", "2026-11-28T10:15:30.123456Z")
                .containsEntry("ended_at", "2026-11-28T10:15:34.510456Z")
                .containsEntry("last_active_at", "2026-11-28T10:15:31.002456Z")
                .containsEntry("providers", "[anthropic]").containsEntry("models", "[claude-sonnet-4-5]")
                .containsEntry("clients", "[Claude Code]").containsEntry("client", "Claude Code")
                .containsEntry("interceptions", "1").containsEntry("threads", "1")
                .containsEntry("input_tokens", "12").containsEntry("output_tokens", "417")
                .containsEntry("cache_read_input_tokens", "20480").containsEntry("cache_write_input_tokens", "1536")
                .containsEntry("last_prompt", "Why does the build fail on CI but not locally?"));
    }

    @Test
    void theDataSourceSendsEveryArrayTheWriterBindsInBinary() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            PgConnection postgres = connection.unwrap(PgConnection.class);
            for (String oid : SqlArrays.BINARY_TRANSFER_OIDS.split(",")) {
                assertThat(postgres.binaryTransferSend(Integer.parseInt(oid))).as("array type oid %s", oid).isTrue();
            }
        }
    }

    @Test
    void aToolLoopDeliveredBackwardsFormsOneThreadAndOneSession() {
        UUID alice = UUID.randomUUID();
        TestEvents.ToolLoop loop = new TestEvents.ToolLoop(alice, TestEvents.now(), null);
        List<InterceptionEvent> backwards = new ArrayList<>(loop.events);
        Collections.reverse(backwards);
        kafka.events().publish(backwards.toArray(InterceptionEvent[]::new));

        String root = loop.first.id.toString();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(rows.sessions(List.of(alice)))
                .singleElement().satisfies(s -> assertThat(s).containsEntry("session_id", root).containsEntry("interceptions", "3")));
        assertThat(rows.interception(loop.second.id)).containsEntry("thread_parent_id", root).containsEntry("thread_root_id", root);
        assertThat(rows.interception(loop.third.id)).containsEntry("thread_parent_id", loop.second.id.toString())
                .containsEntry("thread_root_id", root).containsEntry("session_id", root);
        assertThat(rows.sessions(List.of(alice))).singleElement().satisfies(s -> assertThat(s)
                .containsEntry("threads", "1").containsEntry("input_tokens", "600").containsEntry("output_tokens", "90")
                .containsEntry("last_prompt", "Why does the build fail on CI?"));
    }

    @Test
    void theSameEventsDeliveredTwiceGiveTheSameRows() {
        UUID alice = UUID.randomUUID();
        TestEvents.ToolLoop loop = new TestEvents.ToolLoop(alice, TestEvents.now(), "session-" + UUID.randomUUID());
        List<UUID> ids = List.of(loop.first.id, loop.second.id, loop.third.id);
        InterceptionEvent[] events = loop.events.toArray(InterceptionEvent[]::new);
        kafka.events().publish(events);
        kafka.awaitConsumed(GROUP, Topics.INTERCEPTIONS);
        Map<String, List<Map<String, String>>> once = rows.snapshot(ids, Set.of(alice));
        assertThat(once.get("sessions")).singleElement().satisfies(s -> assertThat(s).containsEntry("interceptions", "3"));
        assertThat(once.get("aibridge_token_usages")).hasSize(3);

        kafka.events().publish(events);
        kafka.awaitConsumed(GROUP, Topics.INTERCEPTIONS);
        assertThat(rows.snapshot(ids, Set.of(alice))).isEqualTo(once);
    }

    @Test
    void replayingTheWholeTopicFromTheBeginningChangesNothing() {
        UUID alice = UUID.randomUUID();
        TestEvents.ToolLoop loop = new TestEvents.ToolLoop(alice, TestEvents.now(), null);
        kafka.events().publish(loop.events.toArray(InterceptionEvent[]::new));
        kafka.awaitConsumed(GROUP, Topics.INTERCEPTIONS);
        Map<String, List<Map<String, String>>> before = everything();
        assertThat(before.get("aibridge_interceptions")).isNotEmpty();

        // A second consumer group reads the whole topic again into the same database.
        String replayGroup = "replay-" + UUID.randomUUID();
        try (DeadLetters deadLetters = new DeadLetters(kafkaConfig, replayGroup)) {
            BatchConsumer<InterceptionEvent> replay = new BatchConsumer<>(replayGroup, Topics.INTERCEPTIONS,
                    Topics.INTERCEPTIONS_DEAD_LETTER, InterceptionEvent.class, writer, deadLetters,
                    new ConsumerMetrics(new SimpleMeterRegistry(), Topics.INTERCEPTIONS), kafkaConfig, replayGroup, 7,
                    Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofSeconds(1)).start();
            try {
                kafka.awaitConsumed(replayGroup, Topics.INTERCEPTIONS);
            } finally {
                replay.stop(Duration.ofSeconds(10));
            }
        }
        Map<String, List<Map<String, String>>> after = everything();
        assertThat(after).as(() -> Rows.difference(before, after)).isEqualTo(before);
    }

    /** Every row of every table the interceptions topic feeds (session refresh times aside). */
    private Map<String, List<Map<String, String>>> everything() {
        Map<String, List<Map<String, String>>> all = new LinkedHashMap<>();
        for (String table : List.of("aibridge_interceptions", "aibridge_token_usages", "aibridge_user_prompts",
                "aibridge_tool_usages", "aibridge_model_thoughts")) {
            all.put(table, rows.query("SELECT * FROM " + table + " ORDER BY id"));
        }
        List<Map<String, String>> sessions = rows.query("SELECT * FROM aibridge_sessions ORDER BY session_id, initiator_id");
        sessions.forEach(s -> s.remove("updated_at"));
        all.put("aibridge_sessions", sessions);
        return all;
    }
}

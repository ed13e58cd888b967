package io.aibridge.query.db;

import io.aibridge.events.Role;
import io.aibridge.identity.IdentityStore;
import io.aibridge.query.fixtures.Fixture;
import io.aibridge.query.fixtures.RecordedData;
import io.aibridge.query.fixtures.RecordedData.Recorded;
import io.aibridge.query.fixtures.TestUsers.TestUser;
import io.aibridge.query.identity.IdentityLifecycle;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.PostgresTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.aibridge.query.db.LongTextsTest.text;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * With a small response budget (25,000 characters; field cap 10,000) the first texts of a page, in
 * the order the response shows them, come whole; from the first one that no longer fits, every text
 * is a 4096-character preview flagged {@code <field>_truncated}, until the previews have used their
 * fixed reserve (1 Mi characters); every text after that is empty and flagged. Metadata, of an
 * interception or a session as of a child row, is charged in its place too: whole while it fits,
 * else {@code {}} flagged {@code metadata_truncated}. No row is dropped and paging is unchanged, so
 * the body stays bounded however much text is stored.
 */
@QuarkusTest
@TestProfile(ResponseBudgetTest.SmallBudget.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResponseBudgetTest {

    static final int PREVIEW = 4096;

    /** A 25,000-character budget and a 10,000-character cap. */
    public static class SmallBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("query.texts.max-field-chars", "10000", "query.texts.max-response-chars", "25000");
        }
    }

    @Inject
    IdentityStore store;
    @Inject
    IdentityLifecycle identity;

    Fixture fixture;
    TestUser owner;
    final List<String> sessionPrompts = new ArrayList<>();
    Recorded newer;
    Recorded older;

    @BeforeAll
    void record() {
        fixture = Fixture.start(store, identity);
        RecordedData data = fixture.data;
        owner = fixture.users.create("rb-owner", Role.OWNER);

        // sessions list, newest first: three prompts of 8,000 fit (24,000), the fourth does not
        for (int i = 0; i < 5; i++) {
            String prompt = text("session" + i, 8000);
            sessionPrompts.add(0, prompt);
            data.interception(owner.id()).at(Instant.parse("2026-05-01T10:00:00Z").plusSeconds(60L * i)).model("session-model")
                    .clientSessionId("cs-budget-" + i).prompt(prompt).save();
        }
        data.interception(owner.id()).at("2026-05-01T09:00:00Z").model("session-model").clientSessionId("cs-budget-small")
                .prompt("a small prompt").save();

        // interceptions list, newest first: the newer one's five texts fit (24,900), the older one's do not
        newer = data.interception(owner.id()).at("2026-05-02T10:00:00Z").model("list-model")
                .prompt(text("newer-prompt", 8000)).thought(text("newer-thought", 8000))
                .injectedTool("lookup", text("newer-input", 8000), "https://mcp.example.com", text("newer-error", 100))
                .errorMessage(text("newer-message", 800)).save();
        older = data.interception(owner.id()).at("2026-05-02T09:00:00Z").model("list-model")
                .prompt(text("older-prompt", 8000)).tool("bash", text("older-input", 8000)).thought("a small thought")
                .errorMessage(text("older-message", 8000)).save();

        // session detail: thread 1 fits (prompt, thinking, tool input: 24,000); thread 2 does not; thread 3 is small
        Recorded t1 = data.interception(owner.id()).at("2026-05-03T10:00:00Z").model("detail-model").clientSessionId("cs-detail")
                .prompt(text("t1-prompt", 8000)).save();
        data.interception(owner.id()).at("2026-05-03T10:00:05Z").model("detail-model").clientSessionId("cs-detail").childOf(t1)
                .thought(text("t1-thought", 8000)).tool("bash", text("t1-input", 8000)).save();
        Recorded t2 = data.interception(owner.id()).at("2026-05-03T11:00:00Z").model("detail-model").clientSessionId("cs-detail")
                .prompt(text("t2-prompt", 8000)).save();
        data.interception(owner.id()).at("2026-05-03T11:00:05Z").model("detail-model").clientSessionId("cs-detail").childOf(t2)
                .tool("bash", text("t2-input", 8000)).save();
        data.interception(owner.id()).at("2026-05-03T12:00:00Z").model("detail-model").clientSessionId("cs-detail")
                .prompt("third prompt").save();

        // bulk: 30 interceptions with 200,000-character prompts (6 M characters stored)
        for (int i = 0; i < 30; i++) {
            data.interception(owner.id()).at(Instant.parse("2026-05-04T10:00:00Z").plusSeconds(i)).model("bulk-model")
                    .prompt(text("bulk" + i, 200_000)).save();
        }
        // one interception with 300 tool calls of 5,000 characters, then a small thought: 5 inputs fit
        // (25,000), 256 previews fill the reserve of 1 Mi characters, the other 39 inputs and the thought are empty
        var many = data.interception(owner.id()).at("2026-05-05T10:00:00Z").model("many-tools-model").metadata("{}");
        for (int i = 0; i < 300; i++) {
            many.tool("bash", text("many" + i, 5000));
        }
        many.thought("a small thought").save();
        // tool calls' metadata: one over the cap, nine of 9,000 characters (two fit in the budget; the
        // rest are over a preview, so left out), then a small one (whole, from the preview reserve)
        var meta = data.interception(owner.id()).at("2026-05-06T10:00:00Z").model("metadata-model");
        for (int i = 0; i < 11; i++) {
            meta.tool("tool" + i, "{}");
        }
        Recorded metaRow = meta.save();
        for (int i = 0; i < 11; i++) {
            String json = i == 0 ? "jsonb_build_object('note', repeat('m', 12000))"
                    : i < 10 ? "jsonb_build_object('note', repeat('" + i + "', 8988))" : "'{\"note\": \"small\"}'::jsonb";
            data.execute("UPDATE aibridge_tool_usages SET metadata = " + json + " WHERE interception_id = '" + metaRow.id()
                    + "' AND tool = 'tool" + i + "'");
        }
        // interceptions' and sessions' own metadata of 9,000 characters (under the cap): two fit in the budget
        for (int i = 0; i < 5; i++) {
            data.interception(owner.id()).at(Instant.parse("2026-05-07T10:00:00Z").plusSeconds(60L * i)).model("meta-rows-model")
                    .metadata(bigMetadata(i)).save();
        }
        for (int i = 0; i < 4; i++) {
            data.interception(owner.id()).at(Instant.parse("2026-05-08T10:00:00Z").plusSeconds(60L * i)).model("meta-session-model")
                    .clientSessionId("cs-meta-" + i).metadata(bigMetadata(i)).save();
        }
        // a session detail whose metadata and first two prompts fill the budget (9,000 + 2 x 8,000)
        for (int i = 0; i < 3; i++) {
            var thread = data.interception(owner.id()).at(Instant.parse("2026-05-09T10:00:00Z").plusSeconds(60L * i))
                    .model("detail-meta-model").clientSessionId("cs-detail-meta").prompt(text("dm" + i, 8000));
            if (i == 0) {
                thread.metadata(bigMetadata(0));
            }
            thread.save();
        }
        data.refreshSessions();
    }

    /** Metadata of exactly 9,000 characters as PostgreSQL writes it: {"note": "<8,988 digits>"}. */
    static String bigMetadata(int digit) {
        return "{\"note\": \"" + String.valueOf(digit).repeat(8988) + "\"}";
    }

    @AfterAll
    void close() {
        fixture.close();
    }

    @Test
    void theSessionsListGivesTheFirstLastPromptsWholeAndPreviewsTheRest() {
        JsonPath body = get("/api/v2/aibridge/sessions", Map.of("model", "session-model", "limit", "1000"));

        assertThat(body.getLong("count")).isEqualTo(6);
        assertThat(body.getList("sessions.id")).containsExactly("cs-budget-4", "cs-budget-3", "cs-budget-2", "cs-budget-1",
                "cs-budget-0", "cs-budget-small");
        for (int i = 0; i < 3; i++) {
            assertThat(body.getMap("sessions[" + i + "]")).containsEntry("last_prompt", sessionPrompts.get(i))
                    .doesNotContainKey("last_prompt_truncated");
        }
        for (int i = 3; i < 5; i++) {
            assertThat(body.getMap("sessions[" + i + "]")).containsEntry("last_prompt", sessionPrompts.get(i).substring(0, PREVIEW))
                    .containsEntry("last_prompt_truncated", true);
        }
        // a preview of a short text is the whole text
        assertThat(body.getMap("sessions[5]")).containsEntry("last_prompt", "a small prompt").doesNotContainKey("last_prompt_truncated");
    }

    @Test
    void theInterceptionsListSpendsTheBudgetInResponseOrder() {
        JsonPath body = get("/api/v2/aibridge/interceptions", Map.of("model", "list-model"));

        assertThat(body.getList("results.id")).containsExactly(newer.id().toString(), older.id().toString());
        assertThat(body.getString("results[0]")).doesNotContain("_truncated");
        assertThat(body.getString("results[0].user_prompts[0].prompt")).hasSize(8000);
        assertThat(body.getString("results[0].tool_usages[0].input")).hasSize(8000);
        assertThat(body.getString("results[0].tool_usages[0].invocation_error")).hasSize(100);
        assertThat(body.getString("results[0].model_thoughts[0].content")).hasSize(8000);
        assertThat(body.getString("results[0].error_message")).isEqualTo(text("newer-message", 800));

        assertThat(body.getString("results[1].user_prompts[0].prompt")).isEqualTo(text("older-prompt", PREVIEW));
        assertThat(body.getBoolean("results[1].user_prompts[0].prompt_truncated")).isTrue();
        assertThat(body.getString("results[1].tool_usages[0].input")).isEqualTo(text("older-input", PREVIEW));
        assertThat(body.getBoolean("results[1].tool_usages[0].input_truncated")).isTrue();
        assertThat(body.getMap("results[1].model_thoughts[0]")).containsEntry("content", "a small thought")
                .doesNotContainKey("content_truncated");
        assertThat(body.getString("results[1].error_message")).isEqualTo(text("older-message", PREVIEW));
        assertThat(body.getBoolean("results[1].error_message_truncated")).isTrue();
    }

    @Test
    void theSessionDetailSpendsTheBudgetThreadByThread() {
        JsonPath body = get("/api/v2/aibridge/sessions/cs-detail", Map.of());

        assertThat(body.getString("threads[0].prompt")).isEqualTo(text("t1-prompt", 8000));
        assertThat(body.getString("threads[0].agentic_actions[0].thinking[0].text")).isEqualTo(text("t1-thought", 8000));
        assertThat(body.getString("threads[0].agentic_actions[0].tool_calls[0].input")).isEqualTo(text("t1-input", 8000));
        assertThat(body.getString("threads[0]")).doesNotContain("_truncated");

        assertThat(body.getString("threads[1].prompt")).isEqualTo(text("t2-prompt", PREVIEW));
        assertThat(body.getBoolean("threads[1].prompt_truncated")).isTrue();
        assertThat(body.getString("threads[1].agentic_actions[0].tool_calls[0].input")).isEqualTo(text("t2-input", PREVIEW));
        assertThat(body.getBoolean("threads[1].agentic_actions[0].tool_calls[0].input_truncated")).isTrue();
        assertThat(body.getMap("threads[2]")).containsEntry("prompt", "third prompt").doesNotContainKey("prompt_truncated");
    }

    @Test
    void aPageKeepsEveryRowAndItsPagingWhileItsBodyStaysWithinTheBudget() {
        String first = owner.request().queryParam("model", "bulk-model").queryParam("limit", 1000)
                .get("/api/v2/aibridge/interceptions").then().statusCode(200).extract().asString();
        JsonPath body = JsonPath.from(first);
        assertThat(body.getLong("count")).isEqualTo(30);
        assertThat(body.getList("results")).hasSize(30);
        assertThat(body.getList("results.user_prompts.flatten().prompt_truncated")).containsOnly(true);
        // the budget, one preview per text, and the rows' other fields; 6 M characters are stored
        assertThat(first.length()).isLessThan(25_000 + 30 * (PREVIEW + 2048));

        // paging by cursor is unchanged: 30 rows in pages of 7, each once
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            var request = owner.request().queryParam("model", "bulk-model").queryParam("limit", 7);
            if (cursor != null) {
                request.queryParam("after_id", cursor);
            }
            List<String> ids = request.get("/api/v2/aibridge/interceptions").then().statusCode(200).extract().jsonPath()
                    .getList("results.id", String.class);
            seen.addAll(ids);
            cursor = ids.size() < 7 ? null : ids.get(ids.size() - 1);
        } while (cursor != null);
        assertThat(seen).doesNotHaveDuplicates().isEqualTo(body.getList("results.id", String.class));
    }

    @Test
    void previewsStopAtTheirFixedReserveSoThatManyTextsCannotOutgrowTheBudget() {
        JsonPath body = get("/api/v2/aibridge/interceptions", Map.of("model", "many-tools-model"));

        List<Map<String, Object>> tools = body.getList("results[0].tool_usages");
        assertThat(tools).hasSize(300);
        long sent = 0;
        for (int i = 0; i < 300; i++) {
            Map<String, Object> tool = tools.get(i);
            String input = (String) tool.get("input");
            sent += input.length();
            if (i < 5) {
                assertThat(tool).as("tool %d", i).containsEntry("input", text("many" + i, 5000)).doesNotContainKey("input_truncated");
            } else if (i < 5 + 256) {
                assertThat(tool).as("tool %d", i).containsEntry("input", text("many" + i, PREVIEW)).containsEntry("input_truncated", true);
            } else {
                assertThat(tool).as("tool %d", i).containsEntry("input", "").containsEntry("input_truncated", true);
            }
            // an empty invocation error stays unflagged
            assertThat(tool).containsEntry("invocation_error", "").doesNotContainKey("invocation_error_truncated");
        }
        assertThat(body.getMap("results[0].model_thoughts[0]")).containsEntry("content", "").containsEntry("content_truncated", true);
        assertThat(sent).isLessThanOrEqualTo(25_000 + TextBudget.PREVIEW_RESERVE_CHARS);
    }

    @Test
    void metadataIsChargedToTheBudgetWholeOrLeftOut() {
        String raw = owner.request().queryParam("model", "metadata-model").get("/api/v2/aibridge/interceptions").then().statusCode(200)
                .extract().asString();
        JsonPath body = JsonPath.from(raw);

        List<Map<String, Object>> tools = body.getList("results[0].tool_usages");
        assertThat(tools).hasSize(11);
        // over the cap: left out, not charged
        assertThat(tools.get(0)).containsEntry("metadata", Map.of()).containsEntry("metadata_truncated", true);
        for (int i = 1; i < 10; i++) {
            if (i < 3) {
                // {"note": "<8,988 characters>"}: 9,000 characters
                assertThat(tools.get(i)).as("tool %d", i).containsEntry("metadata", Map.of("note", String.valueOf(i).repeat(8988)))
                        .doesNotContainKey("metadata_truncated");
            } else {
                assertThat(tools.get(i)).as("tool %d", i).containsEntry("metadata", Map.of()).containsEntry("metadata_truncated", true);
            }
        }
        assertThat(tools.get(10)).containsEntry("metadata", Map.of("note", "small")).doesNotContainKey("metadata_truncated");
        // 93,000 characters of metadata stored; the body holds two of them and the rows' other fields
        assertThat(raw.length()).isLessThan(25_000 + 11 * 512);
    }

    @Test
    void interceptionsMetadataIsChargedToTheBudgetWholeOrLeftOut() {
        String raw = owner.request().queryParam("model", "meta-rows-model").get("/api/v2/aibridge/interceptions").then()
                .statusCode(200).extract().asString();
        JsonPath body = JsonPath.from(raw);

        List<Map<String, Object>> rows = body.getList("results");
        assertThat(rows).hasSize(5);
        for (int i = 0; i < 5; i++) {
            // newest first: the rows of 2026-05-07T10:04 and 10:03 fit (18,000), the others no longer do
            int digit = 4 - i;
            if (i < 2) {
                assertThat(rows.get(i)).as("row %d", i).containsEntry("metadata", Map.of("note", String.valueOf(digit).repeat(8988)))
                        .doesNotContainKey("metadata_truncated");
            } else {
                assertThat(rows.get(i)).as("row %d", i).containsEntry("metadata", Map.of()).containsEntry("metadata_truncated", true);
            }
        }
        // 45,000 characters of metadata stored; the body holds two of them and the rows' other fields
        assertThat(raw.length()).isLessThan(25_000 + 5 * 1024);
    }

    @Test
    void sessionsMetadataIsChargedToTheBudgetWholeOrLeftOut() {
        JsonPath body = get("/api/v2/aibridge/sessions", Map.of("model", "meta-session-model"));

        assertThat(body.getList("sessions.id")).containsExactly("cs-meta-3", "cs-meta-2", "cs-meta-1", "cs-meta-0");
        assertThat(body.getMap("sessions[0]")).containsEntry("metadata", Map.of("note", "3".repeat(8988)))
                .doesNotContainKey("metadata_truncated");
        assertThat(body.getMap("sessions[1]")).containsEntry("metadata", Map.of("note", "2".repeat(8988)))
                .doesNotContainKey("metadata_truncated");
        for (int i = 2; i < 4; i++) {
            assertThat(body.getMap("sessions[" + i + "]")).as("session %d", i).containsEntry("metadata", Map.of())
                    .containsEntry("metadata_truncated", true);
        }
    }

    @Test
    void theSessionDetailChargesItsMetadataBeforeItsThreads() {
        JsonPath body = get("/api/v2/aibridge/sessions/cs-detail-meta", Map.of());

        assertThat(body.getMap("metadata")).isEqualTo(Map.of("note", "0".repeat(8988)));
        assertThat(body.getMap("")).doesNotContainKey("metadata_truncated");
        assertThat(body.getString("threads[0].prompt")).isEqualTo(text("dm0", 8000));
        assertThat(body.getString("threads[1].prompt")).isEqualTo(text("dm1", 8000));
        assertThat(body.getString("threads[2].prompt")).isEqualTo(text("dm2", PREVIEW));
        assertThat(body.getBoolean("threads[2].prompt_truncated")).isTrue();
    }

    private JsonPath get(String path, Map<String, String> params) {
        return owner.request().queryParams(params).get(path).then().statusCode(200).extract().jsonPath();
    }
}

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
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Prompts, tool inputs, thoughts, tool errors and error messages of 1 Mi characters come back cut to the field cap
 * (the default, 256 Ki characters; the default response budget holds them all) and flagged
 * {@code <field>_truncated: true}, in the sessions list, the interceptions list and the session
 * detail; normal-sized texts come back whole and unflagged. A cap counts characters, not bytes.
 * Metadata (JSON) over the cap cannot be cut: it is an empty object flagged {@code metadata_truncated},
 * that of an interception or session and that of a token usage, prompt, tool usage or thought alike.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LongTextsTest {

    static final int CAP = 262_144;
    static final int MI = 1 << 20;

    @Inject
    IdentityStore store;
    @Inject
    IdentityLifecycle identity;

    Fixture fixture;
    TestUser owner;
    Recorded longRoot;
    Recorded longChild;
    Recorded shortRoot;
    Recorded wideRoot;
    Recorded emojiRoot;
    final String bigPrompt = text("prompt", MI);
    final String bigInput = text("input", MI);
    final String bigThought = text("thought", MI);
    final String bigError = text("error", MI);
    final String bigErrorMessage = text("error-message", MI);
    // JSON of more than the cap: it cannot be cut, so it is left out whole
    final String bigMetadata = "{\"Username\": \"lt-owner\", \"request_user_agent\": \"" + text("agent", CAP) + "\"}";
    // a token usage's extra types as the events allow them (any number of integers): over the cap
    final String manyTokenTypes = manyKeys(CAP / 16);
    // a child row's free-form metadata as the events allow it (up to the event size): over the cap
    final String bigChildMetadata = "jsonb_build_object('note', repeat('m', " + (CAP + 1) + "))";
    // 200 Ki characters of 3 bytes each: more bytes than the cap, fewer characters
    final String wide = "✓".repeat(200 * 1024);
    // 300 Ki characters outside the BMP: two Java chars and four bytes each
    final String emoji = "😀".repeat(300 * 1024);

    @BeforeAll
    void record() {
        fixture = Fixture.start(store, identity);
        RecordedData data = fixture.data;
        owner = fixture.users.create("lt-owner", Role.OWNER);
        longRoot = data.interception(owner.id()).at("2026-04-01T10:00:00Z").clientSessionId("cs-long").prompt(bigPrompt)
                .errorMessage(bigErrorMessage).metadata(bigMetadata).save();
        longChild = data.interception(owner.id()).at("2026-04-01T10:00:05Z").clientSessionId("cs-long").childOf(longRoot)
                .tokens(1, 2, 3, 4, manyTokenTypes)
                .thought(bigThought).tool("write", bigInput).injectedTool("lookup", "{\"id\":1}", "https://mcp.example.com", bigError)
                .save();
        data.execute("UPDATE aibridge_user_prompts SET metadata = " + bigChildMetadata + " WHERE interception_id = '" + longRoot.id() + "'");
        data.execute("UPDATE aibridge_tool_usages SET metadata = " + bigChildMetadata + " WHERE interception_id = '" + longChild.id()
                + "' AND tool = 'write'");
        data.execute("UPDATE aibridge_model_thoughts SET metadata = " + bigChildMetadata + " WHERE interception_id = '"
                + longChild.id() + "'");
        shortRoot = data.interception(owner.id()).at("2026-04-02T10:00:00Z").clientSessionId("cs-short").prompt("short prompt")
                .errorMessage("upstream_error: overloaded").save();
        data.interception(owner.id()).at("2026-04-02T10:00:05Z").clientSessionId("cs-short").childOf(shortRoot)
                .thought("short thought").tool("bash", "{\"command\":\"ls\"}").save();
        wideRoot = data.interception(owner.id()).at("2026-04-03T10:00:00Z").clientSessionId("cs-wide").prompt(wide).save();
        emojiRoot = data.interception(owner.id()).at("2026-04-04T10:00:00Z").clientSessionId("cs-emoji").prompt(emoji).save();
        data.refreshSessions();
    }

    @AfterAll
    void close() {
        fixture.close();
    }

    @Test
    void theSessionsListCutsALongLastPromptAtTheCapAndFlagsIt() {
        JsonPath body = get("/api/v2/aibridge/sessions", Map.of("limit", "1000"));

        assertThat(body.getList("sessions.id")).containsExactly("cs-emoji", "cs-wide", "cs-short", "cs-long");
        Map<String, Object> lng = body.getMap("sessions[3]");
        assertThat((String) lng.get("last_prompt")).isEqualTo(bigPrompt.substring(0, CAP));
        assertThat(lng).containsEntry("last_prompt_truncated", true);
        assertThat(lng).containsEntry("metadata", Map.of()).containsEntry("metadata_truncated", true);
        assertThat(body.getMap("sessions[2]")).containsEntry("last_prompt", "short prompt").doesNotContainKey("last_prompt_truncated")
                .containsEntry("metadata", Map.of("request_user_agent", "claude-cli/2.0.1 (external, cli)"))
                .doesNotContainKey("metadata_truncated");
        assertThat(body.getMap("sessions[1]")).containsEntry("last_prompt", wide).doesNotContainKey("last_prompt_truncated");
        String cut = body.getString("sessions[0].last_prompt");
        assertThat(cut.codePointCount(0, cut.length())).isEqualTo(CAP);
        assertThat(emoji).startsWith(cut);
        assertThat(body.getBoolean("sessions[0].last_prompt_truncated")).isTrue();
    }

    @Test
    void theInterceptionsListCutsLongPromptsToolInputsErrorsAndThoughtsAndFlagsEach() {
        JsonPath body = get("/api/v2/aibridge/interceptions", Map.of("limit", "1000"));

        List<String> ids = body.getList("results.id", String.class);
        Map<String, Object> root = body.getMap("results[" + ids.indexOf(longRoot.id().toString()) + "].user_prompts[0]");
        assertThat((String) root.get("prompt")).isEqualTo(bigPrompt.substring(0, CAP));
        assertThat(root).containsEntry("prompt_truncated", true);
        Map<String, Object> failed = body.getMap("results[" + ids.indexOf(longRoot.id().toString()) + "]");
        assertThat((String) failed.get("error_message")).isEqualTo(bigErrorMessage.substring(0, CAP));
        assertThat(failed).containsEntry("error_message_truncated", true);
        assertThat(failed).containsEntry("metadata", Map.of()).containsEntry("metadata_truncated", true);
        assertThat(body.getList("results.metadata.request_user_agent")).containsOnly(null, "claude-cli/2.0.1 (external, cli)");
        assertThat(body.getMap("results[" + ids.indexOf(shortRoot.id().toString()) + "]"))
                .containsEntry("error_message", "upstream_error: overloaded").doesNotContainKey("error_message_truncated");

        String child = "results[" + ids.indexOf(longChild.id().toString()) + "]";
        assertThat(body.getList(child + ".tool_usages.tool")).containsExactly("write", "lookup");
        assertThat(body.getString(child + ".tool_usages[0].input")).isEqualTo(bigInput.substring(0, CAP));
        assertThat(body.getBoolean(child + ".tool_usages[0].input_truncated")).isTrue();
        assertThat(body.getMap(child + ".tool_usages[0]")).doesNotContainKey("invocation_error_truncated")
                .containsEntry("invocation_error", "");
        assertThat(body.getMap(child + ".tool_usages[1]")).containsEntry("input", "{\"id\":1}").doesNotContainKey("input_truncated")
                .containsEntry("invocation_error", bigError.substring(0, CAP)).containsEntry("invocation_error_truncated", true);
        assertThat(body.getString(child + ".model_thoughts[0].content")).isEqualTo(bigThought.substring(0, CAP));
        assertThat(body.getBoolean(child + ".model_thoughts[0].content_truncated")).isTrue();

        for (int i = 0; i < ids.size(); i++) {
            if (ids.get(i).equals(longRoot.id().toString()) || ids.get(i).equals(longChild.id().toString())
                    || ids.get(i).equals(emojiRoot.id().toString())) {
                continue;
            }
            assertThat(body.getString("results[" + i + "]")).as("interception " + ids.get(i)).doesNotContain("_truncated");
        }
        String wideRow = "results[" + ids.indexOf(wideRoot.id().toString()) + "]";
        assertThat(body.getString(wideRow + ".user_prompts[0].prompt")).isEqualTo(wide);
        assertThat(body.getList("results.user_prompts.prompt.flatten()")).contains("short prompt");
        assertThat(body.getList("results.model_thoughts.content.flatten()")).contains("short thought");
        assertThat(body.getList("results.tool_usages.input.flatten()")).contains("{\"command\":\"ls\"}");
        // the proxy's own flag in the prompt's metadata is another thing: it is not set here
        assertThat(root.get("metadata")).isEqualTo(Map.of());
    }

    @Test
    void theSessionDetailCutsTheThreadPromptThinkingAndToolInputsAndFlagsEach() {
        JsonPath body = get("/api/v2/aibridge/sessions/cs-long", Map.of());

        assertThat(body.getString("threads[0].prompt")).isEqualTo(bigPrompt.substring(0, CAP));
        assertThat(body.getBoolean("threads[0].prompt_truncated")).isTrue();
        assertThat(body.getMap("metadata")).isEmpty();
        assertThat(body.getBoolean("metadata_truncated")).isTrue();
        String action = "threads[0].agentic_actions[0]";
        assertThat(body.getString(action + ".thinking[0].text")).isEqualTo(bigThought.substring(0, CAP));
        assertThat(body.getBoolean(action + ".thinking[0].text_truncated")).isTrue();
        assertThat(body.getString(action + ".tool_calls[0].input")).isEqualTo(bigInput.substring(0, CAP));
        assertThat(body.getBoolean(action + ".tool_calls[0].input_truncated")).isTrue();
        assertThat(body.getMap(action + ".tool_calls[1]")).containsEntry("input", "{\"id\":1}").doesNotContainKey("input_truncated");

        String normal = owner.request().get("/api/v2/aibridge/sessions/cs-short").then().statusCode(200).extract().asString();
        assertThat(normal).doesNotContain("_truncated").contains("\"prompt\":\"short prompt\"", "\"text\":\"short thought\"",
                "\"metadata\":{\"request_user_agent\":\"claude-cli/2.0.1 (external, cli)\"}");
    }

    @Test
    void childMetadataOverTheCapIsAnEmptyObjectFlaggedAndNormalMetadataIsSentAsBefore() {
        JsonPath body = get("/api/v2/aibridge/interceptions", Map.of("limit", "1000"));

        List<String> ids = body.getList("results.id", String.class);
        String child = "results[" + ids.indexOf(longChild.id().toString()) + "]";
        assertThat(body.getMap(child + ".token_usages[0]")).containsEntry("input_tokens", 1)
                .containsEntry("metadata", Map.of()).containsEntry("metadata_truncated", true);
        assertThat(body.getMap(child + ".tool_usages[0]")).containsEntry("metadata", Map.of()).containsEntry("metadata_truncated", true);
        assertThat(body.getMap(child + ".tool_usages[1]")).containsEntry("metadata", Map.of()).doesNotContainKey("metadata_truncated");
        assertThat(body.getMap(child + ".model_thoughts[0]")).containsEntry("metadata", Map.of())
                .containsEntry("metadata_truncated", true);
        assertThat(body.getMap("results[" + ids.indexOf(longRoot.id().toString()) + "].user_prompts[0]"))
                .containsEntry("metadata", Map.of()).containsEntry("metadata_truncated", true);

        // normal metadata: the same bytes as before, unflagged
        String all = owner.request().queryParam("limit", 1000).queryParam("started_after", "2026-04-02T00:00:00Z")
                .queryParam("started_before", "2026-04-02T23:59:59Z").get("/api/v2/aibridge/interceptions").then().statusCode(200)
                .extract().asString();
        assertThat(all).doesNotContain("_truncated").contains("\"content\":\"short thought\",\"source\":\"thinking\","
                + "\"metadata\":{\"source\":\"thinking\"},\"created_at\"", "\"injected\":false,\"invocation_error\":\"\",\"metadata\":{},");

        JsonPath detail = get("/api/v2/aibridge/sessions/cs-long", Map.of());
        String calls = "threads[0].agentic_actions[0].tool_calls";
        assertThat(detail.getMap(calls + "[0]")).containsEntry("metadata", Map.of()).containsEntry("metadata_truncated", true);
        assertThat(detail.getMap(calls + "[1]")).containsEntry("metadata", Map.of()).doesNotContainKey("metadata_truncated");
    }

    @Test
    void aResponseCarriesAtMostTheCapPerTextWhateverIsStored() {
        // the sessions cs-long and cs-short (ASCII, so that characters are bytes in the body)
        String before = "2026-04-02T23:59:59Z";
        byte[] sessions = owner.request().queryParam("limit", 1000).queryParam("started_before", before)
                .get("/api/v2/aibridge/sessions").then().statusCode(200).extract().asByteArray();
        byte[] interceptions = owner.request().queryParam("limit", 1000).queryParam("started_before", before)
                .get("/api/v2/aibridge/interceptions").then().statusCode(200).extract().asByteArray();
        // stored: 5 Mi characters of long texts and 4 metadata over the cap; sent: at most the cap of each text, {} for each metadata
        assertThat(interceptions.length).isLessThan(5 * CAP + 16 * 1024);
        assertThat(sessions.length).isLessThan(CAP + 8 * 1024);
    }

    /** A JSON object of {@code n} integer keys (about 20 characters each). */
    static String manyKeys(int n) {
        StringBuilder s = new StringBuilder("{");
        for (int i = 0; i < n; i++) {
            s.append(i == 0 ? "" : ", ").append("\"extra_type_").append(i).append("\": ").append(i);
        }
        return s.append('}').toString();
    }

    /** {@code n} characters that start with the marker and never repeat within a cap, so a cut is checked exactly. */
    static String text(String marker, int n) {
        StringBuilder s = new StringBuilder(n + 16).append(marker).append(':');
        for (int i = 0; s.length() < n; i++) {
            s.append(i).append(' ');
        }
        return s.substring(0, n);
    }

    private JsonPath get(String path, Map<String, String> params) {
        return owner.request().queryParams(params).get(path).then().statusCode(200).extract().jsonPath();
    }
}

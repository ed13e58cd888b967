package io.aibridge.cli.interceptions;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.testing.Cli;
import io.aibridge.cli.testing.RecordedRows.Interception;
import io.aibridge.cli.testing.World;
import io.aibridge.cli.testing.WorldExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code aibridge interceptions list} against a running query-service with recorded data. */
@ExtendWith(WorldExtension.class)
class InterceptionsListTest {

    static World world;
    static Cli admin;

    @BeforeAll
    static void setUp(World w) {
        world = w;
        admin = w.admin;
    }

    @Test
    void printsOnlyTheResultsArrayIndentedByTwoSpacesLikeTheReference() {
        Cli.Result r = admin.ok("interceptions", "list", "--initiator", "alice");

        assertThat(ids(r.json())).containsExactly(id(world.c1), id(world.a3), id(world.a2), id(world.a1));
        assertThat(r.stdout()).startsWith("[\n  {\n    \"id\": \"" + world.c1.id + "\",\n");
        assertThat(r.stdout()).endsWith("  }\n]\n");
        // Go's encoder escapes HTML characters; the reference prints with it
        assertThat(r.stdout()).contains("\"prompt\": \"fix the \\u003cbug\\u003e \\u0026 ship it\"");
        assertThat(r.stdout()).doesNotContain("\"count\"").doesNotContain(" : ").doesNotContain("[ ]");
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void eachInterceptionCarriesItsInitiatorTokensPromptsAndToolCalls() {
        JsonNode a1 = admin.ok("interceptions", "list", "--initiator", "alice", "--after-id", world.a2.id.toString()).json().get(0);

        assertThat(a1.get("id").asText()).isEqualTo(id(world.a1));
        assertThat(a1.path("initiator").path("username").asText()).isEqualTo("alice");
        assertThat(a1.path("initiator").path("name").asText()).isEqualTo("Alice Liddell");
        assertThat(a1.path("token_usages").get(0).path("cache_read_input_tokens").asLong()).isEqualTo(1000);
        assertThat(a1.path("user_prompts").get(0).path("prompt").asText()).isEqualTo("fix the <bug> & ship it");
        assertThat(a1.path("tool_usages").get(0).path("tool").asText()).isEqualTo("bash");
        assertThat(a1.path("session_id").asText()).isEqualTo("cs-alpha");
    }

    @Test
    void everyFilterNarrowsTheListAsTheReferenceQueryDoes() {
        Cli.Result r = admin.ok("interceptions", "list", "--initiator", world.bob.id().toString(), "--provider", "openai",
                "--model", "gpt-4o", "--client", "Codex", "--started-after", "2026-03-01T00:00:00Z",
                "--started-before", "2026-03-31T00:00:00.5+02:00");

        assertThat(ids(r.json())).containsExactly(id(world.b1));
    }

    @Test
    void startedAfterAndBeforeBoundTheTimeRange() {
        Cli.Result r = admin.ok("interceptions", "list", "--initiator", "alice", "--started-after", "2026-03-02T10:00:05Z",
                "--started-before", "2026-03-02T11:00:00Z");

        assertThat(ids(r.json())).containsExactly(id(world.a3), id(world.a2));
    }

    @Test
    void limitAndAfterIdPageThroughTheResults() {
        JsonNode first = admin.ok("interceptions", "list", "--initiator", "alice", "--limit", "2").json();
        String last = first.get(1).get("id").asText();
        JsonNode second = admin.ok("interceptions", "list", "--initiator", "alice", "--limit", "2", "--after-id", last).json();

        assertThat(ids(first)).containsExactly(id(world.c1), id(world.a3));
        assertThat(ids(second)).containsExactly(id(world.a2), id(world.a1));
    }

    @Test
    void theDefaultLimitIsOneHundred() {
        JsonNode page = admin.ok("interceptions", "list", "--model", World.EXPORT_MODEL).json();

        assertThat(page).hasSize(100);
        assertThat(page.get(0).get("id").asText()).isEqualTo(id(world.exported.get(0)));
    }

    @Test
    void noMatchPrintsAnEmptyArray() {
        Cli.Result r = admin.ok("interceptions", "list", "--model", "no-such-model");

        assertThat(r.stdout()).isEqualTo("[]\n");
    }

    @Test
    void aMemberSeesOnlyTheirOwnInterceptions() {
        JsonNode page = world.as(world.alice).ok("interceptions", "list", "--limit", "1000").json();

        assertThat(ids(page)).containsExactly(id(world.c1), id(world.a3), id(world.a2), id(world.a1));
    }

    @Test
    void meMeansTheCaller() {
        JsonNode page = world.as(world.bob).ok("interceptions", "list", "--initiator", "me", "--started-after", "2026-03-01T00:00:00Z").json();

        assertThat(ids(page)).containsExactly(id(world.b1));
    }

    static List<String> ids(JsonNode array) {
        List<String> ids = new ArrayList<>();
        array.forEach(n -> ids.add(n.get("id").asText()));
        return ids;
    }

    static String id(Interception i) {
        return i.id.toString();
    }
}

package io.aibridge.cli.usage;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.testing.Cli;
import io.aibridge.cli.testing.World;
import io.aibridge.cli.testing.WorldExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code aibridge usage}: the leaderboard, against a running query-service. */
@ExtendWith(WorldExtension.class)
class UsageCommandTest {

    static final String[] MARCH = {"--started-after", "2026-03-01T00:00:00Z", "--started-before", "2026-04-01T00:00:00Z"};
    static World world;
    static Cli admin;

    @BeforeAll
    static void setUp(World w) {
        world = w;
        admin = w.admin;
    }

    @Test
    void leaderboardByUserRanksByTotalTokensWithTotals() {
        Cli.Result r = admin.ok(args("usage", "--by", "user"));

        List<String> lines = r.stdout().lines().toList();
        assertThat(lines.get(0)).isEqualTo("Usage by user, 2026-03-01T00:00:00Z to 2026-04-01T00:00:00Z, largest total tokens first (2 users)");
        assertThat(lines.get(2)).matches("# +USER +TOTAL TOKENS +SHARE +INPUT +OUTPUT +CACHE READ +CACHE WRITE +INTERCEPTIONS +SESSIONS");
        // alice 1,437 tokens (4 interceptions, 2 sessions), bob 900 (1, 1)
        assertThat(lines.get(3)).matches("1 +alice +1,437 +61\\.5% +318 +69 +1,000 +50 +4 +2");
        assertThat(lines.get(4)).matches("2 +bob +900 +38\\.5% +500 +100 +300 +0 +1 +1");
        assertThat(lines.get(5)).matches(" +total +2,337 +100\\.0% +818 +169 +1,300 +50 +5 +3");
    }

    @Test
    void groupsByModelClientAndProvider() {
        assertThat(admin.ok(args("usage", "--by", "model", "--output", "json")).json().get("groups"))
                .extracting(g -> g.get("key").asText()).containsExactly("claude-sonnet-4-5", "gpt-4o", "claude-opus-4", "gpt-4o-mini");
        assertThat(admin.ok(args("usage", "--by", "client", "--output", "json")).json().get("groups"))
                .extracting(g -> g.get("key").asText()).containsExactly("Claude Code", "Codex", "Unknown");
        assertThat(admin.ok(args("usage", "--by", "provider")).stdout()).contains("PROVIDER").contains("anthropic").contains("openai");
    }

    @Test
    void ordersByAnotherFieldAndLimitsTheRows() {
        Cli.Result r = admin.ok(args("usage", "--by", "user", "--order-by", "cache_read_input_tokens", "--limit", "1"));

        assertThat(r.stdout()).contains("largest cache read input tokens first (2 users)")
                .containsPattern("\n1 +alice ").doesNotContain(" bob ").contains("Top 1 of 2; --limit shows more.");
    }

    @Test
    void jsonIsTheApiReport() {
        JsonNode report = admin.ok(args("usage", "--output", "json", "--provider", "anthropic")).json();

        assertThat(report.get("group_by").asText()).isEqualTo("user");
        assertThat(report.get("totals").get("total_tokens").asLong()).isEqualTo(1427);
        assertThat(report.get("groups").get(0).get("user").get("username").asText()).isEqualTo("alice");
    }

    @Test
    void aMemberSeesOnlyTheirOwnUsage() {
        JsonNode report = world.as(world.bob).ok(args("usage", "--output", "json")).json();

        assertThat(report.get("groups")).extracting(g -> g.get("key").asText()).containsExactly(world.bob.id().toString());
    }

    @Test
    void anEmptyRangeSaysSo() {
        Cli.Result r = admin.ok("usage", "--started-after", "2030-01-01T00:00:00Z");

        assertThat(r.stdout()).contains("No usage in this range.");
    }

    private static String[] args(String... command) {
        String[] all = new String[command.length + MARCH.length];
        System.arraycopy(command, 0, all, 0, command.length);
        System.arraycopy(MARCH, 0, all, command.length, MARCH.length);
        return all;
    }
}

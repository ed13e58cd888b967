package io.aibridge.schema;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.testing.Database;
import io.aibridge.testing.GrafanaDashboard;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every SQL query of the shipped Grafana dashboard (template variables and panels) runs against
 * the migrated schema with data in it, with the Grafana macros and variables expanded as Grafana
 * expands them, and returns what the panel promises. A schema change that breaks a panel fails
 * here.
 */
class DashboardQueriesTest {

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MICROS);
    /** The dashboard's default range: the last 7 days. */
    private static final Instant FROM = NOW.minus(7, ChronoUnit.DAYS);
    private static final List<String> VARIABLES = List.of("username", "provider", "model", "client");
    /** Grafana's value of a variable set to "All". */
    private static final List<String> ALL = List.of("$__all");

    private static final UUID ALICE = UUID.randomUUID();
    private static final UUID BOB = UUID.randomUUID();
    /** Has interceptions but no row in aibridge_users (her identity event not consumed yet). */
    private static final UUID CAROL = UUID.randomUUID();
    /** No row in aibridge_users and no initiator_username either: shown by id, in no list of the username variable. */
    private static final UUID NAMELESS = UUID.randomUUID();

    private static Database database;
    private static GrafanaDashboard dashboard;

    @BeforeAll
    static void migrateAndFill() throws SQLException {
        database = Database.start().migrate();
        dashboard = GrafanaDashboard.load();
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            s.execute("SELECT aibridge_ensure_day_partitions((now() - interval '40 days')::date, (now() + interval '1 day')::date)");
            user(c, ALICE, "alice");
            user(c, BOB, "bob");
            Instant twoDaysAgo = NOW.minus(2, ChronoUnit.DAYS);
            Instant yesterday = NOW.minus(1, ChronoUnit.DAYS);
            UUID sonnet = interception(c, ALICE, "alice", "anthropic", "anthropic", "claude-sonnet-4-5-20250929", "Claude Code",
                    twoDaysAgo, true);
            tokens(c, sonnet, twoDaysAgo, 1_000_000, 100_000, 2_000_000, 400_000);
            prompt(c, sonnet, twoDaysAgo, "Why is the build red?");
            tool(c, sonnet, twoDaysAgo, "https://mcp.example.com/mcp", "search_issues", "{\"q\":\"flaky\"}", "timeout after 30 s");
            UUID mini = interception(c, BOB, "bob", "openai", "openai-corp", "gpt-4o-mini", null, yesterday, true);
            tokens(c, mini, yesterday, 2_000_000, 1_000_000, 1_000_000, 0);
            prompt(c, mini, yesterday, "Rename the module");
            tool(c, mini, yesterday, null, "Bash", "{\"command\":\"ls\"}", null);
            UUID unpriced = interception(c, CAROL, "carol", "openai", "openai-corp", "mystery-model", "Codex", yesterday, true);
            tokens(c, unpriced, yesterday, 10, 20, 0, 0);
            UUID nameless = interception(c, NAMELESS, null, "openai", "openai-corp", "gpt-4o-mini", "Codex", yesterday, true);
            tokens(c, nameless, yesterday, 7, 3, 0, 0);
            // neither is shown: one still running, one outside the time range
            UUID running = interception(c, ALICE, "alice", "anthropic", "anthropic", "claude-haiku-4-5", "Claude Code", NOW, false);
            tokens(c, running, NOW, 5, 5, 0, 0);
            UUID old = interception(c, BOB, "bob", "anthropic", "anthropic", "claude-opus-4-1", "Cursor",
                    NOW.minus(30, ChronoUnit.DAYS), true);
            tokens(c, old, NOW.minus(30, ChronoUnit.DAYS), 5, 5, 0, 0);
        }
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    @ParameterizedTest
    @CsvSource({
            "o1-2024-12-17, o1", "o1-mini-2024-09-12, o1-mini", "o1-pro-2025-03-19, o1-pro",
            "o3-2025-04-16, o3", "o3-mini, o3-mini", "o3-pro-2025-06-10, o3-pro", "o3-deep-research-2025-06-26, o3-deep-research",
            "o4-mini-2025-04-16, o4-mini", "o4-mini-deep-research, o4-mini-deep-research", "gpt-4o-mini-2024-07-18, gpt-4o-mini"})
    void everyOpenAiFamilyTakesItsOwnPriceRowNotItsParents(String model, String pricedAs) throws SQLException {
        // the cost panel's rule: the longest prefix of the provider's rows that the model starts with
        try (Connection c = database.connect(); PreparedStatement s = c.prepareStatement("""
                SELECT model_prefix FROM aibridge_model_prices
                WHERE provider = 'openai' AND left(?, length(model_prefix)) = model_prefix
                ORDER BY length(model_prefix) DESC LIMIT 1""")) {
            s.setString(1, model);
            try (ResultSet row = s.executeQuery()) {
                assertThat(row.next()).isTrue();
                assertThat(row.getString(1)).isEqualTo(pricedAs);
            }
        }
    }

    @Test
    void theDashboardHasTheReferencePanelsAndVariables() {
        assertThat(dashboard.panels()).extracting(p -> p.path("title").asText()).contains("Total usage for $username",
                "Leaderboard per user", "Top models by interception count", "Top clients by interception count", "Approximate Cost",
                "Total interceptions", "Interceptions over time by user", "User Prompts", "Tool Calls", "Request rate", "Errors",
                "Latency", "Time to first byte", "Event backlog", "Consumer lag");
        assertThat(dashboard.variableQueries()).extracting(GrafanaDashboard.Sql::where)
                .containsExactly("variable $username", "variable $provider", "variable $model", "variable $client");
        assertThat(dashboard.json().path("refresh").asText()).isEqualTo("1m");
        assertThat(dashboard.json().path("timezone").asText()).isEqualTo("utc");
        assertThat(dashboard.json().path("time").path("from").asText()).isEqualTo("now-7d");
    }

    @Test
    void theVariablesOfferWhatWasRecordedInTheTimeRange() throws SQLException {
        Map<String, List<String>> values = variableValues();
        assertThat(values.get("username")).containsExactlyInAnyOrder("alice", "bob", "carol");
        assertThat(values.get("provider")).containsExactlyInAnyOrder("anthropic", "openai-corp");
        assertThat(values.get("model")).as("not the running one's, not the old one's")
                .containsExactlyInAnyOrder("claude-sonnet-4-5-20250929", "gpt-4o-mini", "mystery-model");
        assertThat(values.get("client")).as("NULL is shown as Unknown").containsExactlyInAnyOrder("Claude Code", "Unknown", "Codex");
    }

    @Test
    void everyPanelQueryRunsWithAllSelectedAndReturnsRows() throws SQLException {
        Map<String, List<String>> all = allSelected();
        List<GrafanaDashboard.Sql> panels = dashboard.sqlQueries().stream().filter(q -> q.where().startsWith("panel")).toList();
        assertThat(panels).hasSizeGreaterThanOrEqualTo(9);
        for (GrafanaDashboard.Sql panel : panels) {
            assertThat(run(panel, all)).as(panel.where()).isNotEmpty();
        }
    }

    @Test
    void everyPanelQueryRunsWithOneValuePerVariable() throws SQLException {
        Map<String, List<String>> one = new LinkedHashMap<>(Map.of("username", List.of("alice"), "provider", List.of("anthropic"),
                "model", List.of("claude-sonnet-4-5-20250929"), "client", List.of("Claude Code")));
        for (GrafanaDashboard.Sql panel : dashboard.sqlQueries()) {
            if (panel.where().startsWith("panel")) {
                assertThat(run(panel, one)).as(panel.where()).isNotEmpty();
            }
        }
        assertThat(single(panel("Total interceptions"), one).get("Interceptions")).isEqualTo("1");
    }

    @Test
    void totalsAndTheLeaderboardSumTheVisibleInterceptionsOnly() throws SQLException {
        Map<String, List<String>> all = allSelected();
        assertThat(single(panel("Total interceptions"), all).get("Interceptions")).isEqualTo("4");
        assertThat(single(panel("Total usage for $username"), all)).containsEntry("Input", "3000017").containsEntry("Output", "1100023")
                .containsEntry("Cache read", "3000000").containsEntry("Cache write", "400000");
        List<Map<String, String>> leaderboard = run(panel("Leaderboard per user"), all);
        assertThat(leaderboard).extracting(r -> r.get("User")).as("heaviest first")
                .containsExactly("bob", "alice", "carol", NAMELESS.toString());
        assertThat(run(panel("Top clients by interception count"), all)).extracting(r -> r.get("Client"))
                .containsExactlyInAnyOrder("Claude Code", "Unknown", "Codex");
        List<Map<String, String>> overTime = run(panel("Interceptions over time by user"), all);
        assertThat(overTime).extracting(r -> r.get("metric")).containsExactlyInAnyOrder("alice", "bob", "carol", NAMELESS.toString());
        assertThat(overTime).allSatisfy(r -> assertThat(r).containsKey("time").containsEntry("value", "1"));
    }

    @Test
    void theCostPanelPricesTokensByTheLongestModelPrefixOfTheProvider() throws SQLException {
        Map<String, Map<String, String>> cost = run(panel("Approximate Cost"), allSelected()).stream()
                .collect(Collectors.toMap(r -> r.get("Model"), r -> r));
        // 1 M input x 3 + 0.1 M output x 15 + 2 M cache read x 0.30 + 0.4 M cache write x 3.75
        assertThat(cost.get("claude-sonnet-4-5-20250929")).containsEntry("Priced as", "claude-sonnet-4")
                .containsEntry("Provider", "anthropic");
        assertThat(new BigDecimal(cost.get("claude-sonnet-4-5-20250929").get("Total cost"))).isEqualByComparingTo("6.6");
        assertThat(new BigDecimal(cost.get("claude-sonnet-4-5-20250929").get("Cache write cost"))).isEqualByComparingTo("1.5");
        // gpt-4o-mini, not gpt-4o: 2 M x 0.15 + 1 M x 0.60 + 1 M cached x 0.075 (the nameless user's 10 tokens round away)
        assertThat(cost.get("gpt-4o-mini")).containsEntry("Priced as", "gpt-4o-mini").containsEntry("Provider", "openai-corp");
        assertThat(new BigDecimal(cost.get("gpt-4o-mini").get("Total cost"))).isEqualByComparingTo("0.975");
        assertThat(cost.get("mystery-model")).containsEntry("Priced as", null).containsEntry("Total cost", null);
    }

    @Test
    void theToolCallsTableShowsTheServerAndTheFailedInvocation() throws SQLException {
        List<Map<String, String>> calls = run(panel("Tool Calls"), allSelected());
        assertThat(calls).hasSize(2);
        assertThat(calls).filteredOn(r -> "search_issues".equals(r.get("Tool"))).singleElement().satisfies(r -> assertThat(r)
                .containsEntry("MCP Server", "https://mcp.example.com/mcp").containsEntry("Invocation error", "timeout after 30 s")
                .containsEntry("User", "alice"));
        assertThat(calls).filteredOn(r -> "Bash".equals(r.get("Tool"))).singleElement().satisfies(r -> assertThat(r)
                .containsEntry("MCP Server", null).containsEntry("Invocation error", null).containsEntry("Client", "Unknown"));
        JsonNode toolCalls = dashboard.panels().stream().filter(p -> "Tool Calls".equals(p.path("title").asText())).findFirst().orElseThrow();
        assertThat(toolCalls.path("fieldConfig").path("overrides").findValues("value"))
                .as("the invocation error colours its row (Grafana 11 and later; the cell before)")
                .anySatisfy(v -> assertThat(v.path("type").asText() + " " + v.path("applyToRow").asBoolean()).isEqualTo("color-background true"));
        List<Map<String, String>> prompts = run(panel("User Prompts"), allSelected());
        assertThat(prompts).extracting(r -> r.get("Prompt")).containsExactly("Rename the module", "Why is the build red?");
    }

    @Test
    void everyFilterVariableHasAnAllValueThatMatchesAnythingInBothDataSources() {
        for (String name : VARIABLES) {
            JsonNode variable = variable(name);
            assertThat(variable.path("includeAll").asBoolean()).as("$%s offers All", name).isTrue();
            String allValue = variable.path("allValue").asText("");
            assertThat(allValue).as("$%s has an allValue: without one, All is the list of values found, and drops the others", name)
                    .isNotEmpty();
            // Prometheus: Grafana writes it into =~"...", which anchors it; it must match any label value, the empty one too
            Pattern regex = Pattern.compile(allValue);
            for (String value : List.of("", "anthropic", "openai-corp", "Unknown", "claude-sonnet-4-5-20250929", NAMELESS.toString(),
                    "o'brien", "a|b")) {
                assertThat(regex.matcher(value).matches()).as("$%s allValue %s as a regex matches \"%s\"", name, allValue, value).isTrue();
            }
            // PostgreSQL: Grafana writes a custom all value as is, unquoted, whatever the format: it must be one SQL string literal
            assertThat(allValue).as("$%s allValue", name).matches("'[^']*'");
        }
        assertThat(VARIABLES.stream().map(name -> variable(name).path("allValue").asText()).distinct()).as("one pattern").hasSize(1);
    }

    @Test
    void everySqlFilterLetsTheAllValueThrough() {
        String allValue = variable("username").path("allValue").asText();
        for (GrafanaDashboard.Sql query : dashboard.sqlQueries()) {
            for (String name : VARIABLES) {
                int uses = count("\\$\\{?" + name + "\\b", query.sql());
                int guarded = count("\\(" + Pattern.quote(allValue + " IN ($" + name + ") OR ") + "[^\\n]+? IN \\(\\$" + name + "\\)\\)",
                        query.sql());
                assertThat(uses).as("%s: every $%s is in a (%s IN ($%s) OR <column> IN ($%s)) filter", query.where(), name, allValue, name,
                        name).isEqualTo(2 * guarded);
            }
        }
        assertThat(dashboard.sqlQueries()).filteredOn(q -> q.where().startsWith("panel"))
                .allSatisfy(q -> assertThat(q.sql()).as(q.where()).contains(allValue + " IN ($username)", allValue + " IN ($provider)",
                        allValue + " IN ($model)", allValue + " IN ($client)"));
    }

    @Test
    void everyPromQlFilterIsARegexMatchOnItsLabel() {
        for (String expr : dashboard.promQl()) {
            for (String name : VARIABLES) {
                assertThat(count("\\$\\{?" + name + "\\b", expr)).as("every $%s in a %s=~\"$%s\" matcher: %s", name, name, name, expr)
                        .isEqualTo(count("\\b" + name + "=~\"\\$" + name + "\"", expr));
            }
        }
        assertThat(String.join("\n", dashboard.promQl())).as("no metric carries a user").doesNotContain("$username", "${username");
    }

    @Test
    void allMatchesWhatTheVariableDoesNotList() throws SQLException {
        assertThat(variableValues().get("username")).as("a user without a name is in no list").doesNotContain(NAMELESS.toString());
        Map<String, List<String>> all = allSelected();
        assertThat(single(panel("Total interceptions"), all).get("Interceptions")).isEqualTo("4");
        assertThat(run(panel("Leaderboard per user"), all)).extracting(r -> r.get("User")).contains(NAMELESS.toString());
        // All for the others, one value for one: the NULL client is read as Unknown
        Map<String, List<String>> unknownClient = new LinkedHashMap<>(all);
        unknownClient.put("client", List.of("Unknown"));
        assertThat(single(panel("Total interceptions"), unknownClient).get("Interceptions")).isEqualTo("1");
        assertThat(run(panel("Tool Calls"), unknownClient)).extracting(r -> r.get("Tool")).containsExactly("Bash");
        Map<String, List<String>> twoModels = new LinkedHashMap<>(all);
        twoModels.put("model", List.of("gpt-4o-mini", "mystery-model"));
        assertThat(single(panel("Total interceptions"), twoModels).get("Interceptions")).isEqualTo("3");
        Map<String, List<String>> twoUsers = new LinkedHashMap<>(all);
        twoUsers.put("username", List.of("alice", "carol"));
        assertThat(run(panel("Leaderboard per user"), twoUsers)).extracting(r -> r.get("User")).containsExactly("alice", "carol");
        // a value with a quote in it is a value, quoted as Grafana quotes it, not SQL
        Map<String, List<String>> quoted = new LinkedHashMap<>(all);
        quoted.put("username", List.of("o'brien"));
        assertThat(single(panel("Total interceptions"), quoted).get("Interceptions")).isEqualTo("0");
    }

    // ------------------------------------------------------------------------------- Grafana's expansion

    private static GrafanaDashboard.Sql panel(String title) {
        return dashboard.sqlQueries().stream().filter(q -> q.where().equals("panel \"" + title + "\"")).findFirst().orElseThrow();
    }

    private static JsonNode variable(String name) {
        for (JsonNode variable : dashboard.json().path("templating").path("list")) {
            if (name.equals(variable.path("name").asText())) {
                return variable;
            }
        }
        throw new AssertionError("no variable $" + name);
    }

    /** Every filter variable set to "All", as the dashboard opens. */
    private static Map<String, List<String>> allSelected() {
        Map<String, List<String>> all = new LinkedHashMap<>();
        VARIABLES.forEach(name -> all.put(name, ALL));
        return all;
    }

    private static int count(String regex, String text) {
        return (int) Pattern.compile(regex).matcher(text).results().count();
    }

    private static Map<String, List<String>> variableValues() throws SQLException {
        Map<String, List<String>> values = new LinkedHashMap<>();
        for (GrafanaDashboard.Sql variable : dashboard.variableQueries()) {
            List<String> found = new ArrayList<>();
            for (Map<String, String> row : run(variable, Map.of())) {
                found.add(row.values().iterator().next());
            }
            values.put(variable.where().substring("variable $".length()), found);
        }
        return values;
    }

    private static Map<String, String> single(GrafanaDashboard.Sql query, Map<String, List<String>> selection) throws SQLException {
        List<Map<String, String>> rows = run(query, selection);
        assertThat(rows).as(query.where()).hasSize(1);
        return rows.get(0);
    }

    /** Expands the query as Grafana's PostgreSQL data source does, runs it, returns its rows as text. */
    private static List<Map<String, String>> run(GrafanaDashboard.Sql query, Map<String, List<String>> selection) throws SQLException {
        Map<String, String> rendered = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : selection.entrySet()) {
            List<String> values = e.getValue();
            if (values.equals(ALL)) {
                String allValue = variable(e.getKey()).path("allValue").asText("");
                // with a custom all value Grafana writes it as is, unquoted; without one, All is every value the variable's query found
                rendered.put(e.getKey(), allValue.isEmpty() ? quoted(variableValues().get(e.getKey())) : allValue);
            } else {
                rendered.put(e.getKey(), quoted(values));
            }
        }
        String sql = expand(query.sql(), rendered);
        try (Connection c = database.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<Map<String, String>> rows = new ArrayList<>();
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.put(meta.getColumnLabel(i), rs.getString(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new AssertionError(query.where() + " does not run: " + e.getMessage() + "\n" + sql, e);
        }
    }

    private static final Pattern TIME_FILTER = Pattern.compile("\\$__timeFilter\\(([^)]+)\\)");
    private static final Pattern TIME_GROUP_ALIAS = Pattern.compile("\\$__timeGroupAlias\\(([^,]+),\\s*\\$__interval\\)");

    /** A multi-value variable in SQL: each value single-quoted, quotes doubled, comma-separated. */
    private static String quoted(List<String> values) {
        return values.isEmpty() ? "''" : values.stream().map(v -> "'" + v.replace("'", "''") + "'").collect(Collectors.joining(","));
    }

    /** The query with the time macros expanded and each variable replaced by its rendered text. */
    static String expand(String sql, Map<String, String> rendered) {
        String expanded = TIME_FILTER.matcher(sql).replaceAll(m -> Matcher.quoteReplacement(
                m.group(1).trim() + " BETWEEN '" + FROM + "' AND '" + NOW + "'"));
        // the bucket of a 7-day range on a wide panel: one hour
        expanded = TIME_GROUP_ALIAS.matcher(expanded).replaceAll(m -> Matcher.quoteReplacement(
                "floor(extract(epoch from " + m.group(1).trim() + ")/3600)*3600 AS \"time\""));
        for (String name : VARIABLES) {
            String text = rendered.get(name);
            if (text == null) {
                continue;
            }
            expanded = expanded.replace("${" + name + "}", text).replaceAll("\\$" + name + "\\b", Matcher.quoteReplacement(text));
        }
        assertThat(expanded).as("macros or variables this test does not expand").doesNotContainPattern("\\$[_a-zA-Z{]");
        return expanded;
    }

    // ------------------------------------------------------------------------------- data

    private static void user(Connection c, UUID id, String username) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO aibridge_users (id, username, role, status, created_at, updated_at) "
                + "VALUES (?, ?, 'member', 'active', now(), now())")) {
            ps.setObject(1, id);
            ps.setString(2, username);
            ps.executeUpdate();
        }
    }

    private static UUID interception(Connection c, UUID initiator, String username, String provider, String providerName, String model,
                                     String client, Instant startedAt, boolean ended) throws SQLException {
        UUID id = UUID.randomUUID();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO aibridge_interceptions (id, started_at, initiator_id, "
                + "initiator_username, provider, provider_name, model, client, ended_at, end_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setObject(1, id);
            ps.setObject(2, utc(startedAt));
            ps.setObject(3, initiator);
            ps.setString(4, username);
            ps.setString(5, provider);
            ps.setString(6, providerName);
            ps.setString(7, model);
            ps.setString(8, client);
            ps.setObject(9, ended ? utc(startedAt.plusSeconds(4)) : null);
            ps.setString(10, ended ? "completed" : null);
            ps.executeUpdate();
        }
        return id;
    }

    private static void tokens(Connection c, UUID interception, Instant startedAt, long input, long output, long cacheRead,
                               long cacheWrite) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO aibridge_token_usages (id, interception_id, interception_started_at, "
                + "input_tokens, output_tokens, cache_read_input_tokens, cache_write_input_tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setObject(1, UUID.randomUUID());
            ps.setObject(2, interception);
            ps.setObject(3, utc(startedAt));
            ps.setLong(4, input);
            ps.setLong(5, output);
            ps.setLong(6, cacheRead);
            ps.setLong(7, cacheWrite);
            ps.setObject(8, utc(startedAt.plusSeconds(3)));
            ps.executeUpdate();
        }
    }

    private static void prompt(Connection c, UUID interception, Instant startedAt, String prompt) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO aibridge_user_prompts (id, interception_id, interception_started_at, "
                + "prompt, created_at) VALUES (?, ?, ?, ?, ?)")) {
            ps.setObject(1, UUID.randomUUID());
            ps.setObject(2, interception);
            ps.setObject(3, utc(startedAt));
            ps.setString(4, prompt);
            ps.setObject(5, utc(startedAt.plusSeconds(1)));
            ps.executeUpdate();
        }
    }

    private static void tool(Connection c, UUID interception, Instant startedAt, String serverUrl, String tool, String input,
                             String error) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO aibridge_tool_usages (id, interception_id, interception_started_at, "
                + "server_url, tool, input, injected, invocation_error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setObject(1, UUID.randomUUID());
            ps.setObject(2, interception);
            ps.setObject(3, utc(startedAt));
            ps.setString(4, serverUrl);
            ps.setString(5, tool);
            ps.setString(6, input);
            ps.setBoolean(7, serverUrl != null);
            ps.setString(8, error);
            ps.setObject(9, utc(startedAt.plusSeconds(2)));
            ps.executeUpdate();
        }
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}

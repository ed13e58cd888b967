package io.aibridge.proxy.mcp;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The MCP server settings: the indexed variables, the start-up checks, the tool filter and the tool definitions. */
class McpConfigurationTest {

    record Server(String name, String url, Optional<String> token, boolean userToken, Optional<String> allow,
                  Optional<String> deny) implements McpConfig.Server {
        static Server of(String name, String url) {
            return new Server(name, url, Optional.empty(), false, Optional.empty(), Optional.empty());
        }
    }

    @Test
    void indexedVariablesBecomeServerProperties() {
        Map<String, String> mapped = McpServersEnvConfigSource.map(Map.of(
                "AIBRIDGE_MCP_SERVER_0_NAME", "github", "AIBRIDGE_MCP_SERVER_0_URL", "https://mcp.example.com/mcp",
                "AIBRIDGE_MCP_SERVER_0_USER_TOKEN", "true", "AIBRIDGE_MCP_SERVER_1_NAME", "docs",
                "AIBRIDGE_MCP_SERVER_1_DENY", "^delete_", "AIBRIDGE_OPENAI_KEY", "ignored"));
        assertThat(mapped).containsExactlyInAnyOrderEntriesOf(Map.of(
                "proxy.mcp.servers[0].name", "github", "proxy.mcp.servers[0].url", "https://mcp.example.com/mcp",
                "proxy.mcp.servers[0].user-token", "true", "proxy.mcp.servers[1].name", "docs", "proxy.mcp.servers[1].deny", "^delete_"));
    }

    @Test
    void aGapInTheIndicesOrAnUnknownKeyStopsTheStartWithTheVariableNamed() {
        assertThatThrownBy(() -> McpServersEnvConfigSource.map(Map.of("AIBRIDGE_MCP_SERVER_1_NAME", "docs")))
                .hasMessageContaining("AIBRIDGE_MCP_SERVER_1_* is set but AIBRIDGE_MCP_SERVER_0_* is not");
        assertThatThrownBy(() -> McpServersEnvConfigSource.map(Map.of("AIBRIDGE_MCP_SERVER_0_TOKN", "x")))
                .hasMessageContaining("AIBRIDGE_MCP_SERVER_0_TOKN is not a known MCP server setting");
    }

    @Test
    void serverNamesMustFitTheToolNameScheme() {
        Set<String> names = new HashSet<>();
        assertThat(McpServers.validate(Server.of("github-enterprise", "https://mcp.example.com/mcp"), names)).isEqualTo(ToolFilter.NONE);
        assertThatThrownBy(() -> McpServers.validate(Server.of("GitHub_Tools", "https://x/mcp"), new HashSet<>()))
                .hasMessageContaining("bmcp_<server>_<tool>, at most 64 characters").hasMessageContaining("AIBRIDGE_MCP_SERVER_<N>_NAME");
        assertThatThrownBy(() -> McpServers.validate(Server.of("a".repeat(33), "https://x/mcp"), new HashSet<>()))
                .hasMessageContaining("at most 32 characters");
        assertThatThrownBy(() -> McpServers.validate(Server.of("github-enterprise", "https://other/mcp"), names))
                .hasMessageContaining("configured twice");
        assertThatThrownBy(() -> McpServers.validate(Server.of("docs", "mcp.example.com/mcp"), new HashSet<>()))
                .hasMessageContaining("not an absolute http(s) URL");
        assertThatThrownBy(() -> McpServers.validate(new Server("docs", "https://x/mcp", Optional.empty(), false, Optional.of("(unclosed"),
                Optional.empty()), new HashSet<>())).hasMessageContaining("AIBRIDGE_MCP_SERVER_<N>_ALLOW is not a valid regular expression");
    }

    @Test
    void denyWinsOverAllowAndPatternsMatchAnywhereInTheName() {
        assertThat(ToolFilter.NONE.test("s", "anything")).isTrue();
        ToolFilter allowOnly = new ToolFilter(Pattern.compile("^read_"), null);
        assertThat(allowOnly.test("s", "read_file")).isTrue();
        assertThat(allowOnly.test("s", "write_file")).isFalse();
        ToolFilter denyOnly = new ToolFilter(null, Pattern.compile("delete"));
        assertThat(denyOnly.test("s", "bulk_delete_issues")).isFalse();
        assertThat(denyOnly.test("s", "list_issues")).isTrue();
        ToolFilter both = new ToolFilter(Pattern.compile("issue"), Pattern.compile("delete"));
        assertThat(both.test("s", "list_issues")).isTrue();
        assertThat(both.test("s", "delete_issue")).isFalse();
        assertThat(both.test("s", "list_repos")).isFalse();
    }

    @Test
    void toolDefinitionsTakeEachProvidersShape() {
        Map<String, Object> schema = Map.of("type", "object", "properties", Map.of("q", Map.of("type", "string")), "required", java.util.List.of("q"));
        InjectedTool tool = InjectedTool.of("docs", "https://mcp.example.com/mcp", "search", "Searches the docs", schema);
        assertThat(tool.id()).isEqualTo("bmcp_docs_search");
        assertThat(tool.anthropic().toString()).isEqualTo("{\"type\":\"custom\",\"name\":\"bmcp_docs_search\",\"description\":\"Searches the docs\","
                + "\"input_schema\":{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}},\"required\":[\"q\"]}}");
        assertThat(tool.chat().toString()).isEqualTo("{\"type\":\"function\",\"function\":{\"name\":\"bmcp_docs_search\",\"strict\":false,"
                + "\"description\":\"Searches the docs\",\"parameters\":{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}},\"required\":[\"q\"]}}}");
        InjectedTool bare = InjectedTool.of("docs", "https://mcp.example.com/mcp", "ping", null, Map.of("type", "object"));
        assertThat(bare.responses().toString()).isEqualTo("{\"type\":\"function\",\"name\":\"bmcp_docs_ping\",\"strict\":false,"
                + "\"description\":\"\",\"parameters\":null}");
        assertThat(bare.chat().path("function").path("parameters").has("required")).isFalse();
        assertThat(InjectedTool.validId("bmcp_docs_" + "x".repeat(54))).isTrue();
        assertThat(InjectedTool.validId("bmcp_docs_" + "x".repeat(55))).isFalse();
        assertThat(InjectedTool.validId("bmcp_docs_search.v2")).isFalse();
    }

    @Test
    void theToolCallSpanKeepsTheFirstHundredCharactersOfTheInput() {
        assertThat(McpSpans.truncate("x".repeat(250))).hasSize(100);
        assertThat(McpSpans.truncate("{\"q\":1}")).isEqualTo("{\"q\":1}");
    }
}

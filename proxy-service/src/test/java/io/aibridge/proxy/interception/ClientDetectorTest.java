package io.aibridge.proxy.interception;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** The reference's client table, rule by rule, with the user agents and headers each client sends. */
class ClientDetectorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Function<String, String> headers(String... pairs) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            if (pairs[i] != null && !pairs[i].isEmpty()) {
                map.put(pairs[i].toLowerCase(Locale.ROOT), pairs[i + 1]);
            }
        }
        return name -> map.get(name.toLowerCase(Locale.ROOT));
    }

    @ParameterizedTest(name = "{0} + {1}={2} -> {3} / session {5}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            mux/0.9.1 (linux)                                | X-Mux-Workspace-Id       | ws-42          | Mux                      | -            | ws-42
            Mux/1.0                                          | -                        | -              | Mux                      | -            | -
            claude-cli/2.0.1 (external, cli)                 | X-Claude-Code-Session-Id | 5d1f-ab        | Claude Code              | -            | 5d1f-ab
            claude-cli/2.1.86 (external, sdk-ts)             | X-Claude-Code-Session-Id | '  padded  '   | Claude Code              | -            | padded
            Claude-Code/1.0                                  | -                        | -              | Claude Code              | -            | -
            codex_cli_rs/0.50.0 (Mac OS 15.1.0; arm64) xterm | session_id               | 0199-codex     | Codex                    | -            | 0199-codex
            codex_exec/0.46.0                                | session-id               | dash-session   | Codex                    | -            | dash-session
            Zed/0.190.3 (macos; aarch64)                     | -                        | -              | Zed                      | -            | -
            GitHubCopilotChat/0.31.2                         | x-interaction-id         | int-1          | GitHub Copilot (VS Code) | -            | int-1
            GitHubCopilotChat/0.31.2                         | vscode-sessionid         | window-1       | GitHub Copilot (VS Code) | -            | -
            copilot/0.0.330 (linux v22.11.0) term/xterm      | X-Client-Session-Id      | cli-9          | GitHub Copilot (CLI)     | -            | cli-9
            Kilo-Code/4.86.0                                 | X-KILOCODE-TASKID        | task-3         | Kilo Code                | -            | task-3
            axios/1.7.7                                      | X-KILOCODE-TASKID        | task-4         | Kilo Code                | kilo-code    | task-4
            Roo-Code/3.25.0                                  | -                        | -              | Roo Code                 | -            | -
            OpenAI/JS 5.10.1                                 | -                        | -              | Roo Code                 | roo-code     | -
            coder-agents/2.25.0                              | X-Coder-Chat-Id          | chat-5         | Coder Agents             | -            | chat-5
            Charm Crush/0.7.1                                | -                        | -              | Charm Crush              | -            | -
            charm-crush/0.7.1                                | -                        | -              | Charm Crush              | -            | -
            node                                             | x-cursor-client-version  | 1.6.45         | Cursor                   | -            | -
            OpenAI/Java 4.101.0                              | -                        | -              | Unknown                  | -            | -
            -                                                | -                        | -              | Unknown                  | -            | -
            mux/claude                                       | -                        | -              | Mux                      | -            | -
            GitHubCopilotChat/copilot/1                      | -                        | -              | GitHub Copilot (VS Code) | -            | -
            kilo-code/1                                      | -                        | -              | Kilo Code                | roo-code     | -
            """)
    void classifiesTheClientAndReadsItsOwnSessionHeader(String userAgent, String header, String value, String client,
                                                        String originator, String session) {
        Function<String, String> h = headers("User-Agent", userAgent, header, value, "originator", originator);
        assertThat(ClientDetector.client(h)).isEqualTo(client);
        assertThat(ClientDetector.sessionId(client, h, null)).isEqualTo(session);
    }

    @Test
    void onlyTheDetectedClientsSessionSourceIsUsed() {
        Function<String, String> h = headers("User-Agent", "Zed/0.190.3", "session_id", "codex-like", "X-Claude-Code-Session-Id", "claude-like");
        assertThat(ClientDetector.sessionId(ClientDetector.client(h), h, null)).isNull();
    }

    @Test
    void codexPrefersTheHyphenatedHeaderWhenBothArrive() {
        Function<String, String> h = headers("User-Agent", "codex_cli_rs/0.50.0", "session-id", "hyphen", "session_id", "underscore");
        assertThat(ClientDetector.sessionId("Codex", h, null)).isEqualTo("hyphen");
    }

    @Test
    void truncatesSessionIdsTo256Characters() {
        Function<String, String> h = headers("User-Agent", "claude-cli/2.0.1", "X-Claude-Code-Session-Id", "s".repeat(300));
        assertThat(ClientDetector.sessionId("Claude Code", h, null)).hasSize(256);
    }

    @Test
    void neverCutsASessionIdInsideACharacter() throws Exception {
        // Claude Code's metadata.user_id is free JSON text: the 256th char may be the first half of an emoji
        String id = "s".repeat(255) + "\uD83D\uDE80" + "tail";
        JsonNode body = new ObjectMapper().readTree("{\"metadata\":{\"user_id\":" + new ObjectMapper().writeValueAsString(
                new ObjectMapper().writeValueAsString(Map.of("session_id", id))) + "}}");
        assertThat(ClientDetector.sessionId("Claude Code", headers("User-Agent", "claude-cli/2.0.1"), body))
                .isEqualTo("s".repeat(255));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            {"metadata":{"user_id":"{\\"device_id\\":\\"d1\\",\\"session_id\\":\\"a1b2-json\\"}"}}                   | a1b2-json
            {"metadata":{"user_id":"user_0f3e_account_1234_session_7c9e6679-7425-40de-944b-e07fc1f90ae7"}}          | 7c9e6679-7425-40de-944b-e07fc1f90ae7
            {"metadata":{"user_id":"user_abc_account_x_session_first_session_second"}}                             | first_session_second
            {"metadata":{"user_id":"user_abc_account_x_session_"}}                                                 | -
            {"metadata":{"user_id":"no session here"}}                                                             | -
            {"metadata":{"user_id":42}}                                                                            | -
            {"metadata":{}}                                                                                        | -
            {"messages":[]}                                                                                        | -
            """)
    void readsClaudeCodesSessionFromMetadataUserIdWhenTheHeaderIsAbsent(String body, String session) throws Exception {
        JsonNode json = JSON.readTree(body);
        assertThat(ClientDetector.sessionId("Claude Code", headers("User-Agent", "claude-cli/1.0.99"), json)).isEqualTo(session);
    }

    @Test
    void theClaudeCodeHeaderWinsOverMetadata() throws Exception {
        JsonNode json = JSON.readTree("{\"metadata\":{\"user_id\":\"user_a_account_b_session_from-body\"}}");
        assertThat(ClientDetector.sessionId("Claude Code", headers("X-Claude-Code-Session-Id", "from-header"), json)).isEqualTo("from-header");
    }
}

package io.aibridge.cli;

import io.aibridge.cli.testing.Cli;
import io.aibridge.cli.testing.FakeApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Bad flags and values fail before any request: exit code 1, one line on stderr, nothing on
 * stdout, and the server (a stand-in that counts requests) never hears of it.
 */
class UsageErrorsTest {

    static FakeApi api;
    static Cli cli;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws IOException {
        api = new FakeApi().answer(500, "application/json", "{\"message\":\"must not be called\"}");
        cli = new Cli(api.url(), "aib_key_secret");
        Files.writeString(dir.resolve("existing.jsonl"), "{}\n");
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    static Stream<Arguments> badInput() {
        String existing = dir.resolve("existing.jsonl").toString();
        String missingDir = dir.resolve("no/such/dir/out.jsonl").toString();
        return Stream.of(
                arguments("interceptions list --limit 0", "limit value must be between 1 and 1000"),
                arguments("interceptions list --limit 1001", "limit value must be between 1 and 1000"),
                arguments("interceptions list --limit many", "Invalid value for option '--limit': 'many' is not an int"),
                arguments("interceptions list --started-after yesterday",
                        "invalid --started-after \"yesterday\": expected an RFC 3339 time such as 2026-03-01T00:00:00Z"),
                arguments("interceptions list --started-before 2026-03-01", "invalid --started-before \"2026-03-01\""),
                arguments("interceptions list --started-after 2026-13-01T00:00:00Z", "invalid --started-after"),
                arguments("interceptions list --started-after 2026-03-02T00:00:00Z --started-before 2026-03-01T00:00:00Z",
                        "--started-before must be after --started-after"),
                arguments("interceptions list --started-after 2026-03-01T02:00:00+02:00 --started-before 2026-03-01T00:00:00Z",
                        "--started-before must be after --started-after"),
                arguments("interceptions list --after-id 42", "invalid --after-id \"42\": expected a UUID"),
                arguments("interceptions list --nope", "Unknown option: '--nope' (see 'aibridge interceptions list --help')"),
                arguments("interceptions lst", "Unmatched argument at index 1: 'lst'"),
                arguments("interceptions export --format xml", "Invalid value for option '--format': expected one of [jsonl, csv]"),
                arguments("interceptions export --page-size 0", "--page-size must be between 1 and 1000"),
                arguments("interceptions export --retries 11", "--retries must be between 0 and 10"),
                arguments("interceptions export --resume", "--resume needs --output FILE"),
                arguments("interceptions export --resume --force --output x.jsonl", "--resume and --force exclude each other"),
                arguments("interceptions export --output " + existing, "exists; add --resume to continue that export, or --force"),
                arguments("interceptions export --output " + missingDir, "no such directory"),
                arguments("interceptions export --output " + dir, "is a directory"),
                arguments("sessions list --output xml", "Invalid value for option '--output': expected one of [table, json]"),
                arguments("sessions list --limit 0", "limit value must be between 1 and 1000"),
                arguments("sessions list --offset -1", "--offset must not be negative"),
                arguments("sessions list --offset 5 --after-session-id cs-1", "--offset and --after-session-id exclude each other"),
                arguments("sessions list --offset 5 --after-initiator-id 0b6c1e2a-4f5d-4c3b-9a8e-7d6c5b4a3f21",
                        "--offset and --after-initiator-id exclude each other"),
                arguments("sessions list --after-session-id cs-1 --after-initiator-id alice",
                        "invalid --after-initiator-id \"alice\": expected a UUID"),
                arguments("sessions list --after-initiator-id 0b6c1e2a-4f5d-4c3b-9a8e-7d6c5b4a3f21",
                        "--after-initiator-id needs --after-session-id"),
                arguments("sessions list --started-after 2026-03-01T00:00:00", "invalid --started-after"),
                arguments("sessions show", "Missing required parameter: 'ID'"),
                arguments("sessions show cs-1 --after-id nope", "invalid --after-id \"nope\": expected a UUID"),
                arguments("sessions show cs-1 --after-id 0b6c1e2a-4f5d-4c3b-9a8e-7d6c5b4a3f21 --before-id 0b6c1e2a-4f5d-4c3b-9a8e-7d6c5b4a3f22",
                        "--after-id and --before-id exclude each other"),
                arguments("sessions show cs-1 --limit 201", "limit value must be between 1 and 200"),
                arguments("sessions show cs-1 --output table", "expected one of [text, json]"),
                arguments("usage --by team", "Invalid value for option '--by': expected one of [user, model, client, provider]"),
                arguments("usage --order-by cost", "Invalid value for option '--order-by'"),
                arguments("usage --limit 0", "limit value must be between 1 and 1000"),
                arguments("usage --started-before nope", "invalid --started-before \"nope\""),
                arguments("users create bad-", "invalid USERNAME \"bad-\""),
                arguments("users create me", "\"me\" and UUIDs are reserved"),
                arguments("users create zed --role god", "Invalid value for option '--role': expected one of [owner, auditor, member]"),
                arguments("users create zed --status gone", "Invalid value for option '--status': expected one of [active, suspended]"),
                arguments("users update alice", "nothing to update: give at least one of"),
                arguments("users update alice --username x_", "invalid --username \"x_\""),
                arguments("users show", "Missing required parameter: 'USER'"),
                arguments("keys create alice --expires-at tomorrow", "invalid --expires-at \"tomorrow\""),
                arguments("keys create alice --expires-at 2020-01-01T00:00:00Z", "--expires-at must be in the future"),
                arguments("keys create alice --expires-in 0d", "invalid --expires-in \"0d\": expected a positive duration"),
                arguments("keys create alice --expires-in 3y", "invalid --expires-in \"3y\""),
                arguments("keys create alice --expires-in 500000w",
                        "--expires-in \"500000w\" ends after 9999-12-31T23:59:59Z, the latest time the API takes"),
                arguments("keys create alice --expires-in 1d --expires-at 2099-01-01T00:00:00Z", "--expires-at and --expires-in exclude each other"),
                arguments("keys revoke alice", "Missing required parameter: 'KEY_ID'"),
                arguments("interceptions list --timeout 0", "--timeout must be between 1 and 3600 seconds"),
                arguments("--no-such-flag", "Unknown option: '--no-such-flag' (see 'aibridge --help')"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInput")
    void aBadFlagFailsWithExitCodeOneAndNoRequest(String command, String message) {
        int before = api.requests().size();

        Cli.Result r = cli.run(command.split(" "));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stderr()).contains(message);
        assertThat(r.stderr().strip().lines()).as("one line").hasSize(1);
        assertThat(r.stdout()).isEmpty();
        assertThat(api.requests()).hasSize(before);
    }

    @Test
    void aBadFlagIsExitCodeOneEvenWhenNothingListensAtTheUrl() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Cli closed = new Cli("http://127.0.0.1:" + port, "aib_key_secret");

        assertThat(closed.run("interceptions", "list", "--limit", "0").exitCode()).isEqualTo(1);
        assertThat(closed.run("interceptions", "list", "--started-after", "soon").exitCode()).isEqualTo(1);
        assertThat(closed.run("interceptions", "list").exitCode()).isEqualTo(2);
    }

    @Test
    void withoutATokenNothingIsSent() {
        int before = api.requests().size();

        Cli.Result r = new Cli(api.url(), null).run("interceptions", "list");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).isEqualTo("no API token: set AIBRIDGE_TOKEN (or pass --token)\n");
        assertThat(api.requests()).hasSize(before);
    }

    @Test
    void aMalformedUrlIsAUsageError() {
        Cli.Result ftp = new Cli("ftp://example.com", "t").run("interceptions", "list");
        Cli.Result spaces = new Cli("http://exa mple.com", "t").run("sessions", "list");

        assertThat(ftp.exitCode()).isEqualTo(1);
        assertThat(ftp.stderr()).startsWith("invalid URL \"ftp://example.com\" (--url or AIBRIDGE_URL)");
        assertThat(spaces.exitCode()).isEqualTo(1);
        Cli.Result credentials = new Cli("https://user:secret@example.com", "t").run("usage");
        assertThat(credentials.exitCode()).isEqualTo(1);
        assertThat(credentials.stderr()).doesNotContain("secret").contains("credentials in the URL are not used");
    }

    @Test
    void noUsageErrorPrintsTheUrlsUserInfoOrQueryValues() {
        Cli.Result wrongScheme = new Cli("ftp://u:pw@example.com", "t").run("usage");
        Cli.Result malformed = new Cli("https://u:pw@exa mple.com", "t").run("usage");
        Cli.Result query = new Cli("https://example.com/api?key=qsecret", "t").run("usage");

        for (Cli.Result r : List.of(wrongScheme, malformed, query)) {
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.stderr()).as(r.toString()).doesNotContain("pw").doesNotContain("qsecret").contains("URL");
        }
        assertThat(malformed.stderr()).startsWith("invalid URL \"https://***@exa mple.com\"");
        assertThat(query.stderr()).startsWith("invalid URL \"https://example.com/api?key=***\"");
    }

    @Test
    void flagsWinOverTheEnvironment() {
        Cli.Result r = new Cli("http://127.0.0.1:1", "wrong").run("--url", api.url(), "--token", "right", "users", "show", "me");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(api.requests()).last().satisfies(req -> assertThat(req.header("Authorization")).isEqualTo("Bearer right"));
    }
}

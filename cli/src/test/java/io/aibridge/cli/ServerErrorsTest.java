package io.aibridge.cli;

import io.aibridge.cli.testing.Cli;
import io.aibridge.cli.testing.FakeApi;
import io.aibridge.cli.testing.World;
import io.aibridge.cli.testing.WorldExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the server says no, or cannot be reached: exit code 2, the API's message, detail and
 * validations on stderr, nothing on stdout. Against the running query-service where it can say it,
 * against a stand-in for what only a gateway or a broken network does.
 */
@ExtendWith(WorldExtension.class)
class ServerErrorsTest {

    static World world;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp(World w) {
        world = w;
    }

    @Test
    void aWrongTokenIsAnAuthenticationErrorWithTheServersReason() {
        Cli.Result r = world.admin.withToken("aib_nosuchkey_secret").run("interceptions", "list");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).startsWith("Authentication required. (HTTP 401)\n").hasLineCount(2);
        assertThat(r.stdout()).isEmpty();
    }

    @Test
    void theServersValidationsArePrintedOnePerLine() {
        Cli.Result r = world.admin.run("interceptions", "list", "--initiator", "nobody");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).isEqualTo("Invalid interception search query. (HTTP 400)\n"
                + "  initiator: user \"nobody\" either does not exist, or you are unauthorized to view them\n");
    }

    @Test
    void aMemberNamingAnotherUserIsRefusedByTheServer() {
        Cli.Result r = world.as(world.alice).run("sessions", "list", "--initiator", "bob");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).contains("(HTTP 400)").contains("user \"bob\" either does not exist");
    }

    @Test
    void aCursorTheServerDoesNotKnowIsItsError() {
        Cli.Result r = world.admin.run("interceptions", "list", "--after-id", "0b6c1e2a-4f5d-4c3b-9a8e-7d6c5b4a3f21");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).startsWith("Invalid pagination cursor. (HTTP 400)");
    }

    @Test
    void connectionRefusedIsOneClearLine() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }

        Cli.Result r = new Cli("http://127.0.0.1:" + port, "t").run("sessions", "list");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).isEqualTo("Cannot reach AI Bridge at http://127.0.0.1:" + port + ": connection refused\n");
    }

    @Test
    void anUnknownHostIsOneClearLine() {
        Cli.Result r = new Cli("https://no-such-host.invalid:8081", "t").run("usage");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).isEqualTo("Cannot reach AI Bridge at https://no-such-host.invalid:8081: unknown host no-such-host.invalid\n");
    }

    @Test
    void aGatewaysPlainTextErrorIsShownShortened() {
        try (FakeApi gateway = new FakeApi().answer(502, "text/html", "<html><body>502 Bad Gateway\n</body></html>")) {
            Cli.Result r = new Cli(gateway.url(), "t").run("interceptions", "list");

            assertThat(r.exitCode()).isEqualTo(2);
            assertThat(r.stderr()).isEqualTo("The gateway in front of AI Bridge could not reach it. (HTTP 502)\n"
                    + "<html><body>502 Bad Gateway </body></html>\n");
        }
    }

    @Test
    void aRedirectIsReportedNotFollowedWithTheToken() {
        try (FakeApi moved = new FakeApi().answer(302, "text/plain", "").location("https://elsewhere.example.com/")) {
            Cli.Result r = new Cli(moved.url(), "t").run("users", "show", "me");

            assertThat(r.exitCode()).isEqualTo(2);
            assertThat(r.stderr()).contains("answered with a redirect (HTTP 302) to https://elsewhere.example.com/");
            assertThat(moved.requests()).hasSize(1);
        }
    }

    @Test
    void anAnswerThatIsNotJsonIsAServerError() {
        try (FakeApi html = new FakeApi().answer(200, "text/html", "<html>login page</html>")) {
            Cli.Result r = new Cli(html.url(), "t").run("sessions", "list");

            assertThat(r.exitCode()).isEqualTo(2);
            assertThat(r.stderr()).startsWith("Unexpected answer from " + html.url() + "/api/v2/aibridge/sessions: not the JSON the API sends");
        }
    }

    @Test
    void aSlowServerTimesOut() {
        try (FakeApi slow = new FakeApi().answer(200, "application/json", "[]").delay(2500)) {
            Cli.Result r = new Cli(slow.url(), "t").run("users", "list", "--timeout", "1");

            assertThat(r.exitCode()).isEqualTo(2);
            assertThat(r.stderr()).isEqualTo("Cannot reach AI Bridge at " + slow.url() + ": no answer within 1s (raise it with --timeout)\n");
        }
    }

    @Test
    void anAnswerThatStallsHalfwayIsGivenUpAfterTheTimeout() throws Exception {
        try (ServerSocket server = new ServerSocket(0)) {
            Thread stall = new Thread(() -> {
                try (Socket s = server.accept()) {
                    s.getInputStream().read(new byte[4096]);
                    s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
                            + "{\"count\":5,\"results\":[").getBytes(StandardCharsets.UTF_8));
                    s.getOutputStream().flush();
                    Thread.sleep(60_000);
                } catch (IOException | InterruptedException ignored) {
                    // the client gave up, as it should
                }
            });
            stall.setDaemon(true);
            stall.start();

            Cli.Result r = new Cli("http://127.0.0.1:" + server.getLocalPort(), "t")
                    .run("interceptions", "export", "--timeout", "1", "--retries", "0");

            assertThat(r.exitCode()).isEqualTo(2);
            assertThat(r.stderr()).startsWith("Cannot reach AI Bridge at http://127.0.0.1:" + server.getLocalPort()
                    + ": the answer stalled: no data for 1s (raise it with --timeout)");
        }
    }

    @Test
    void anExportRetriesAnUnavailableServerThenSaysHowToResume() throws IOException {
        Path file = dir.resolve("out.jsonl");
        try (FakeApi down = new FakeApi().answer(503, "application/json", "{\"message\":\"The database is unavailable.\"}")) {
            Cli.Result r = new Cli(down.url(), "t").run("interceptions", "export", "--retries", "1", "--output", file.toString());

            assertThat(r.exitCode()).isEqualTo(2);
            assertThat(r.stderr()).isEqualTo("The database is unavailable. (HTTP 503) (retrying in 1s)\n"
                    + "The database is unavailable. (HTTP 503)\n"
                    + "Exported 0 interceptions before this error; run the same command with --resume to continue.\n");
            assertThat(down.requests()).hasSize(2);
            assertThat(Files.readString(file)).isEmpty();
        }
    }
}

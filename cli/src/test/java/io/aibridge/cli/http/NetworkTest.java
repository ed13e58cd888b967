package io.aibridge.cli.http;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.aibridge.cli.testing.Cli;
import io.aibridge.cli.testing.FakeApi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** Proxies from HTTPS_PROXY / HTTP_PROXY / NO_PROXY, a private CA from AIBRIDGE_CA_FILE, and the plain-http warning. */
class NetworkTest {

    static final String USER = "{\"id\": \"u-1\", \"username\": \"alice\", \"role\": \"owner\", \"status\": \"active\"}";

    @Test
    void aRequestGoesThroughTheHttpProxyToAHostOnlyTheProxyKnows() {
        try (FakeApi proxy = new FakeApi().answer(200, "application/json", USER)) {
            Cli.Result r = new Cli("http://aibridge.invalid:8081", "t").withEnv("HTTP_PROXY", proxy.url()).run("users", "show", "me");

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.stdout()).contains("alice");
            assertThat(proxy.requests()).singleElement().satisfies(request -> {
                assertThat(request.uri().toString()).isEqualTo("http://aibridge.invalid:8081/api/v2/users/me");
                assertThat(request.header("Authorization")).isEqualTo("Bearer t");
            });
            assertThat(r.stderr()).isEqualTo("Warning: the API token is sent unencrypted over http:// to aibridge.invalid;"
                    + " use an https:// URL (AIBRIDGE_URL or --url).\n");
        }
    }

    @Test
    void noProxyHostsAndLoopbackHostsAreReachedDirectly() {
        try (FakeApi proxy = new FakeApi().answer(200, "application/json", USER);
             FakeApi api = new FakeApi().answer(200, "application/json", USER)) {
            Cli.Result bypassed = new Cli("http://aibridge.invalid:8081", "t").withEnv("http_proxy", proxy.url())
                    .withEnv("NO_PROXY", "localhost, .invalid").run("users", "show", "me");
            assertThat(bypassed.exitCode()).isEqualTo(2);
            assertThat(bypassed.stderr()).contains("Cannot reach AI Bridge at http://aibridge.invalid:8081: unknown host aibridge.invalid");

            Cli.Result loopback = new Cli(api.url(), "t").withEnv("HTTP_PROXY", proxy.url()).run("users", "show", "me");
            assertThat(loopback.exitCode()).as(loopback.toString()).isZero();
            assertThat(loopback.stderr()).as("no warning for a loopback host").isEmpty();
            assertThat(api.requests()).hasSize(1);
            assertThat(proxy.requests()).isEmpty();
        }
    }

    @Test
    void theProxyIsChosenByTheUrlsSchemeAndNoProxyMatchesHostsAndTheirSubdomains() {
        ProxySelector selector = Network.fromEnvironment(env(Map.of("HTTPS_PROXY", "http://secure-proxy:3128",
                "http_proxy", "plain-proxy", "NO_PROXY", "corp.example,10.0.0.7:8081"))).proxy().orElseThrow();
        assertThat(selector.select(URI.create("https://aibridge.example.com/api"))).containsExactly(
                new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved("secure-proxy", 3128)));
        assertThat(selector.select(URI.create("http://aibridge.example.com/api"))).containsExactly(
                new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved("plain-proxy", 80)));
        assertThat(selector.select(URI.create("https://aibridge.corp.example/"))).containsExactly(Proxy.NO_PROXY);
        assertThat(selector.select(URI.create("https://corp.example/"))).containsExactly(Proxy.NO_PROXY);
        assertThat(selector.select(URI.create("https://notcorp.example/"))).doesNotContain(Proxy.NO_PROXY);
        assertThat(selector.select(URI.create("http://10.0.0.7:8081/"))).containsExactly(Proxy.NO_PROXY);
        assertThat(selector.select(URI.create("https://[::1]:8443/"))).containsExactly(Proxy.NO_PROXY);

        ProxySelector everything = Network.fromEnvironment(env(Map.of("HTTPS_PROXY", "proxy:1", "no_proxy", "*"))).proxy().orElseThrow();
        assertThat(everything.select(URI.create("https://aibridge.example.com/"))).containsExactly(Proxy.NO_PROXY);
        assertThat(Network.fromEnvironment(env(Map.of())).proxy()).isEmpty();
    }

    @Test
    void aMalformedProxyOrAMissingCaFileIsAUsageError() {
        Cli cli = new Cli("https://aibridge.invalid", "t");
        Cli.Result proxy = cli.withEnv("HTTPS_PROXY", "https://proxy:3128").run("users", "show", "me");
        assertThat(proxy.exitCode()).isEqualTo(1);
        assertThat(proxy.stderr()).contains("invalid HTTPS_PROXY \"https://proxy:3128\"");
        Cli.Result ca = cli.withEnv("AIBRIDGE_CA_FILE", "/nonexistent/ca.pem").run("users", "show", "me");
        assertThat(ca.exitCode()).isEqualTo(1);
        assertThat(ca.stderr()).contains("AIBRIDGE_CA_FILE /nonexistent/ca.pem: no such file");
    }

    @Test
    void aProxyErrorNeverPrintsTheProxyPassword() {
        Cli cli = new Cli("https://aibridge.invalid", "t");
        Cli.Result https = cli.withEnv("HTTPS_PROXY", "https://alice:s3cret@proxy:3128").run("users", "show", "me");
        Cli.Result malformed = cli.withEnv("HTTPS_PROXY", "http://alice:s3cret@pro xy:3128").run("users", "show", "me");

        for (Cli.Result r : List.of(https, malformed)) {
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.stderr()).as(r.toString()).doesNotContain("s3cret").contains("HTTPS_PROXY");
        }
    }

    @Test
    void urlDisplayMasksUserInfoQueryValuesAndFragments() {
        assertThat(UrlDisplay.of("https://alice:s3cret@proxy:3128")).isEqualTo("https://***@proxy:3128");
        assertThat(UrlDisplay.of("alice:s3cret@proxy:3128")).isEqualTo("***@proxy:3128");
        assertThat(UrlDisplay.of("https://h/p?api_key=k&x=1&flag#frag")).isEqualTo("https://h/p?api_key=***&x=***&***#***");
        assertThat(UrlDisplay.of("https://h:8080/a@b")).isEqualTo("https://h:8080/a@b");
        assertThat(UrlDisplay.of("ftp://example.com")).isEqualTo("ftp://example.com");
    }

    @Test
    void aServerWithAPrivateCaIsTrustedThroughAibridgeCaFile(@TempDir Path dir) throws Exception {
        Path keyStore = dir.resolve("server.p12");
        Path pem = dir.resolve("ca.pem");
        selfSigned(keyStore, pem, "san=ip:127.0.0.1");

        HttpsServer server = httpsServer(keyStore);
        try {
            Cli cli = new Cli("https://127.0.0.1:" + server.getAddress().getPort(), "t");
            Cli.Result untrusted = cli.run("users", "show", "me");
            assertThat(untrusted.exitCode()).isEqualTo(2);
            assertThat(untrusted.stderr()).contains("TLS failed");

            Cli.Result trusted = cli.withEnv("AIBRIDGE_CA_FILE", pem.toString()).run("users", "show", "me");
            assertThat(trusted.exitCode()).as(trusted.toString()).isZero();
            assertThat(trusted.stdout()).contains("alice");
            assertThat(trusted.stderr()).isEmpty();
        } finally {
            server.stop(0);
        }
    }

    @Test
    void anHttpsRequestTunnelsThroughTheProxyWithConnectToAHostOnlyTheProxyKnows(@TempDir Path dir) throws Exception {
        Path keyStore = dir.resolve("server.p12");
        Path pem = dir.resolve("ca.pem");
        selfSigned(keyStore, pem, "san=dns:aibridge.invalid");
        HttpsServer server = httpsServer(keyStore);
        try (ConnectProxy proxy = new ConnectProxy(server.getAddress().getPort(), 200)) {
            Cli.Result r = new Cli("https://aibridge.invalid", "t").withEnv("HTTPS_PROXY", "http://127.0.0.1:" + proxy.port())
                    .withEnv("HTTP_PROXY", "http://127.0.0.1:1").withEnv("AIBRIDGE_CA_FILE", pem.toString()).run("users", "show", "me");

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.stdout()).contains("alice");
            assertThat(r.stderr()).as("no plain-http warning: the token went inside TLS").isEmpty();
            assertThat(proxy.requestLines()).singleElement().isEqualTo("CONNECT aibridge.invalid:443 HTTP/1.1");
            assertThat(proxy.tunnelled()).as("what the proxy saw is TLS, never the token").doesNotContain("Bearer t");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aProxyThatRefusesTheTunnelIsReportedAsUnreachable() throws Exception {
        try (ConnectProxy proxy = new ConnectProxy(1, 403)) {
            Cli.Result r = new Cli("https://aibridge.invalid", "t").withEnv("https_proxy", "127.0.0.1:" + proxy.port())
                    .run("users", "show", "me");

            assertThat(r.exitCode()).isEqualTo(2);
            assertThat(r.stderr()).startsWith("Cannot reach AI Bridge at https://aibridge.invalid: ").contains("403");
            assertThat(proxy.requestLines()).singleElement().isEqualTo("CONNECT aibridge.invalid:443 HTTP/1.1");
        }
    }

    @Test
    void theCaFileIsTrustedBesidesTheJdksCas(@TempDir Path dir) throws Exception {
        Path keyStore = dir.resolve("ca.p12");
        Path pem = dir.resolve("ca.pem");
        selfSigned(keyStore, pem, "bc:c");
        Certificate ca;
        try (InputStream in = Files.newInputStream(pem)) {
            ca = java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
        }

        KeyStore trusted = Network.trustStore(pem);

        int jdk = Network.jdkTrustAnchors().size();
        assertThat(jdk).isPositive();
        assertThat(trusted.size()).isEqualTo(jdk + 1);
        assertThat(trusted.getCertificateAlias(ca)).isNotNull();
    }

    private static void selfSigned(Path keyStore, Path pem, String extension) throws Exception {
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=aibridge test",
                "-ext", extension, "-validity", "2", "-storetype", "PKCS12", "-keystore", keyStore.toString(),
                "-storepass", "changeit", "-keypass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", keyStore.toString(), "-storepass", "changeit",
                "-file", pem.toString());
    }

    private static HttpsServer httpsServer(Path keyStore) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(ks, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/", exchange -> {
            byte[] body = USER.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }

    /** The JDK's keytool: a key pair and a self-signed certificate without any library. */
    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
    }

    private static Function<String, Optional<String>> env(Map<String, String> values) {
        return name -> Optional.ofNullable(values.get(name));
    }
    /**
     * A forward proxy that answers {@code CONNECT} with {@code status}; on 200 it tunnels every
     * connection to the loopback port {@code target}, whatever host was asked for, and keeps the
     * bytes the client sent through the tunnel.
     */
    private static final class ConnectProxy implements AutoCloseable {
        private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<String> requestLines = new CopyOnWriteArrayList<>();
        private final ByteArrayOutputStream tunnelled = new ByteArrayOutputStream();
        private final int target;
        private final int status;

        ConnectProxy(int target, int status) throws IOException {
            this.target = target;
            this.status = status;
            Thread acceptor = new Thread(this::accept, "connect-proxy");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        List<String> requestLines() {
            return requestLines;
        }

        String tunnelled() {
            synchronized (tunnelled) {
                return tunnelled.toString(StandardCharsets.ISO_8859_1);
            }
        }

        private void accept() {
            while (!listener.isClosed()) {
                try {
                    Socket client = listener.accept();
                    Thread t = new Thread(() -> serve(client), "connect-proxy-client");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return; // closed
                }
            }
        }

        private void serve(Socket client) {
            try (client) {
                InputStream in = client.getInputStream();
                String head = readHead(in);
                requestLines.add(head.lines().findFirst().orElse(""));
                OutputStream out = client.getOutputStream();
                if (status != 200) {
                    out.write(("HTTP/1.1 " + status + " Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    return;
                }
                try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target)) {
                    out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    Thread back = new Thread(() -> pipe(upstream, client, null), "connect-proxy-back");
                    back.setDaemon(true);
                    back.start();
                    pipe(client, upstream, tunnelled);
                    back.join(5_000);
                }
            } catch (IOException | InterruptedException e) {
                // the client or the server went away: the tunnel ends
            }
        }

        /** The request line and headers, up to the blank line. */
        private static String readHead(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0) {
                head.append((char) c);
                if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                    break;
                }
            }
            return head.toString();
        }

        private static void pipe(Socket from, Socket to, ByteArrayOutputStream copy) {
            byte[] buffer = new byte[8192];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (copy != null) {
                        synchronized (copy) {
                            copy.write(buffer, 0, n);
                        }
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
                to.shutdownOutput();
            } catch (IOException e) {
                // one side closed
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }
}

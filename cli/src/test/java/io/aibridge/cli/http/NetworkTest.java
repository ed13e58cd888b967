package io.aibridge.cli.http;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.aibridge.cli.testing.Cli;
import io.aibridge.cli.testing.FakeApi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
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
}

package io.aibridge.proxy.bedrock;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Where the Bedrock signer's credentials come from, and how fetched ones are kept fresh: against
 * a local stand-in for STS and the container credentials endpoint, on a clock and a scheduler the
 * test moves by hand.
 */
class AwsCredentialsProviderTest {

    private static final Instant START = Instant.parse("2025-03-14T15:00:00Z");
    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    private final ManualClock clock = new ManualClock(START);
    private final ManualScheduler scheduler = new ManualScheduler();
    private final HttpClient http = HttpClient.newHttpClient();
    private Endpoint endpoint;

    @TempDir
    Path dir;

    @AfterEach
    void stopEndpoint() {
        if (endpoint != null) {
            endpoint.server.stop(0);
        }
    }

    @Test
    void staticKeysFromTheConfigurationComeBeforeTheEnvironment() {
        AwsCredentialsProvider provider = AwsCredentialsProvider.resolve("AKIACONFIGURED", SECRET, null,
                Map.of("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT", "AWS_SECRET_ACCESS_KEY", "other-secret"), null);

        assertThat(provider.current()).isEqualTo(AwsCredentials.of("AKIACONFIGURED", SECRET));
        assertThat(provider.describe()).contains("configuration").contains("AKIA…")
                .doesNotContain(SECRET).doesNotContain("AKIACONFIGURED");
    }

    @Test
    void environmentKeysAreTakenWithTheirSessionToken() {
        AwsCredentialsProvider provider = AwsCredentialsProvider.resolve(null, " ", null,
                Map.of("AWS_ACCESS_KEY_ID", "ASIAENVIRONMENT", "AWS_SECRET_ACCESS_KEY", SECRET, "AWS_SESSION_TOKEN", "env-token"), null);

        assertThat(provider.current()).isEqualTo(new AwsCredentials("ASIAENVIRONMENT", SECRET, "env-token", null));
        assertThat(provider.describe()).contains("AWS_ACCESS_KEY_ID").contains("AWS_SESSION_TOKEN")
                .doesNotContain(SECRET).doesNotContain("env-token");
    }

    @Test
    void aConfiguredAccessKeyWithoutItsSecretIsRefused() {
        assertThatThrownBy(() -> AwsCredentialsProvider.resolve("AKIACONFIGURED", null, null,
                Map.of("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT", "AWS_SECRET_ACCESS_KEY", SECRET), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the configured AWS access key is set but the configured AWS secret key is not: set both, or neither");
    }

    @Test
    void anEnvironmentSecretWithoutItsAccessKeyIsRefused() {
        assertThatThrownBy(() -> AwsCredentialsProvider.resolve(null, null, null, Map.of("AWS_SECRET_ACCESS_KEY", SECRET), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: set both, or neither");
    }

    @Test
    void withoutAnySourceTheProxyRefusesToStartAndSaysWhatToSet() {
        assertThatThrownBy(() -> AwsCredentialsProvider.resolve(null, null, null, Map.of("AWS_REGION", "us-east-1"), http))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("will not start")
                .hasMessageContaining("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
                .hasMessageContaining("AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN")
                .hasMessageContaining("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    }

    @Test
    void containerCredentialsAreFetchedWithTheTokenFromItsFileAndReplacedBeforeTheyExpire() throws IOException {
        endpoint = Endpoint.start("/v1/credentials");
        endpoint.answer(200, containerJson("ASIAFIRST", "first-secret", "first-token", START.plus(Duration.ofHours(1))));
        Path tokenFile = Files.writeString(dir.resolve("eks-token-file"), "  pod-identity-token-1\n");

        AwsCredentialsProvider provider = resolve(Map.of(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.url("/v1/credentials"),
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tokenFile.toString(),
                "AWS_CONTAINER_AUTHORIZATION_TOKEN", "used-only-without-a-file"));

        assertThat(provider.current()).isEqualTo(new AwsCredentials("ASIAFIRST", "first-secret", "first-token", START.plus(Duration.ofHours(1))));
        assertThat(endpoint.requests).singleElement().satisfies(request -> {
            assertThat(request.method()).isEqualTo("GET");
            assertThat(request.authorization()).isEqualTo("pod-identity-token-1");
        });
        assertThat(scheduler.delays()).containsExactly(Duration.ofMinutes(55));
        assertThat(provider.describe()).contains("http://127.0.0.1:").contains(tokenFile.toString())
                .doesNotContain("pod-identity-token-1").doesNotContain("/v1/credentials");

        // the platform rotates the token in place; the refresh is due five minutes before expiry
        Files.writeString(tokenFile, "pod-identity-token-2");
        endpoint.answer(200, containerJson("ASIASECOND", "second-secret", "second-token", START.plus(Duration.ofHours(2))));
        clock.advance(Duration.ofMinutes(55));
        scheduler.runNext();

        assertThat(provider.current().accessKeyId()).isEqualTo("ASIASECOND");
        assertThat(endpoint.requests).hasSize(2);
        assertThat(endpoint.requests.get(1).authorization()).isEqualTo("pod-identity-token-2");
        assertThat(scheduler.delays()).containsExactly(Duration.ofMinutes(60));
    }

    @Test
    void containerCredentialsSendTheTokenFromTheEnvironmentWithoutAFile() {
        endpoint = Endpoint.start("/creds");
        endpoint.answer(200, containerJson("ASIAFIRST", "first-secret", "first-token", START.plus(Duration.ofHours(6))));

        AwsCredentialsProvider provider = resolve(Map.of(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.url("/creds"),
                "AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic dG9rZW4="));

        assertThat(provider.current().accessKeyId()).isEqualTo("ASIAFIRST");
        assertThat(endpoint.requests.get(0).authorization()).isEqualTo("Basic dG9rZW4=");
    }

    @Test
    void aPlainHttpFullUriToAnyOtherHostIsRefused() {
        assertThatThrownBy(() -> resolve(Map.of("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://10.1.2.3/creds")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AWS_CONTAINER_CREDENTIALS_FULL_URI http://10.1.2.3/creds is plain http");
    }

    @Test
    void webIdentityAssumesTheRoleAtStsWithTheTokenFromItsFile() throws IOException {
        endpoint = Endpoint.start("/");
        endpoint.answer(200, stsXml("ASIAWEBIDENTITY", "sts-secret", "sts-session-token", "2025-03-14T16:00:00Z"));
        Path tokenFile = Files.writeString(dir.resolve("token"), "eyJhbGciOiJSUzI1NiJ9.payload.signature\n");

        AwsCredentialsProvider provider = resolve(Map.of(
                "AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile.toString(),
                "AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/aibridge-bedrock",
                "AWS_ENDPOINT_URL_STS", endpoint.url("/"),
                "AWS_REGION", "us-east-1"));

        assertThat(provider.current()).isEqualTo(new AwsCredentials("ASIAWEBIDENTITY", "sts-secret", "sts-session-token",
                Instant.parse("2025-03-14T16:00:00Z")));
        Recorded call = endpoint.requests.get(0);
        assertThat(call.method()).isEqualTo("POST");
        Map<String, String> form = call.form();
        assertThat(form).containsEntry("Action", "AssumeRoleWithWebIdentity")
                .containsEntry("Version", "2011-06-15")
                .containsEntry("RoleArn", "arn:aws:iam::123456789012:role/aibridge-bedrock")
                .containsEntry("WebIdentityToken", "eyJhbGciOiJSUzI1NiJ9.payload.signature");
        assertThat(form.get("RoleSessionName")).matches("aibridge-[0-9a-f]{16}");
        assertThat(scheduler.delays()).containsExactly(Duration.ofMinutes(55));
        assertThat(provider.describe()).contains("arn:aws:iam::123456789012:role/aibridge-bedrock")
                .doesNotContain("eyJhbGciOiJSUzI1NiJ9");
    }

    @Test
    void webIdentityUsesTheGivenSessionName() throws IOException {
        endpoint = Endpoint.start("/");
        endpoint.answer(200, stsXml("ASIAWEBIDENTITY", "sts-secret", "sts-session-token", "2025-03-14T16:00:00Z"));
        Path tokenFile = Files.writeString(dir.resolve("token"), "jwt");

        resolve(Map.of("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile.toString(), "AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/r",
                "AWS_ROLE_SESSION_NAME", "bedrock-proxy-1", "AWS_ENDPOINT_URL_STS", endpoint.url("/")));

        assertThat(endpoint.requests.get(0).form()).containsEntry("RoleSessionName", "bedrock-proxy-1");
    }

    @Test
    void aWebIdentityTokenFileWithoutARoleIsRefused() {
        assertThatThrownBy(() -> resolve(Map.of("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/eks.amazonaws.com/serviceaccount/token")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not: set both, or neither");
    }

    @Test
    void stsIsTheRegionalEndpointUnlessOverridden() {
        assertThat(WebIdentityCredentials.endpoint(null, "eu-west-1")).isEqualTo(URI.create("https://sts.eu-west-1.amazonaws.com/"));
        assertThat(WebIdentityCredentials.endpoint(null, "cn-north-1")).isEqualTo(URI.create("https://sts.cn-north-1.amazonaws.com.cn/"));
        assertThat(WebIdentityCredentials.endpoint(null, null)).isEqualTo(URI.create("https://sts.amazonaws.com/"));
        assertThat(WebIdentityCredentials.endpoint("http://localhost:4566", "eu-west-1")).isEqualTo(URI.create("http://localhost:4566"));
    }

    @Test
    void aFailedRefreshKeepsTheOldCredentialsWhileValidAndRetriesWithBackoff() {
        endpoint = Endpoint.start("/creds");
        endpoint.answer(200, containerJson("ASIAFIRST", "first-secret", "first-token", START.plus(Duration.ofMinutes(10))));
        AwsCredentialsProvider provider = resolve(Map.of("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.url("/creds")));
        assertThat(scheduler.delays()).containsExactly(Duration.ofMinutes(5));

        endpoint.answer(500, "{\"Code\":\"InternalError\"}");
        clock.advance(Duration.ofMinutes(5));
        List<Duration> retries = new ArrayList<>();
        for (int attempt = 0; attempt < 8; attempt++) {
            scheduler.runNext();
            assertThat(provider.current().accessKeyId()).isEqualTo("ASIAFIRST");
            retries.add(scheduler.delays().get(0));
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(retries).extracting(Duration::toSeconds).containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L);

        clock.advance(Duration.ofMinutes(5)); // past expiry, still failing: nothing to sign with
        scheduler.runNext();
        assertThat(provider.current()).isNull();

        endpoint.answer(200, containerJson("ASIASECOND", "second-secret", "second-token", clock.instant().plus(Duration.ofHours(1))));
        scheduler.runNext();
        assertThat(provider.current().accessKeyId()).isEqualTo("ASIASECOND");
        assertThat(scheduler.delays()).containsExactly(Duration.ofMinutes(55));
    }

    @Test
    void aFailedFirstFetchStopsStartUpWithTheCause() {
        endpoint = Endpoint.start("/creds");
        endpoint.answer(403, "{\"Code\":\"AccessDenied\",\"Message\":\"bad token\"}");

        assertThatThrownBy(() -> resolve(Map.of("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.url("/creds"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Could not obtain AWS credentials from container credentials endpoint http://127.0.0.1:")
                .hasMessageContaining("answered HTTP 403")
                .hasCauseInstanceOf(IOException.class);
        assertThat(scheduler.closed).isTrue();
    }

    @Test
    void closeStopsTheRefreshes() {
        endpoint = Endpoint.start("/creds");
        endpoint.answer(200, containerJson("ASIAFIRST", "first-secret", "first-token", START.plus(Duration.ofHours(1))));
        AwsCredentialsProvider provider = resolve(Map.of("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.url("/creds")));

        provider.close();
        scheduler.runNext(); // a refresh that was already due when closing

        assertThat(scheduler.closed).isTrue();
        assertThat(endpoint.requests).hasSize(1);
        assertThat(scheduler.delays()).isEmpty();
        assertThat(provider.current().accessKeyId()).isEqualTo("ASIAFIRST");
    }

    @Test
    void anStsAnswerWithADocumentTypeIsRefusedSoNoEntityIsExpanded() {
        String withEntity = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY leak SYSTEM \"file:///etc/hostname\">]>"
                + "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
                + "<AccessKeyId>&leak;</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"
                + "</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";

        assertThatThrownBy(() -> WebIdentityCredentials.parse(withEntity))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("could not be read");
    }

    @Test
    void refreshesRunOnADaemonThreadOfTheirOwn() throws Exception {
        AwsCredentialsProvider.Scheduler daemon = AwsCredentialsProvider.Scheduler.daemonThread();
        try {
            CompletableFuture<Thread> ranOn = new CompletableFuture<>();
            daemon.schedule(() -> ranOn.complete(Thread.currentThread()), Duration.ZERO);

            Thread thread = ranOn.get(10, TimeUnit.SECONDS);
            assertThat(thread.getName()).isEqualTo("aibridge-aws-credentials");
            assertThat(thread.isDaemon()).isTrue();
        } finally {
            daemon.close();
        }
    }

    private AwsCredentialsProvider resolve(Map<String, String> environment) {
        return AwsCredentialsProvider.resolve(null, null, null, environment, http, clock, () -> scheduler);
    }

    private static String containerJson(String accessKeyId, String secret, String token, Instant expiration) {
        return "{\"AccessKeyId\":\"" + accessKeyId + "\",\"SecretAccessKey\":\"" + secret + "\",\"Token\":\"" + token
                + "\",\"Expiration\":\"" + expiration + "\"}";
    }

    /** The shape of STS's answer, namespace included. */
    private static String stsXml(String accessKeyId, String secret, String token, String expiration) {
        return "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
                + "  <AssumeRoleWithWebIdentityResult>\n"
                + "    <SubjectFromWebIdentityToken>system:serviceaccount:aibridge:proxy</SubjectFromWebIdentityToken>\n"
                + "    <Audience>sts.amazonaws.com</Audience>\n"
                + "    <AssumedRoleUser>\n"
                + "      <Arn>arn:aws:sts::123456789012:assumed-role/aibridge-bedrock/aibridge</Arn>\n"
                + "      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:aibridge</AssumedRoleId>\n"
                + "    </AssumedRoleUser>\n"
                + "    <Credentials>\n"
                + "      <SessionToken>" + token + "</SessionToken>\n"
                + "      <SecretAccessKey>" + secret + "</SecretAccessKey>\n"
                + "      <Expiration>" + expiration + "</Expiration>\n"
                + "      <AccessKeyId>" + accessKeyId + "</AccessKeyId>\n"
                + "    </Credentials>\n"
                + "    <Provider>arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE</Provider>\n"
                + "  </AssumeRoleWithWebIdentityResult>\n"
                + "  <ResponseMetadata><RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId></ResponseMetadata>\n"
                + "</AssumeRoleWithWebIdentityResponse>\n";
    }

    /** One request the local endpoint received. */
    private record Recorded(String method, String authorization, String body) {

        Map<String, String> form() {
            Map<String, String> form = new HashMap<>();
            for (String pair : body.split("&")) {
                int equals = pair.indexOf('=');
                form.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
            }
            return form;
        }
    }

    /** A local stand-in for STS or the container credentials endpoint: answers what the test last set. */
    private static final class Endpoint {
        final HttpServer server;
        final List<Recorded> requests = new CopyOnWriteArrayList<>();
        private final AtomicReference<Map.Entry<Integer, String>> answer = new AtomicReference<>();

        private Endpoint(HttpServer server) {
            this.server = server;
        }

        static Endpoint start(String path) {
            try {
                HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
                Endpoint endpoint = new Endpoint(server);
                server.createContext(path, exchange -> {
                    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                    endpoint.requests.add(new Recorded(exchange.getRequestMethod(),
                            exchange.getRequestHeaders().getFirst("Authorization"), body));
                    byte[] answer = endpoint.answer.get().getValue().getBytes(StandardCharsets.UTF_8);
                    exchange.sendResponseHeaders(endpoint.answer.get().getKey(), answer.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(answer);
                    }
                });
                server.start();
                return endpoint;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        void answer(int status, String body) {
            answer.set(Map.entry(status, body));
        }

        String url(String path) {
            return "http://127.0.0.1:" + server.getAddress().getPort() + path;
        }
    }

    /** A clock that stands still until the test moves it. */
    private static final class ManualClock extends Clock {
        private final AtomicReference<Instant> now;

        ManualClock(Instant start) {
            this.now = new AtomicReference<>(start);
        }

        void advance(Duration duration) {
            now.updateAndGet(instant -> instant.plus(duration));
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    /** Holds scheduled refreshes until the test runs them, in order. */
    private static final class ManualScheduler implements AwsCredentialsProvider.Scheduler {
        private final List<Map.Entry<Runnable, Duration>> pending = new ArrayList<>();
        volatile boolean closed;

        @Override
        public synchronized void schedule(Runnable task, Duration delay) {
            pending.add(Map.entry(task, delay));
        }

        @Override
        public void close() {
            closed = true;
        }

        synchronized List<Duration> delays() {
            return pending.stream().map(Map.Entry::getValue).toList();
        }

        void runNext() {
            Runnable next;
            synchronized (this) {
                assertThat(pending).as("a scheduled refresh").isNotEmpty();
                next = pending.remove(0).getKey();
            }
            next.run();
        }
    }
}

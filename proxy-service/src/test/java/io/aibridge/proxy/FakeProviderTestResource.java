package io.aibridge.proxy;

import io.aibridge.testing.fake.FakeProvider;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * The fake provider as the proxy's upstream, with test keys and a short upstream timeout. Tests
 * reach the running fake through {@link #fake()}.
 */
public class FakeProviderTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String OPENAI_KEY = "sk-proj-test-openai-key-0123456789wxyz";
    public static final String ANTHROPIC_KEY = "sk-ant-api03-test-anthropic-key-0123456789abcd";
    public static final String BOOTSTRAP_TOKEN = "bootstrap-token-for-proxy-tests-0123456789";
    /** The Bedrock model ids of a {@code bedrock-instance}: the main one, and the one for Haiku models. */
    public static final String BEDROCK_MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    public static final String BEDROCK_SMALL_FAST_MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
    /** Body limit in tests, small so that the 413 test stays cheap. */
    public static final int MAX_BODY = 2 * 1024 * 1024;

    private static volatile FakeProvider fake;
    private String allowByok = "true";
    private boolean openAiUnreachable;
    private boolean openAiSilent;
    private static volatile SilentTlsServer silent;
    private boolean withStalling;
    private static volatile StallingProvider stalling;
    private boolean withGarbage;
    private static volatile GarbageProvider garbage;
    private String maxConcurrency = "0";
    private String rateLimit = "0";
    private final Map<String, String> settings = new java.util.HashMap<>();

    public static FakeProvider fake() {
        return fake;
    }

    /**
     * Init args: {@code byok=false} leaves bring-your-own-key at its default (off);
     * {@code openai=unreachable} points the OpenAI base URL at a port where nothing listens;
     * {@code openai=silent} points it (https) at a {@link SilentTlsServer}, where no TLS handshake ends;
     * {@code stalling=true} starts a {@link StallingProvider}, whose base URL replaces {@code {stalling}} in settings;
     * {@code garbage=true} starts a {@link GarbageProvider}, whose base URL replaces {@code {garbage}} in settings;
     * {@code max-concurrency=<n>} bounds the requests in flight ({@code AIBRIDGE_MAX_CONCURRENCY});
     * {@code rate-limit=<n>} the requests per second per caller ({@code AIBRIDGE_RATE_LIMIT});
     * {@code bedrock-instance=<N>:<name>} makes {@code AIBRIDGE_PROVIDER_<N>_*} an {@code anthropic}
     * instance on the fake provider's AWS Bedrock, with its keys, in {@code us-east-1}, and
     * {@link #BEDROCK_MODEL} / {@link #BEDROCK_SMALL_FAST_MODEL};
     * any argument named after a setting ({@code proxy.*}, or an {@code AIBRIDGE_*} variable as
     * {@code application.properties} maps it) sets it (over those too), with
     * {@code {fake}} in its value replaced by the fake provider's base URL.
     */
    @Override
    public void init(Map<String, String> initArgs) {
        allowByok = initArgs.getOrDefault("byok", "true");
        openAiUnreachable = "unreachable".equals(initArgs.get("openai"));
        openAiSilent = "silent".equals(initArgs.get("openai"));
        withStalling = "true".equals(initArgs.get("stalling"));
        withGarbage = "true".equals(initArgs.get("garbage"));
        maxConcurrency = initArgs.getOrDefault("max-concurrency", "0");
        rateLimit = initArgs.getOrDefault("rate-limit", "0");
        String bedrock = initArgs.get("bedrock-instance");
        if (bedrock != null) {
            String[] indexAndName = bedrock.split(":", 2);
            String instance = "proxy.providers[" + indexAndName[0] + "].";
            settings.putAll(Map.of(instance + "type", "anthropic", instance + "name", indexAndName[1],
                    instance + "bedrock.base-url", "{fake}", instance + "bedrock.region", "us-east-1",
                    instance + "bedrock.access-key", FakeProvider.BEDROCK_ACCESS_KEY,
                    instance + "bedrock.access-key-secret", FakeProvider.BEDROCK_SECRET_KEY,
                    instance + "bedrock.model", BEDROCK_MODEL, instance + "bedrock.small-fast-model", BEDROCK_SMALL_FAST_MODEL));
        }
        initArgs.forEach((name, value) -> {
            if (name.startsWith("proxy.") || name.startsWith("AIBRIDGE_")) {
                settings.put(name, value);
            }
        });
    }

    @Override
    public Map<String, String> start() {
        fake = FakeProvider.start();
        if (openAiSilent) {
            silent = SilentTlsServer.start();
        }
        if (withStalling) {
            stalling = StallingProvider.start();
        }
        if (withGarbage) {
            garbage = GarbageProvider.start();
        }
        Map<String, String> config = new java.util.HashMap<>(Map.ofEntries(
                // a spool of its own per Quarkus boot: what one test class left on disk is not replayed into the next
                Map.entry("proxy.spool.dir", "target/test-spool/" + java.util.UUID.randomUUID()),
                Map.entry("proxy.openai.base-url", openAiUnreachable ? "http://127.0.0.1:" + closedPort() + "/v1/"
                        : openAiSilent ? "https://127.0.0.1:" + silent.port() + "/v1/" : fake.openAiBaseUrl()),
                Map.entry("proxy.anthropic.base-url", fake.anthropicBaseUrl()),
                Map.entry("proxy.openai.key", OPENAI_KEY),
                Map.entry("proxy.anthropic.key", ANTHROPIC_KEY),
                Map.entry("proxy.bootstrap-token", BOOTSTRAP_TOKEN),
                Map.entry("proxy.upstream.idle-timeout", "2s"),
                // quiet Anthropic streams get a ping after this long (10 s when shipped)
                Map.entry("proxy.stream-keep-alive", "600ms"),
                // one upstream call per request, as the tests count them (UpstreamRetryTest turns retries on)
                Map.entry("proxy.upstream.max-retries", "0"),
                Map.entry("proxy.max-request-body", String.valueOf(MAX_BODY)),
                Map.entry("proxy.events.partitions", "2"),
                Map.entry("proxy.allow-byok", allowByok),
                Map.entry("proxy.max-concurrency", maxConcurrency),
                Map.entry("proxy.rate-limit", rateLimit),
                Map.entry("proxy.send-actor-headers", "true")));
        settings.forEach((name, value) -> config.put(name, value.replace("{fake}", fake.baseUrl())
                .replace("{stalling}", stalling == null ? "{stalling}" : stalling.baseUrl())
                .replace("{garbage}", garbage == null ? "{garbage}" : garbage.baseUrl())));
        return config;
    }

    private static int closedPort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The provider of {@code stalling=true}, or null. */
    public static StallingProvider stalling() {
        return stalling;
    }

    /** The provider of {@code garbage=true}, or null. */
    public static GarbageProvider garbage() {
        return garbage;
    }

    /** The server of {@code openai=silent}, or null. */
    public static SilentTlsServer silent() {
        return silent;
    }

    @Override
    public void stop() {
        if (fake != null) {
            fake.close();
        }
        if (silent != null) {
            silent.close();
            silent = null;
        }
        if (stalling != null) {
            stalling.close();
            stalling = null;
        }
        if (garbage != null) {
            garbage.close();
            garbage = null;
        }
    }
}

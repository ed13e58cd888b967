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
    /** Body limit in tests, small so that the 413 test stays cheap. */
    public static final int MAX_BODY = 2 * 1024 * 1024;

    private static volatile FakeProvider fake;
    private String allowByok = "true";
    private boolean openAiUnreachable;

    public static FakeProvider fake() {
        return fake;
    }

    /**
     * Init args: {@code byok=false} leaves bring-your-own-key at its default (off);
     * {@code openai=unreachable} points the OpenAI base URL at a port where nothing listens.
     */
    @Override
    public void init(Map<String, String> initArgs) {
        allowByok = initArgs.getOrDefault("byok", "true");
        openAiUnreachable = "unreachable".equals(initArgs.get("openai"));
    }

    @Override
    public Map<String, String> start() {
        fake = FakeProvider.start();
        return Map.of(
                "proxy.openai.base-url", openAiUnreachable ? "http://127.0.0.1:" + closedPort() + "/v1/" : fake.openAiBaseUrl(),
                "proxy.anthropic.base-url", fake.anthropicBaseUrl(),
                "proxy.openai.key", OPENAI_KEY,
                "proxy.anthropic.key", ANTHROPIC_KEY,
                "proxy.bootstrap-token", BOOTSTRAP_TOKEN,
                "proxy.upstream.idle-timeout", "2s",
                "proxy.max-request-body", String.valueOf(MAX_BODY),
                "proxy.events.partitions", "2",
                "proxy.allow-byok", allowByok,
                "proxy.send-actor-headers", "true");
    }

    private static int closedPort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        if (fake != null) {
            fake.close();
        }
    }
}

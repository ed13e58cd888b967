package io.aibridge.proxy.route;

import io.aibridge.proxy.bedrock.TestBedrockConfig;
import io.aibridge.proxy.config.ProvidersEnvConfigSource;
import io.aibridge.proxy.config.ProxyConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The provider instances: the indexed variables, their defaults, the start-up checks, and finding one by path. */
class ProvidersTest {

    record Legacy(String baseUrl, Optional<String> key, Optional<String> keys) implements ProxyConfig.Provider {

        Legacy(String baseUrl, Optional<String> key) {
            this(baseUrl, key, Optional.empty());
        }
    }

    record Indexed(String type, Optional<String> name, Optional<String> key, Optional<String> baseUrl, ProxyConfig.Bedrock bedrock,
                   Optional<String> keys) implements ProxyConfig.Instance {

        Indexed(String type, Optional<String> name, Optional<String> key, Optional<String> baseUrl, ProxyConfig.Bedrock bedrock) {
            this(type, name, key, baseUrl, bedrock, Optional.empty());
        }

        Indexed(String type, Optional<String> name, Optional<String> key, Optional<String> baseUrl) {
            this(type, name, key, baseUrl, TestBedrockConfig.none());
        }

        static Indexed withKeys(String type, String name, String keys) {
            return new Indexed(type, Optional.ofNullable(name), Optional.empty(), Optional.empty(), TestBedrockConfig.none(),
                    Optional.of(keys));
        }

        static Indexed of(String type, String name) {
            return new Indexed(type, Optional.ofNullable(name), Optional.empty(), Optional.empty());
        }
    }

    private static final Legacy OPENAI = new Legacy("https://api.openai.com/v1/", Optional.of("sk-proj-company"));
    private static final Legacy ANTHROPIC_WITHOUT_KEY = new Legacy("https://api.anthropic.com/", Optional.empty());

    private static List<ProviderInstance> resolve(Indexed... indexed) {
        return resolve(TestBedrockConfig.none(), indexed);
    }

    private static List<ProviderInstance> resolve(ProxyConfig.Bedrock builtInBedrock, Indexed... indexed) {
        return Providers.resolve(OPENAI, ANTHROPIC_WITHOUT_KEY, Providers.COPILOT_BASE_URL, List.of(indexed), builtInBedrock, Map.of(),
                null);
    }

    @Test
    void indexedVariablesBecomeProviderPropertiesAndWhatCannotBeHonouredIsRefusedByName() {
        assertThat(ProvidersEnvConfigSource.map(Map.of("AIBRIDGE_PROVIDER_0_TYPE", "anthropic",
                "AIBRIDGE_PROVIDER_0_NAME", "anthropic-corp", "AIBRIDGE_PROVIDER_0_KEY", "sk-ant-corp",
                "AIBRIDGE_PROVIDER_1_TYPE", "openai", "AIBRIDGE_PROVIDER_1_BASE_URL", "https://llm.example.com/v1/",
                "AIBRIDGE_OPENAI_KEY", "not mine")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("proxy.providers[0].type", "anthropic",
                        "proxy.providers[0].name", "anthropic-corp", "proxy.providers[0].key", "sk-ant-corp",
                        "proxy.providers[1].type", "openai", "proxy.providers[1].base-url", "https://llm.example.com/v1/"));
        assertThatThrownBy(() -> ProvidersEnvConfigSource.map(Map.of("AIBRIDGE_PROVIDER_1_TYPE", "openai")))
                .hasMessageContaining("AIBRIDGE_PROVIDER_1_* is set but AIBRIDGE_PROVIDER_0_* is not");
        assertThatThrownBy(() -> ProvidersEnvConfigSource.map(Map.of("AIBRIDGE_PROVIDER_0_BASEURL", "x")))
                .hasMessageContaining("AIBRIDGE_PROVIDER_0_BASEURL is not a known provider setting");
        assertThat(ProvidersEnvConfigSource.map(Map.of("AIBRIDGE_PROVIDER_0_TYPE", "anthropic",
                "AIBRIDGE_PROVIDER_0_BEDROCK_REGION", "us-east-1", "AIBRIDGE_PROVIDER_0_BEDROCK_BASE_URL", "https://vpce.example",
                "AIBRIDGE_PROVIDER_0_BEDROCK_ACCESS_KEY", "AKID", "AIBRIDGE_PROVIDER_0_BEDROCK_ACCESS_KEY_SECRET", "s",
                "AIBRIDGE_PROVIDER_0_BEDROCK_SESSION_TOKEN", "t", "AIBRIDGE_PROVIDER_0_BEDROCK_MODEL", "m",
                "AIBRIDGE_PROVIDER_0_BEDROCK_SMALL_FAST_MODEL", "h")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("proxy.providers[0].type", "anthropic",
                        "proxy.providers[0].bedrock.region", "us-east-1", "proxy.providers[0].bedrock.base-url", "https://vpce.example",
                        "proxy.providers[0].bedrock.access-key", "AKID", "proxy.providers[0].bedrock.access-key-secret", "s",
                        "proxy.providers[0].bedrock.session-token", "t", "proxy.providers[0].bedrock.model", "m",
                        "proxy.providers[0].bedrock.small-fast-model", "h"));
        assertThat(ProvidersEnvConfigSource.map(Map.of("AIBRIDGE_PROVIDER_0_TYPE", "openai", "AIBRIDGE_PROVIDER_0_KEYS", "a,b")))
                .containsEntry("proxy.providers[0].keys", "a,b");
    }

    @Test
    void theBuiltInThreeComeFirstAndAnIndexedProviderGetsItsTypesDefaults() {
        List<ProviderInstance> all = resolve(new Indexed("Anthropic", Optional.of("anthropic-corp"), Optional.of(" sk-ant-corp "),
                Optional.empty()), Indexed.of("openai", "openai-eu"));
        assertThat(all).extracting(ProviderInstance::name).containsExactly("openai", "anthropic", "copilot", "anthropic-corp", "openai-eu");
        ProviderInstance copilot = all.get(2);
        assertThat(copilot.type()).isEqualTo(ProviderType.COPILOT);
        assertThat(copilot.prefix()).as("Copilot's clients add no /v1").isEqualTo("/copilot");
        assertThat(copilot.keys().isEmpty()).as("every Copilot caller brings their own token").isTrue();
        assertThat(copilot.url("/chat/completions", null)).isEqualTo("https://api.individual.githubcopilot.com/chat/completions");
        assertThat(copilot.route("/chat/completions")).isEqualTo("/chat/completions");
        ProviderInstance corp = all.get(3);
        assertThat(corp.type()).isEqualTo(ProviderType.ANTHROPIC);
        assertThat(corp.baseUrl()).isEqualTo(Providers.ANTHROPIC_BASE_URL);
        assertThat(corp.keys().primary()).isEqualTo("sk-ant-corp");
        assertThat(corp.prefix()).isEqualTo("/anthropic-corp");
        assertThat(corp.toString()).doesNotContain("sk-ant-corp");
        ProviderInstance eu = all.get(4);
        assertThat(eu.baseUrl()).isEqualTo(Providers.OPENAI_BASE_URL);
        assertThat(eu.prefix()).isEqualTo("/openai-eu/v1");
        assertThat(eu.keys().isEmpty()).isTrue();
        assertThat(eu.url("/chat/completions", "a=1")).isEqualTo("https://api.openai.com/v1/chat/completions?a=1");
        assertThat(eu.route("/chat/completions")).as("the path after /<name>, as the reference labels it").isEqualTo("/v1/chat/completions");
    }

    @Test
    void anIndexedProviderMayReplaceABuiltInOneWhoseKeyIsNotSet() {
        List<ProviderInstance> all = resolve(new Indexed("anthropic", Optional.empty(), Optional.of("sk-ant-gateway"),
                Optional.of("https://gateway.example.com/anthropic/")));
        assertThat(all).extracting(ProviderInstance::name).containsExactly("openai", "anthropic", "copilot");
        assertThat(all.get(1).baseUrl()).isEqualTo("https://gateway.example.com/anthropic/");
        List<ProviderInstance> enterprise = resolve(new Indexed("copilot", Optional.empty(), Optional.empty(),
                Optional.of("https://api.enterprise.githubcopilot.com")));
        assertThat(enterprise.get(2).baseUrl()).isEqualTo("https://api.enterprise.githubcopilot.com");
        assertThatThrownBy(() -> resolve(Indexed.of("openai", null)))
                .hasMessageContaining("AIBRIDGE_PROVIDER_0_* is named \"openai\", which AIBRIDGE_OPENAI_KEY configures already");
    }

    @Test
    void aLegacyBaseUrlAndAnIndexedProviderOfTheSameNameStopTheStart() {
        Indexed gateway = new Indexed("anthropic", Optional.empty(), Optional.of("sk-ant-gateway"), Optional.empty());
        assertThatThrownBy(() -> Providers.resolve(OPENAI, new Legacy("https://proxy.internal/anthropic/", Optional.empty()),
                Providers.COPILOT_BASE_URL, List.of(gateway), TestBedrockConfig.none(), Map.of(), null))
                .hasMessageContaining("AIBRIDGE_PROVIDER_0_* is named \"anthropic\", which AIBRIDGE_ANTHROPIC_BASE_URL configures already");
        Indexed enterprise = new Indexed("copilot", Optional.empty(), Optional.empty(), Optional.of("https://api.enterprise.githubcopilot.com"));
        assertThatThrownBy(() -> Providers.resolve(OPENAI, ANTHROPIC_WITHOUT_KEY, "https://api.business.githubcopilot.com",
                List.of(enterprise), TestBedrockConfig.none(), Map.of(), null))
                .hasMessageContaining("which AIBRIDGE_COPILOT_BASE_URL configures already");
        // the default URL, however written, configures nothing: the indexed provider takes the name
        assertThat(Providers.resolve(OPENAI, new Legacy(" https://api.anthropic.com", Optional.empty()), Providers.COPILOT_BASE_URL,
                List.of(gateway), TestBedrockConfig.none(), Map.of(), null).get(1).keys().primary()).isEqualTo("sk-ant-gateway");
    }

    @Test
    void badListsStopTheStartNamingTheVariable() {
        assertThatThrownBy(() -> resolve(Indexed.of("bedrock", "aws"))).hasMessageContaining("AIBRIDGE_PROVIDER_0_TYPE is \"bedrock\"")
                .hasMessageContaining("openai, anthropic and copilot");
        assertThatThrownBy(() -> resolve(new Indexed("copilot", Optional.of("copilot-business"), Optional.of("ghu_company"), Optional.empty())))
                .hasMessageContaining("AIBRIDGE_PROVIDER_0_KEY is set for a copilot provider").hasMessageNotContaining("ghu_company");
        assertThatThrownBy(() -> Providers.resolve(OPENAI, ANTHROPIC_WITHOUT_KEY, "api.business.githubcopilot.com", List.of(),
                TestBedrockConfig.none(), Map.of(), null))
                .hasMessageContaining("AIBRIDGE_COPILOT_BASE_URL must be an http(s) URL with a host");
        // the built-in two's URLs too: without a scheme the proxy started, and answered every call with 502
        assertThatThrownBy(() -> Providers.resolve(new Legacy("api.openai.com/v1", Optional.empty()), ANTHROPIC_WITHOUT_KEY,
                Providers.COPILOT_BASE_URL, List.of(), TestBedrockConfig.none(), Map.of(), null))
                .hasMessage("AIBRIDGE_OPENAI_BASE_URL must be an http(s) URL with a host, not api.openai.com/v1");
        assertThatThrownBy(() -> Providers.resolve(OPENAI, new Legacy("https://api anthropic com/", Optional.empty()),
                Providers.COPILOT_BASE_URL, List.of(), TestBedrockConfig.none(), Map.of(), null))
                .hasMessageStartingWith("AIBRIDGE_ANTHROPIC_BASE_URL is not a URL: https://api anthropic com/");
        assertThat(Providers.resolve(new Legacy(" http://gateway.internal:8080/v1/ ", Optional.empty()), ANTHROPIC_WITHOUT_KEY,
                Providers.COPILOT_BASE_URL, List.of(), TestBedrockConfig.none(), Map.of(), null).get(0).baseUrl())
                .isEqualTo("http://gateway.internal:8080/v1/");
        assertThatThrownBy(() -> resolve(Indexed.of("anthropic", "Anthropic_Corp")))
                .hasMessageContaining("AIBRIDGE_PROVIDER_0_NAME is \"Anthropic_Corp\"");
        assertThatThrownBy(() -> resolve(Indexed.of("anthropic", "corp--a"))).hasMessageContaining("single hyphens");
        for (String queryPath : List.of("sessions", "interceptions", "models", "clients", "usage")) {
            assertThatThrownBy(() -> resolve(Indexed.of("openai", queryPath))).as(queryPath).hasMessageContaining("a path of the query API");
        }
        assertThatThrownBy(() -> resolve(Indexed.of("anthropic", "corp"), Indexed.of("openai", "corp")))
                .hasMessageContaining("AIBRIDGE_PROVIDER_0_* and AIBRIDGE_PROVIDER_1_* are both named \"corp\"");
        assertThatThrownBy(() -> resolve(new Indexed("openai", Optional.of("local"), Optional.empty(), Optional.of("localhost:8000/v1"))))
                .hasMessageContaining("AIBRIDGE_PROVIDER_0_BASE_URL must be an http(s) URL with a host");
    }

    @Test
    void anAnthropicInstanceWithBedrockSettingsCallsBedrockAndContradictionsStopTheStart() {
        TestBedrockConfig bedrock = TestBedrockConfig.of("us-east-1", null, "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "us.anthropic.claude-haiku-4-5-20251001-v1:0");
        List<ProviderInstance> all = resolve(new Indexed("anthropic", Optional.of("claude-aws"), Optional.empty(), Optional.empty(), bedrock));
        ProviderInstance aws = all.get(3);
        assertThat(aws.isBedrock()).isTrue();
        assertThat(aws.type()).as("it speaks Anthropic's Messages API to its callers").isEqualTo(ProviderType.ANTHROPIC);
        assertThat(aws.prefix()).isEqualTo("/claude-aws");
        assertThat(aws.bedrock().baseUrl()).isEqualTo("https://bedrock-runtime.us-east-1.amazonaws.com");
        assertThat(aws.toString()).contains("AWS Bedrock us-east-1").doesNotContain(TestBedrockConfig.SECRET);
        assertThat(all.get(1).isBedrock()).isFalse();

        List<ProviderInstance> builtIn = resolve(bedrock);
        assertThat(builtIn.get(1).name()).isEqualTo("anthropic");
        assertThat(builtIn.get(1).isBedrock()).as("AIBRIDGE_BEDROCK_* makes the built-in anthropic a Bedrock one").isTrue();

        assertThatThrownBy(() -> resolve(new Indexed("openai", Optional.of("gpt-aws"), Optional.empty(), Optional.empty(), bedrock)))
                .hasMessageContaining("AIBRIDGE_PROVIDER_0_BEDROCK_* is set for a openai provider");
        assertThatThrownBy(() -> resolve(new Indexed("anthropic", Optional.of("claude-aws"), Optional.of("sk-ant"), Optional.empty(),
                bedrock))).hasMessageContaining("AIBRIDGE_PROVIDER_0_KEY and AIBRIDGE_PROVIDER_0_BEDROCK_* are both set");
        assertThatThrownBy(() -> resolve(new Indexed("anthropic", Optional.of("claude-aws"), Optional.empty(), Optional.empty(),
                bedrock, Optional.of("sk-ant-a,sk-ant-b")))).hasMessageContaining("AIBRIDGE_PROVIDER_0_KEYS and AIBRIDGE_PROVIDER_0_BEDROCK_* are both set");
        assertThatThrownBy(() -> Providers.resolve(OPENAI, new Legacy("https://api.anthropic.com/", Optional.empty(), Optional.of("sk-a,sk-b")),
                Providers.COPILOT_BASE_URL, List.of(), bedrock, Map.of(), null))
                .hasMessageContaining("AIBRIDGE_ANTHROPIC_KEYS and AIBRIDGE_BEDROCK_* are both set");
        assertThatThrownBy(() -> resolve(bedrock, Indexed.of("anthropic", null)))
                .hasMessageContaining("AIBRIDGE_PROVIDER_0_* is named \"anthropic\", which AIBRIDGE_BEDROCK_* configures already");
        assertThatThrownBy(() -> Providers.resolve(OPENAI, new Legacy("https://api.anthropic.com/", Optional.of("sk-ant-company")),
                Providers.COPILOT_BASE_URL, List.of(), bedrock, Map.of(), null))
                .hasMessageContaining("AIBRIDGE_ANTHROPIC_KEY and AIBRIDGE_BEDROCK_* are both set");
    }

    @Test
    void aPathUnderTheBasePathNamesItsProviderByItsFirstSegment() {
        Providers providers = new Providers(resolve(Indexed.of("anthropic", "anthropic-corp")));
        assertThat(providers.of("/anthropic-corp/v1/messages").name()).isEqualTo("anthropic-corp");
        assertThat(providers.of("/anthropic/v1/messages").name()).isEqualTo("anthropic");
        assertThat(providers.of("/openai").name()).isEqualTo("openai");
        assertThat(providers.of("/copilot/chat/completions").type()).isEqualTo(ProviderType.COPILOT);
        assertThat(providers.of("/anthropic-corporate/v1/messages")).isNull();
        assertThat(providers.of("/")).isNull();
        assertThat(providers.of("")).isNull();
    }

    @Test
    void eachTypeHasItsBridgedRoutesAfterItsPrefix() {
        assertThat(BridgedRoute.of(ProviderType.ANTHROPIC, "/v1/messages")).isEqualTo(BridgedRoute.ANTHROPIC_MESSAGES);
        assertThat(BridgedRoute.of(ProviderType.OPENAI, "/chat/completions")).isEqualTo(BridgedRoute.OPENAI_CHAT_COMPLETIONS);
        assertThat(BridgedRoute.of(ProviderType.OPENAI, "/responses")).isEqualTo(BridgedRoute.OPENAI_RESPONSES);
        assertThat(BridgedRoute.of(ProviderType.OPENAI, "/v1/messages")).isNull();
        assertThat(BridgedRoute.of(ProviderType.ANTHROPIC, "/chat/completions")).isNull();
        assertThat(BridgedRoute.of(ProviderType.OPENAI, "/responses/resp_1")).isNull();
        assertThat(BridgedRoute.of(ProviderType.COPILOT, "/chat/completions")).as("Copilot speaks OpenAI's APIs")
                .isEqualTo(BridgedRoute.OPENAI_CHAT_COMPLETIONS);
        assertThat(BridgedRoute.of(ProviderType.COPILOT, "/responses")).isEqualTo(BridgedRoute.OPENAI_RESPONSES);
        assertThat(BridgedRoute.of(ProviderType.COPILOT, "/v1/messages")).isNull();
        for (BridgedRoute route : BridgedRoute.values()) {
            for (ProviderType type : ProviderType.values()) {
                assertThat(route.route(type)).as("%s under %s", route, type)
                        .isEqualTo(new ProviderInstance("x", type, "https://example.com/", null).route(route.pathAfterPrefix()));
            }
        }
    }

    @Test
    void copilotsPassthroughRoutesAreTheReferencesAndNotOpenAis() {
        for (String path : List.of("/models", "/models/gpt-4.1", "/agents/github", "/mcp/readonly", "/.well-known/oauth-authorization-server")) {
            assertThat(PassthroughHandler.allowed(ProviderType.COPILOT, path)).as(path).isTrue();
        }
        for (String path : List.of("/conversations", "/responses/resp_1", "/agents", "/v1/models", "/embeddings")) {
            assertThat(PassthroughHandler.allowed(ProviderType.COPILOT, path)).as(path).isFalse();
        }
        assertThat(PassthroughHandler.allowed(ProviderType.OPENAI, "/agents/github")).isFalse();
    }

    @Test
    void severalKeysAreTakenInOrderFromKeysAndABadListStopsTheStartWithoutShowingAKey() {
        List<ProviderInstance> all = resolve(Indexed.withKeys("openai", "openai-pool", " sk-proj-primary-0001 , sk-proj-second-0002,sk-3-0003"));
        ProviderInstance pool = all.get(3);
        assertThat(pool.keys().size()).isEqualTo(3);
        assertThat(pool.keys().primary()).isEqualTo("sk-proj-primary-0001");
        assertThat(pool.toString()).contains("3 keys").doesNotContain("sk-proj");
        List<ProviderInstance> builtIn = Providers.resolve(new Legacy("https://api.openai.com/v1/", Optional.empty(), Optional.of("sk-a-00001,sk-b-00002")),
                new Legacy("https://api.anthropic.com/", Optional.empty(), Optional.of("sk-ant-only-0001")), Providers.COPILOT_BASE_URL,
                List.of(), TestBedrockConfig.none(), Map.of(), null);
        assertThat(builtIn.get(0).keys().size()).as("AIBRIDGE_OPENAI_KEYS").isEqualTo(2);
        assertThat(builtIn.get(1).keys().size()).as("one key in KEYS is one key").isEqualTo(1);

        assertThatThrownBy(() -> resolve(Indexed.withKeys("openai", "p", "sk-a-00001,,sk-b-00002")))
                .hasMessageContaining("AIBRIDGE_PROVIDER_0_KEYS: key 2 of 3 is empty");
        assertThatThrownBy(() -> resolve(Indexed.withKeys("openai", "p", "sk-a-00001,sk-b-00002,sk-a-00001")))
                .hasMessageContaining("AIBRIDGE_PROVIDER_0_KEYS: key 3").hasMessageContaining("is listed twice")
                .hasMessageNotContaining("sk-a-00001");
        assertThatThrownBy(() -> resolve(Indexed.withKeys("openai", "p", "k1,k2,k3,k4,k5,k6")))
                .hasMessageContaining("AIBRIDGE_PROVIDER_0_KEYS lists 6 keys; a provider takes at most 5");
        assertThatThrownBy(() -> resolve(new Indexed("openai", Optional.of("p"), Optional.of("sk-one"), Optional.empty(),
                TestBedrockConfig.none(), Optional.of("sk-two,sk-three"))))
                .hasMessageContaining("AIBRIDGE_PROVIDER_0_KEY and AIBRIDGE_PROVIDER_0_KEYS are both set");
        assertThatThrownBy(() -> resolve(Indexed.withKeys("copilot", "copilot-business", "ghu_a,ghu_b")))
                .hasMessageContaining("AIBRIDGE_PROVIDER_0_KEYS is set for a copilot provider");
        assertThatThrownBy(() -> resolve(Indexed.withKeys("anthropic", "anthropic", "sk-ant-a,sk-ant-b"), Indexed.withKeys("openai", null, "x,y")))
                .hasMessageContaining("which AIBRIDGE_OPENAI_KEY configures already");
        assertThatThrownBy(() -> Providers.resolve(new Legacy("https://api.openai.com/v1/", Optional.of("sk-1"), Optional.of("sk-2,sk-3")),
                ANTHROPIC_WITHOUT_KEY, Providers.COPILOT_BASE_URL, List.of(), TestBedrockConfig.none(), Map.of(), null))
                .hasMessageContaining("AIBRIDGE_OPENAI_KEY and AIBRIDGE_OPENAI_KEYS are both set");
    }
}

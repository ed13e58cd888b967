package io.aibridge.proxy.bedrock;

import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BedrockSettingsTest {

    private static final String PREFIX = "AIBRIDGE_PROVIDER_0_BEDROCK_";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static Optional<BedrockSettings> of(TestBedrockConfig config, Map<String, String> environment) {
        return BedrockSettings.of(config, PREFIX, environment, HTTP);
    }

    @Test
    void aRegionGivesBedrockRuntimesEndpointAndHaikuRequestsGoToTheSmallFastModel() {
        BedrockSettings s = of(TestBedrockConfig.of("eu-west-1", null, "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "eu.anthropic.claude-haiku-4-5-20251001-v1:0"), Map.of()).orElseThrow();
        assertThat(s.region()).isEqualTo("eu-west-1");
        assertThat(s.baseUrl()).isEqualTo("https://bedrock-runtime.eu-west-1.amazonaws.com");
        assertThat(s.modelFor("claude-sonnet-4-5")).isEqualTo("eu.anthropic.claude-sonnet-4-5-20250929-v1:0");
        assertThat(s.modelFor("claude-opus-4-1")).isEqualTo("eu.anthropic.claude-sonnet-4-5-20250929-v1:0");
        assertThat(s.modelFor("claude-3-5-haiku-20241022")).isEqualTo("eu.anthropic.claude-haiku-4-5-20251001-v1:0");
        assertThat(s.url(s.modelFor("claude-sonnet-4-5"), false))
                .isEqualTo("https://bedrock-runtime.eu-west-1.amazonaws.com/model/eu.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke");
        assertThat(s.url("arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0", true))
                .isEqualTo("https://bedrock-runtime.eu-west-1.amazonaws.com/model/arn%3Aaws%3Abedrock%3Aeu-west-1%3A123456789012"
                        + "%3Ainference-profile%2Feu.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream");
        assertThat(s.toString()).doesNotContain("wJalrXUtnFEMI").doesNotContain("AKIDEXAMPLE12345");
    }

    @Test
    void aBaseUrlNamesItsRegionOrTakesAwsOwnVariable() {
        assertThat(of(TestBedrockConfig.of(null, "https://vpce-0a1b2c-xyz.bedrock-runtime.ap-southeast-2.vpce.amazonaws.com/", "m", "h"), Map.of())
                .orElseThrow().region()).isEqualTo("ap-southeast-2");
        assertThat(of(TestBedrockConfig.of(null, "http://127.0.0.1:9099", "m", "h"), Map.of("AWS_REGION", "us-west-2")).orElseThrow().region())
                .isEqualTo("us-west-2");
        BedrockSettings both = of(TestBedrockConfig.of("us-east-2", "http://127.0.0.1:9099/", "m", "h"), Map.of()).orElseThrow();
        assertThat(both.region()).isEqualTo("us-east-2");
        assertThat(both.url("m", false)).isEqualTo("http://127.0.0.1:9099/model/m/invoke");
        assertThatThrownBy(() -> of(TestBedrockConfig.of(null, "http://gateway.internal:8080", "m", "h"), Map.of()))
                .hasMessageContaining(PREFIX + "REGION");
    }

    @Test
    void withoutARegionOrBaseUrlThereIsNoBedrockAndWhatIsMissingIsNamed() {
        assertThat(of(new TestBedrockConfig(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty()), Map.of())).isEmpty();
        assertThatThrownBy(() -> of(TestBedrockConfig.of(null, null, "m", "h"), Map.of())).hasMessageContaining(PREFIX + "REGION");
        assertThatThrownBy(() -> of(TestBedrockConfig.of("us-east-1", null, null, "h"), Map.of())).hasMessageContaining(PREFIX + "MODEL is required");
        assertThatThrownBy(() -> of(TestBedrockConfig.of("us-east-1", null, "m", null), Map.of()))
                .hasMessageContaining(PREFIX + "SMALL_FAST_MODEL is required");
        assertThatThrownBy(() -> of(TestBedrockConfig.of("us-east-1", "bedrock.example", "m", "h"), Map.of()))
                .hasMessageContaining(PREFIX + "BASE_URL");
        assertThatThrownBy(() -> of(new TestBedrockConfig(Optional.of("us-east-1"), Optional.empty(), Optional.of("AKIDEXAMPLE12345"),
                Optional.empty(), Optional.empty(), Optional.of("m"), Optional.of("h")), Map.of()))
                .hasMessageContaining(PREFIX + "ACCESS_KEY");
    }
}

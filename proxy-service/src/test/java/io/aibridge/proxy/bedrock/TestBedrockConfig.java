package io.aibridge.proxy.bedrock;

import io.aibridge.proxy.config.ProxyConfig;

import java.util.Optional;

/** {@code AIBRIDGE_*BEDROCK_*} settings as the configuration would hold them. */
public record TestBedrockConfig(Optional<String> region, Optional<String> baseUrl, Optional<String> accessKey,
                                Optional<String> accessKeySecret, Optional<String> sessionToken, Optional<String> model,
                                Optional<String> smallFastModel) implements ProxyConfig.Bedrock {

    /** AWS's documentation example keys. */
    public static final String ACCESS_KEY = "AKIDEXAMPLE12345";
    public static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    /** Nothing set: no Bedrock. */
    public static TestBedrockConfig none() {
        return new TestBedrockConfig(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
    }

    /** Static example keys and the given settings (null: unset). */
    public static TestBedrockConfig of(String region, String baseUrl, String model, String smallFast) {
        return new TestBedrockConfig(Optional.ofNullable(region), Optional.ofNullable(baseUrl), Optional.of(ACCESS_KEY),
                Optional.of(SECRET), Optional.empty(), Optional.ofNullable(model), Optional.ofNullable(smallFast));
    }
}

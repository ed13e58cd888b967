package io.aibridge.proxy.config;


import java.util.Map;

/**
 * Maps the reference's indexed provider variables {@code AIBRIDGE_PROVIDER_<N>_<KEY>} onto
 * {@code proxy.providers[N].<key>}: {@code TYPE} ({@code openai}, {@code anthropic} or {@code copilot}), {@code NAME}
 * (the route prefix and the {@code provider} label; the type by default), {@code KEY} (or
 * {@code KEYS}, several comma-separated) and {@code BASE_URL}, and the AWS Bedrock keys {@code BEDROCK_REGION}, {@code BEDROCK_BASE_URL},
 * {@code BEDROCK_ACCESS_KEY}, {@code BEDROCK_ACCESS_KEY_SECRET}, {@code BEDROCK_SESSION_TOKEN},
 * {@code BEDROCK_MODEL} and {@code BEDROCK_SMALL_FAST_MODEL}.
 */
public final class ProvidersEnvConfigSource extends IndexedEnvConfigSource {

    static final String PREFIX = "AIBRIDGE_PROVIDER_";
    private static final Map<String, String> KEYS = Map.ofEntries(Map.entry("TYPE", "type"), Map.entry("NAME", "name"),
            Map.entry("KEY", "key"), Map.entry("KEYS", "keys"), Map.entry("BASE_URL", "base-url"),
            Map.entry("BEDROCK_REGION", "bedrock.region"), Map.entry("BEDROCK_BASE_URL", "bedrock.base-url"),
            Map.entry("BEDROCK_ACCESS_KEY", "bedrock.access-key"), Map.entry("BEDROCK_ACCESS_KEY_SECRET", "bedrock.access-key-secret"),
            Map.entry("BEDROCK_SESSION_TOKEN", "bedrock.session-token"), Map.entry("BEDROCK_MODEL", "bedrock.model"),
            Map.entry("BEDROCK_SMALL_FAST_MODEL", "bedrock.small-fast-model"));

    /** Reads the process environment (the service loader's constructor). */
    public ProvidersEnvConfigSource() {
        this(System.getenv());
    }

    ProvidersEnvConfigSource(Map<String, String> environment) {
        super(map(environment), "AIBRIDGE_PROVIDER_<N>_* environment variables");
    }

    public static Map<String, String> map(Map<String, String> environment) {
        return IndexedEnvConfigSource.map(environment, PREFIX, KEYS, "proxy.providers", "provider");
    }
}

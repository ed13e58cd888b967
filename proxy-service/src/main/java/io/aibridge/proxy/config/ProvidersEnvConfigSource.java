package io.aibridge.proxy.config;


import java.util.Map;

/**
 * Maps the reference's indexed provider variables {@code AIBRIDGE_PROVIDER_<N>_<KEY>} onto
 * {@code proxy.providers[N].<key>}: {@code TYPE} ({@code openai}, {@code anthropic} or {@code copilot}), {@code NAME}
 * (the route prefix and the {@code provider} label; the type by default), {@code KEY} and
 * {@code BASE_URL}. The reference's {@code KEYS} and AWS Bedrock settings are refused at start by
 * name: this proxy cannot honour them, and ignoring them would send requests somewhere the
 * operator did not mean.
 */
public final class ProvidersEnvConfigSource extends IndexedEnvConfigSource {

    static final String PREFIX = "AIBRIDGE_PROVIDER_";
    private static final Map<String, String> KEYS = Map.of("TYPE", "type", "NAME", "name", "KEY", "key", "BASE_URL", "base-url");

    /** Reads the process environment (the service loader's constructor). */
    public ProvidersEnvConfigSource() {
        this(System.getenv());
    }

    ProvidersEnvConfigSource(Map<String, String> environment) {
        super(map(environment), "AIBRIDGE_PROVIDER_<N>_* environment variables");
    }

    public static Map<String, String> map(Map<String, String> environment) {
        for (String name : environment.keySet()) {
            if (name.startsWith(PREFIX) && name.matches(PREFIX + "\\d+_(KEYS|BEDROCK_[A-Z_]+)")) {
                throw new IllegalArgumentException(name + " is not supported by AI Bridge's proxy: "
                        + (name.endsWith("_KEYS") ? "give one provider key in " + name.substring(0, name.length() - 1)
                        : "AWS Bedrock is not bridged; point " + name.substring(0, name.indexOf("_BEDROCK")) + "_BASE_URL at an "
                        + "Anthropic-compatible endpoint instead"));
            }
        }
        return IndexedEnvConfigSource.map(environment, PREFIX, KEYS, "proxy.providers", "provider");
    }
}

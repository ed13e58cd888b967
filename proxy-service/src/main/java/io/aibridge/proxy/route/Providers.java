package io.aibridge.proxy.route;

import io.aibridge.proxy.bedrock.BedrockSettings;
import io.aibridge.proxy.config.ProxyConfig;
import io.aibridge.proxy.upstream.ProviderKeys;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The provider instances the proxy bridges, by name. {@code openai} and {@code anthropic} come from
 * {@code AIBRIDGE_OPENAI_*} and {@code AIBRIDGE_ANTHROPIC_*}, {@code copilot} from
 * {@code AIBRIDGE_COPILOT_BASE_URL} (no key: every Copilot caller sends their own token); more come from the reference's
 * {@code AIBRIDGE_PROVIDER_<N>_TYPE / NAME / KEY (or KEYS) / BASE_URL}, each under its own prefix
 * ({@code /api/v2/aibridge/anthropic-corp/v1/messages}) with its own base URL and key, and
 * recorded and counted under its name. An indexed provider may take the name {@code openai},
 * {@code anthropic} or {@code copilot} (its type's default name) and so replace the built-in one,
 * unless that one's key is configured too. A bad list stops the service at start with a message naming the variable.
 */
@Startup
@ApplicationScoped
public class Providers {

    private static final Logger LOG = Logger.getLogger(Providers.class);
    /** The reference's rule for names: groups of lower-case letters and digits joined by single hyphens. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
    /** Paths under the base path that belong to query-service (the reference refuses these names too). */
    static final Set<String> RESERVED = Set.of("sessions", "interceptions", "models", "clients", "usage");
    static final String OPENAI_BASE_URL = "https://api.openai.com/v1/";
    static final String ANTHROPIC_BASE_URL = "https://api.anthropic.com/";
    static final String COPILOT_BASE_URL = "https://api.individual.githubcopilot.com";

    /** The instances that exist without any {@code AIBRIDGE_PROVIDER_<N>_*}. */
    static final Set<String> BUILT_IN = Set.of("openai", "anthropic", "copilot");

    private final Map<String, ProviderInstance> byName;

    @Inject
    public Providers(ProxyConfig config, io.aibridge.proxy.metrics.ProxyMetrics metrics) {
        this(resolve(config.openai(), config.anthropic(), config.copilot().baseUrl(), config.providers(), config.bedrock(),
                System.getenv(), java.net.http.HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(5)).build()));
        for (ProviderInstance p : byName.values()) {
            if (p.keys().isEmpty() && p.type() != ProviderType.COPILOT && !p.isBedrock()) {
                LOG.warnf("no provider key configured for %s: requests are forwarded without one", p.name());
            }
        }
        byName.values().stream().filter(ProviderInstance::isBedrock)
                .forEach(p -> metrics.bedrockCredentials(p.name(), p.bedrock().credentials()));
        byName.values().stream().filter(p -> !p.keys().isEmpty()).forEach(p -> metrics.providerKeys(p.name(), p.keys()));
        if (byName.size() > BUILT_IN.size() || !byName.keySet().containsAll(BUILT_IN)
                || byName.values().stream().anyMatch(p -> p.isBedrock() || p.keys().size() > 1)) {
            LOG.infof("providers: %s", byName.values());
        }
    }

    Providers(List<ProviderInstance> instances) {
        Map<String, ProviderInstance> map = new LinkedHashMap<>();
        instances.forEach(p -> map.put(p.name(), p));
        this.byName = java.util.Collections.unmodifiableMap(map); // in configuration order, for the start-up line
    }

    /** The instance of this name, or null. */
    public ProviderInstance named(String name) {
        return byName.get(name);
    }

    /** The instance whose name is the first segment of a path under the base path ({@code /<name>/...}), or null. */
    public ProviderInstance of(String pathAfterBase) {
        if (pathAfterBase.length() < 2 || pathAfterBase.charAt(0) != '/') {
            return null;
        }
        int slash = pathAfterBase.indexOf('/', 1);
        return byName.get(slash < 0 ? pathAfterBase.substring(1) : pathAfterBase.substring(1, slash));
    }

    public Collection<ProviderInstance> all() {
        return byName.values();
    }

    /**
     * The built-in three and the indexed ones, checked.
     *
     * @param bedrock     {@code AIBRIDGE_BEDROCK_*}, for the built-in {@code anthropic}
     * @param environment AWS's own variables (region, credentials) for Bedrock instances
     * @param http        for AWS credentials fetched at start (EKS Pod Identity, IRSA)
     */
    static List<ProviderInstance> resolve(ProxyConfig.Provider openai, ProxyConfig.Provider anthropic, String copilotBaseUrl,
                                          List<ProxyConfig.Instance> indexed, ProxyConfig.Bedrock bedrock,
                                          Map<String, String> environment, java.net.http.HttpClient http) {
        Map<String, ProviderInstance> out = new LinkedHashMap<>();
        String openaiBaseUrl = openai.baseUrl().trim();
        checkUrl(openaiBaseUrl, "AIBRIDGE_OPENAI_BASE_URL");
        String anthropicBaseUrl = anthropic.baseUrl().trim();
        checkUrl(anthropicBaseUrl, "AIBRIDGE_ANTHROPIC_BASE_URL");
        out.put("openai", new ProviderInstance("openai", ProviderType.OPENAI, openaiBaseUrl,
                ProviderKeys.of("openai", ProviderType.OPENAI, keys(openai.key(), openai.keys(), "AIBRIDGE_OPENAI_")), null));
        List<String> anthropicKeys = keys(anthropic.key(), anthropic.keys(), "AIBRIDGE_ANTHROPIC_");
        if (BedrockSettings.requested(bedrock) && !anthropicKeys.isEmpty()) {
            throw new IllegalArgumentException("AIBRIDGE_ANTHROPIC_KEY" + (anthropicKeys.size() > 1 ? "S" : "") + " and "
                    + "AIBRIDGE_BEDROCK_* are both set: the built-in anthropic provider calls either Anthropic's API with its key "
                    + "or AWS Bedrock; remove one of them, or configure the other as AIBRIDGE_PROVIDER_<N>_*");
        }
        BedrockSettings builtInBedrock = BedrockSettings.of(bedrock, "AIBRIDGE_BEDROCK_", environment, http).orElse(null);
        out.put("anthropic", new ProviderInstance("anthropic", ProviderType.ANTHROPIC, anthropicBaseUrl,
                ProviderKeys.of("anthropic", ProviderType.ANTHROPIC, anthropicKeys), builtInBedrock));
        checkUrl(copilotBaseUrl, "AIBRIDGE_COPILOT_BASE_URL");
        out.put("copilot", new ProviderInstance("copilot", ProviderType.COPILOT, copilotBaseUrl.trim(), null));
        Map<String, Integer> indices = new LinkedHashMap<>();
        for (int i = 0; i < indexed.size(); i++) {
            ProxyConfig.Instance instance = indexed.get(i);
            String variable = "AIBRIDGE_PROVIDER_" + i + "_";
            ProviderType type = type(instance.type(), variable + "TYPE");
            String name = instance.name().map(String::trim).filter(n -> !n.isEmpty()).orElse(type.wireName());
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(variable + "NAME is \"" + name + "\"; a provider name is lower-case letters and "
                        + "digits in groups joined by single hyphens, such as anthropic-corp");
            }
            if (RESERVED.contains(name)) {
                throw new IllegalArgumentException(variable + "NAME is \"" + name + "\", which is a path of the query API under "
                        + "/api/v2/aibridge; choose another name");
            }
            Integer earlier = indices.put(name, i);
            if (earlier != null) {
                throw new IllegalArgumentException("AIBRIDGE_PROVIDER_" + earlier + "_* and AIBRIDGE_PROVIDER_" + i
                        + "_* are both named \"" + name + "\"; every provider needs a name of its own (it is its route prefix)");
            }
            ProviderInstance builtIn = out.get(name);
            if (builtIn != null && builtIn.isBedrock()) {
                throw new IllegalArgumentException("AIBRIDGE_PROVIDER_" + i + "_* is named \"" + name + "\", which AIBRIDGE_BEDROCK_* "
                        + "configures already; remove one of them or give " + variable + "NAME another name");
            }
            if (builtIn != null && !sameUrl(builtIn.baseUrl(), defaultBaseUrl(builtIn.type()))) {
                // the indexed one would take its place, and the legacy URL would be ignored without a word
                throw new IllegalArgumentException("AIBRIDGE_PROVIDER_" + i + "_* is named \"" + name + "\", which AIBRIDGE_"
                        + name.toUpperCase(Locale.ROOT) + "_BASE_URL configures already; remove one of them or give " + variable
                        + "NAME another name");
            }
            if (builtIn != null && !builtIn.keys().isEmpty()) {
                throw new IllegalArgumentException("AIBRIDGE_PROVIDER_" + i + "_* is named \"" + name + "\", which AIBRIDGE_"
                        + name.toUpperCase(Locale.ROOT) + "_KEY" + (builtIn.keys().size() > 1 ? "S" : "") + " configures already; "
                        + "remove one of them or give " + variable + "NAME another name");
            }
            List<String> keys = keys(instance.key(), instance.keys(), variable);
            String keyVariable = variable + (instance.keys().map(String::trim).filter(k -> !k.isEmpty()).isPresent() ? "KEYS" : "KEY");
            if (type == ProviderType.COPILOT && !keys.isEmpty()) {
                throw new IllegalArgumentException(keyVariable + " is set for a copilot provider; Copilot is always called with "
                        + "each caller's own Copilot token (BYOK), so remove " + keyVariable);
            }
            String baseUrl = instance.baseUrl().map(String::trim).filter(u -> !u.isEmpty()).orElse(defaultBaseUrl(type));
            checkUrl(baseUrl, variable + "BASE_URL");
            // the contradictions first: resolving AWS credentials may take a call to STS or the container endpoint
            boolean onBedrock = BedrockSettings.requested(instance.bedrock());
            if (onBedrock && type != ProviderType.ANTHROPIC) {
                throw new IllegalArgumentException(variable + "BEDROCK_* is set for a " + type.wireName() + " provider; AWS Bedrock "
                        + "serves Claude through Anthropic's Messages API, so it needs " + variable + "TYPE=anthropic");
            }
            if (onBedrock && instance.baseUrl().map(String::trim).filter(u -> !u.isEmpty()).isPresent()) {
                throw new IllegalArgumentException(variable + "BASE_URL and " + variable + "BEDROCK_* are both set: a Bedrock "
                        + "provider's endpoint is " + variable + "BEDROCK_BASE_URL (or its region's); remove " + variable + "BASE_URL");
            }
            if (onBedrock && !keys.isEmpty()) {
                throw new IllegalArgumentException(keyVariable + " and " + variable + "BEDROCK_* are both set: a Bedrock provider is "
                        + "called with AWS credentials (" + variable + "BEDROCK_ACCESS_KEY and _SECRET, or AWS's own sources); remove "
                        + keyVariable);
            }
            out.put(name, new ProviderInstance(name, type, baseUrl, ProviderKeys.of(name, type, keys),
                    BedrockSettings.of(instance.bedrock(), variable + "BEDROCK_", environment, http).orElse(null)));
        }
        return new ArrayList<>(out.values());
    }

    private static String defaultBaseUrl(ProviderType type) {
        return switch (type) {
            case OPENAI -> OPENAI_BASE_URL;
            case ANTHROPIC -> ANTHROPIC_BASE_URL;
            case COPILOT -> COPILOT_BASE_URL;
        };
    }

    /** The same URL, written with or without a last slash or spaces around it. */
    private static boolean sameUrl(String a, String b) {
        return withoutLastSlash(a.trim()).equals(withoutLastSlash(b.trim()));
    }

    private static String withoutLastSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static ProviderType type(String value, String variable) {
        String type = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (ProviderType t : ProviderType.values()) {
            if (t.wireName().equals(type)) {
                return t;
            }
        }
        throw new IllegalArgumentException(variable + " is \"" + value + "\"; AI Bridge's proxy bridges the types openai, "
                + "anthropic and copilot");
    }

    private static void checkUrl(String url, String variable) {
        try {
            URI uri = new URI(url);
            if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                throw new IllegalArgumentException(variable + " must be an http(s) URL with a host, not " + url);
            }
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException(variable + " is not a URL: " + url, e);
        }
    }

    /** The keys of {@code <variable>KEY} or {@code <variable>KEYS} (not both), checked: none when neither is set. */
    private static List<String> keys(Optional<String> key, Optional<String> keys, String variable) {
        String one = key.map(String::trim).filter(k -> !k.isEmpty()).orElse(null);
        String several = keys.map(String::trim).filter(k -> !k.isEmpty()).orElse(null);
        if (one != null && several != null) {
            throw new IllegalArgumentException(variable + "KEY and " + variable + "KEYS are both set; give one key in " + variable
                    + "KEY or several, comma-separated, in " + variable + "KEYS");
        }
        return several != null ? ProviderKeys.parse(several, variable + "KEYS") : one != null ? List.of(one) : List.of();
    }
}

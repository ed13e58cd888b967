package io.aibridge.proxy.bedrock;

import io.aibridge.proxy.config.ProxyConfig;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How one {@code anthropic} provider instance reaches Claude on AWS Bedrock: the Bedrock Runtime
 * endpoint, the region that scopes the signature, the two Bedrock model ids requests are sent to,
 * and where the AWS credentials come from. The credentials never appear in {@link #toString()}.
 *
 * @param model          the Bedrock model id (or inference profile) for every request...
 * @param smallFastModel ...except those for a model whose name contains {@code haiku}, as the reference does
 */
public record BedrockSettings(String region, String baseUrl, String model, String smallFastModel,
                              AwsCredentialsProvider credentials) {

    /** The signing name of Bedrock Runtime. */
    public static final String SERVICE = "bedrock";
    /** The media type of Bedrock's streamed answers: AWS's binary event stream. */
    public static final String EVENT_STREAM = "application/vnd.amazon.eventstream";
    /** {@code bedrock-runtime.<region>.amazonaws.com} and its FIPS and VPC-endpoint forms name their region. */
    private static final Pattern REGION_IN_HOST = Pattern.compile("(?:^|\\.)bedrock-runtime(?:-fips)?\\.([a-z0-9-]+)\\.");

    /**
     * The model id a request for {@code requested} is sent to, which is also the model recorded:
     * the small/fast one when the requested name contains {@code haiku} (Claude Code's background
     * model), else the main one.
     */
    public String modelFor(String requested) {
        return requested.contains("haiku") ? smallFastModel : model;
    }

    /**
     * {@code <base>/model/<model id>/invoke}, or {@code .../invoke-with-response-stream} for a
     * streamed request; the model id is percent-encoded as one path segment ({@code :} and the
     * {@code /} of an inference profile's ARN included).
     */
    public String url(String modelId, boolean streaming) {
        return modelUrl(modelId, streaming ? "invoke-with-response-stream" : "invoke");
    }

    /**
     * {@code <base>/model/<foundation model id>/count-tokens}: Bedrock counts tokens only for a
     * foundation model, so a cross-region inference profile's id is called by the model it names
     * ({@link BedrockRequest#foundationModel}).
     */
    public String countTokensUrl(String modelId) {
        return modelUrl(BedrockRequest.foundationModel(modelId), "count-tokens");
    }

    private String modelUrl(String modelId, String operation) {
        return (baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl) + "/model/" + pathSegment(modelId)
                + "/" + operation;
    }

    /** What a caller is told (with 503) while an instance has no valid AWS credentials, e.g. temporary ones not renewed yet. */
    public static String noCredentialsMessage(String instance) {
        return "AI Bridge has no valid AWS credentials for " + instance + " right now (see its log); try again later";
    }

    /**
     * The headers that sign a request to {@code url} with a body of this {@link SigV4#payloadHash}: {@code x-amz-date},
     * {@code x-amz-security-token} for temporary credentials, and {@code authorization}; the
     * content type and the host are part of the signature.
     *
     * @throws IllegalStateException when no valid AWS credentials are at hand
     */
    public Map<String, String> signature(String method, String url, String payloadHash) {
        AwsCredentials current = credentials.current();
        if (current == null) {
            throw new IllegalStateException("no valid AWS credentials for Bedrock (" + credentials.describe() + ")");
        }
        return SigV4.signHashed(method, URI.create(url), Map.of("content-type", "application/json"), payloadHash, current, region,
                SERVICE, java.time.Instant.now());
    }

    /** True when these settings ask for Bedrock at all: a region or a base URL is set. */
    public static boolean requested(ProxyConfig.Bedrock config) {
        return trimmed(config.region()).isPresent() || trimmed(config.baseUrl()).isPresent();
    }

    /**
     * The settings of one instance, or empty when neither a region nor a base URL is configured
     * (the instance then speaks to Anthropic's API). Anything missing or contradictory stops the
     * proxy at start with a message naming the variable.
     *
     * @param variables   the prefix of the variables, for messages: {@code AIBRIDGE_BEDROCK_} or {@code AIBRIDGE_PROVIDER_0_BEDROCK_}
     * @param environment the process environment (AWS's own variables: region, credentials)
     */
    public static Optional<BedrockSettings> of(ProxyConfig.Bedrock config, String variables, Map<String, String> environment,
                                               HttpClient http) {
        Optional<String> region = trimmed(config.region());
        Optional<String> baseUrl = trimmed(config.baseUrl());
        if (region.isEmpty() && baseUrl.isEmpty()) {
            if (trimmed(config.model()).isPresent() || trimmed(config.accessKey()).isPresent()) {
                throw new IllegalArgumentException(variables + "MODEL or " + variables + "ACCESS_KEY is set but neither "
                        + variables + "REGION nor " + variables + "BASE_URL: set the region of the Bedrock models to use");
            }
            return Optional.empty();
        }
        String model = trimmed(config.model()).orElseThrow(() -> new IllegalArgumentException(variables
                + "MODEL is required with AWS Bedrock: the Bedrock model id or inference profile requests go to, such as "
                + "us.anthropic.claude-sonnet-4-5-20250929-v1:0"));
        String smallFast = trimmed(config.smallFastModel()).orElseThrow(() -> new IllegalArgumentException(variables
                + "SMALL_FAST_MODEL is required with AWS Bedrock: the model requests for a Haiku model go to, such as "
                + "us.anthropic.claude-haiku-4-5-20251001-v1:0"));
        String given = baseUrl.orElse(null);
        if (given != null) {
            checkUrl(given, variables + "BASE_URL");
        }
        String signingRegion = region.or(() -> regionOf(given))
                .or(() -> trimmed(Optional.ofNullable(environment.get("AWS_REGION"))))
                .or(() -> trimmed(Optional.ofNullable(environment.get("AWS_DEFAULT_REGION"))))
                .orElseThrow(() -> new IllegalArgumentException(variables + "BASE_URL " + given + " does not name an AWS region; set "
                        + variables + "REGION to the region that signs its requests"));
        String url = given != null ? given : "https://bedrock-runtime." + signingRegion + ".amazonaws.com";
        AwsCredentialsProvider credentials;
        try {
            credentials = AwsCredentialsProvider.resolve(trimmed(config.accessKey()).orElse(null),
                    trimmed(config.accessKeySecret()).orElse(null), trimmed(config.sessionToken()).orElse(null), environment, http);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(variables + "ACCESS_KEY / " + variables + "ACCESS_KEY_SECRET: " + e.getMessage(), e);
        }
        return Optional.of(new BedrockSettings(signingRegion, url, model, smallFast, credentials));
    }

    /** The region in a Bedrock Runtime host name, if it has one. */
    static Optional<String> regionOf(String url) {
        if (url == null) {
            return Optional.empty();
        }
        Matcher m = REGION_IN_HOST.matcher(URI.create(url).getHost());
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** Percent-encodes everything but RFC 3986's unreserved characters. */
    static String pathSegment(String value) {
        StringBuilder out = new StringBuilder(value.length() + 8);
        for (byte b : value.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
                    || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }

    private static void checkUrl(String url, String variable) {
        try {
            URI uri = new URI(url);
            if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                throw new IllegalArgumentException(variable + " must be an http(s) URL with a host, not " + url);
            }
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(variable + " is not a URL: " + url, e);
        }
    }

    private static Optional<String> trimmed(Optional<String> value) {
        return value.map(String::trim).filter(v -> !v.isEmpty());
    }

    @Override
    public String toString() {
        return "AWS Bedrock " + region + " at " + baseUrl + ", models " + model + " / " + smallFastModel + ", credentials "
                + credentials.describe();
    }
}

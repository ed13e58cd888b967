package io.aibridge.proxy.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.format.DateTimeParseException;
import java.util.Set;

/**
 * Credentials from the container credentials endpoint that ECS and EKS Pod Identity run next to
 * the workload: a GET answering {@code {"AccessKeyId","SecretAccessKey","Token","Expiration"}}, with
 * an {@code Authorization} header when the platform hands out a token (EKS Pod Identity does, in a
 * file it rotates, so the file is read again at each fetch).
 */
final class ContainerCredentials implements CredentialsSource {

    /** Where ECS serves {@code AWS_CONTAINER_CREDENTIALS_RELATIVE_URI}. */
    static final String ECS_ENDPOINT = "http://169.254.170.2";
    /**
     * The link-local addresses of ECS ({@code 169.254.170.2}) and EKS Pod Identity
     * ({@code 169.254.170.23}, {@code fd00:ec2::23}); with loopback, the only hosts the AWS SDKs
     * accept a plain-http {@code AWS_CONTAINER_CREDENTIALS_FULL_URI} for, since the answer is a secret.
     */
    private static final Set<String> PLATFORM_HOSTS = Set.of("169.254.170.2", "169.254.170.23", "[fd00:ec2::23]");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final URI endpoint;
    private final Path tokenFile;
    private final String token;

    /**
     * @param tokenFile the file holding the {@code Authorization} value, or null
     * @param token     the {@code Authorization} value itself, used when there is no file; may be null
     */
    ContainerCredentials(HttpClient http, URI endpoint, Path tokenFile, String token) {
        this.http = http;
        this.endpoint = endpoint;
        this.tokenFile = tokenFile;
        this.token = token;
    }

    /**
     * Refuses a full URI the credentials could leak from: plain http to anything but loopback or
     * the platforms' link-local endpoints (the rule the AWS SDKs apply). Resolves the host name,
     * so it blocks; it runs once, at start-up.
     */
    static URI checkedFullUri(String fullUri) {
        URI uri;
        try {
            uri = URI.create(fullUri);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URI: " + fullUri, e);
        }
        if ("https".equalsIgnoreCase(uri.getScheme())) {
            return uri;
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("AWS_CONTAINER_CREDENTIALS_FULL_URI must be an http or https URL, not " + fullUri);
        }
        if (PLATFORM_HOSTS.contains(uri.getHost()) || isLoopback(uri.getHost())) {
            return uri;
        }
        throw new IllegalArgumentException("AWS_CONTAINER_CREDENTIALS_FULL_URI " + fullUri + " is plain http to a host that is"
                + " neither loopback nor the ECS or EKS Pod Identity endpoint; credentials are only fetched over https from elsewhere");
    }

    private static boolean isLoopback(String host) {
        try {
            InetAddress[] addresses = InetAddress.getAllByName(host);
            for (InetAddress address : addresses) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return addresses.length > 0;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Override
    public AwsCredentials fetch() throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).header("Accept", "application/json").GET();
        String authorization = tokenFile != null
                ? CredentialsHttp.readToken(tokenFile, "container authorization token (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)")
                : token;
        if (authorization != null) {
            if (authorization.indexOf('\n') >= 0 || authorization.indexOf('\r') >= 0) {
                throw new IOException("the container authorization token holds a line break, which cannot go in a header");
            }
            request.header("Authorization", authorization);
        }
        return parse(CredentialsHttp.fetch(http, request.build(), "the container credentials endpoint " + origin()));
    }

    @Override
    public String describe() {
        String authorization = tokenFile != null ? ", authorization token from " + tokenFile
                : token != null ? ", authorization token from AWS_CONTAINER_AUTHORIZATION_TOKEN" : "";
        return "container credentials endpoint " + origin() + authorization;
    }

    /** Scheme, host and port: the path may carry a per-task id, which is no business of a log. */
    private String origin() {
        return endpoint.getScheme() + "://" + endpoint.getRawAuthority();
    }

    static AwsCredentials parse(String json) throws IOException {
        JsonNode answer;
        try {
            answer = JSON.readTree(json);
        } catch (IOException e) {
            throw new IOException("the container credentials endpoint answered with something other than JSON", e);
        }
        String accessKeyId = field(answer, "AccessKeyId");
        String secret = field(answer, "SecretAccessKey");
        if (accessKeyId == null || secret == null) {
            // an error answer carries Code and Message instead
            throw new IOException("the container credentials endpoint answered without AccessKeyId and SecretAccessKey"
                    + (field(answer, "Code") != null ? ": " + field(answer, "Code") + " " + field(answer, "Message") : ""));
        }
        String expiration = field(answer, "Expiration");
        try {
            return new AwsCredentials(accessKeyId, secret, field(answer, "Token"),
                    expiration == null ? null : CredentialsHttp.parseExpiration(expiration));
        } catch (DateTimeParseException e) {
            throw new IOException("the container credentials endpoint answered with an Expiration that is not a date: " + expiration, e);
        }
    }

    private static String field(JsonNode answer, String name) {
        JsonNode value = answer == null ? null : answer.get(name);
        return value == null || !value.isTextual() || value.asText().isBlank() ? null : value.asText();
    }
}

package io.aibridge.testing.fake;

import io.vertx.core.MultiMap;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.internal.signer.CredentialScope;
import software.amazon.awssdk.http.auth.aws.internal.signer.V4Properties;
import software.amazon.awssdk.http.auth.aws.internal.signer.V4RequestSigner;
import software.amazon.awssdk.http.auth.aws.internal.signer.V4RequestSigningResult;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Checks a request's AWS Signature Version 4 the way an AWS service does: it recomputes the signature
 * with AWS's own signer (the SDK's {@code http-auth-aws}, not the proxy's code) over the request as
 * received (method, raw path, raw query, only the headers named in {@code SignedHeaders}, the body's
 * SHA-256) at the instant of {@code x-amz-date}, in the region and service of the credential scope, with
 * double URL encoding and path normalization on.
 *
 * <p>Why the SDK's request signer ({@code V4RequestSigner}) and not its public {@code AwsV4HttpSigner}:
 * the public signer is a client; it always adds and signs {@code x-amz-content-sha256} (and sets
 * {@code Host} and {@code X-Amz-Date}), which a client that did not sign that header never sent. A
 * verifier has to sign exactly the headers the client named; the request signer, the step the public
 * signer ends with, does that and adds nothing. The tests sign with the public signer.
 *
 * <p>Protocol facts (<a href="https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html">SigV4</a>):
 * {@code Authorization: AWS4-HMAC-SHA256 Credential=<key>/<yyyymmdd>/<region>/<service>/aws4_request,
 * SignedHeaders=<a;b>, Signature=<hex>}; a request signed more than 5 minutes away from the server's
 * clock is refused.
 */
final class SigV4Check {

    static final String ALGORITHM = "AWS4-HMAC-SHA256";
    static final Duration ALLOWED_SKEW = Duration.ofMinutes(5);
    static final String SERVICE = "bedrock";
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final Map<String, String> secrets;
    private final Clock clock;

    /** @param secrets secret access key by access key id */
    SigV4Check(Map<String, String> secrets) {
        this(secrets, Clock.systemUTC());
    }

    SigV4Check(Map<String, String> secrets, Clock clock) {
        this.secrets = Map.copyOf(secrets);
        this.clock = clock;
    }

    /** Null when a known key signed the request as received, else the error AWS answers with. */
    BedrockError check(String method, String rawPath, String rawQuery, MultiMap headers, byte[] body) {
        String authorization = headers.get("authorization");
        if (authorization == null) {
            // the one authentication error AWS answers with a lower-case message member
            return new BedrockError(403, "MissingAuthenticationTokenException", "Missing Authentication Token",
                    BedrockError.CORAL, "message");
        }
        Map<String, String> params = parameters(authorization);
        String amzDate = headers.get("x-amz-date");
        List<String> incomplete = new ArrayList<>();
        for (String name : List.of("Credential", "Signature", "SignedHeaders")) {
            if (params == null || params.get(name) == null || params.get(name).isEmpty()) {
                incomplete.add("Authorization header requires '" + name + "' parameter.");
            }
        }
        if (amzDate == null) {
            incomplete.add("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }
        if (!incomplete.isEmpty()) {
            return BedrockError.auth("IncompleteSignatureException", String.join(" ", incomplete) + " Authorization=" + authorization);
        }
        String[] scope = params.get("Credential").split("/", -1);
        if (scope.length != 5 || !scope[4].equals("aws4_request")) {
            return BedrockError.auth("IncompleteSignatureException", "Credential must have exactly 5 slash-delimited elements, "
                    + "e.g. keyid/date/region/service/term, got '" + params.get("Credential") + "'");
        }
        String secret = secrets.get(scope[0]);
        if (secret == null) {
            return BedrockError.auth("UnrecognizedClientException", "The security token included in the request is invalid.");
        }
        Instant signedAt;
        try {
            signedAt = Instant.from(AMZ_DATE.parse(amzDate));
        } catch (DateTimeParseException e) {
            return BedrockError.auth("IncompleteSignatureException", "Date must be in ISO-8601 'basic format'. Got '" + amzDate
                    + "'. See http://en.wikipedia.org/wiki/ISO_8601");
        }
        Instant now = clock.instant();
        if (signedAt.isBefore(now.minus(ALLOWED_SKEW))) {
            return BedrockError.auth("InvalidSignatureException", "Signature expired: " + amzDate + " is now earlier than "
                    + AMZ_DATE.format(now.minus(ALLOWED_SKEW)) + " (" + AMZ_DATE.format(now) + " - 5 min.)");
        }
        if (signedAt.isAfter(now.plus(ALLOWED_SKEW))) {
            return BedrockError.auth("InvalidSignatureException", "Signature not yet current: " + amzDate + " is still later than "
                    + AMZ_DATE.format(now.plus(ALLOWED_SKEW)) + " (" + AMZ_DATE.format(now) + " + 5 min.)");
        }
        if (!scope[3].equals(SERVICE)) {
            return BedrockError.auth("InvalidSignatureException", "Credential should be scoped to correct service: '" + SERVICE + "'. ");
        }
        if (!scope[1].equals(amzDate.substring(0, 8))) {
            return BedrockError.auth("InvalidSignatureException", "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                    + "version of date from HTTP: '" + scope[1] + "' != '" + amzDate.substring(0, 8) + "', from '" + amzDate + "'.");
        }
        String token = headers.get("x-amz-security-token");
        AwsCredentialsIdentity identity = token == null
                ? AwsCredentialsIdentity.create(scope[0], secret)
                : AwsSessionCredentialsIdentity.create(scope[0], secret, token);
        CredentialScope credentialScope = new CredentialScope(scope[2], scope[3], signedAt);
        V4Properties properties = V4Properties.builder()
                .credentials(identity)
                .credentialScope(credentialScope)
                .signingClock(Clock.fixed(signedAt, ZoneOffset.UTC))
                .doubleUrlEncode(true)
                .normalizePath(true)
                .build();
        V4RequestSigningResult expected;
        try {
            expected = V4RequestSigner.create(properties, hex(sha256(body)))
                    .sign(asReceived(method, rawPath, rawQuery, headers, params.get("SignedHeaders")));
        } catch (RuntimeException e) {
            // a request the signer cannot even canonicalize (a bad Host header, a bad escape) does not match
            return BedrockError.auth("InvalidSignatureException", mismatch());
        }
        if (!MessageDigest.isEqual(expected.getSignature().getBytes(StandardCharsets.US_ASCII),
                params.get("Signature").getBytes(StandardCharsets.US_ASCII))) {
            String canonical = expected.getCanonicalRequest().getCanonicalRequestString();
            String stringToSign = ALGORITHM + "\n" + amzDate + "\n" + credentialScope.scope() + "\n"
                    + hex(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
            // AWS shows what it computed, which is what makes a signing bug findable
            return BedrockError.auth("InvalidSignatureException", mismatch() + " Consult the service documentation for details.\n\n"
                    + "The Canonical String for this request should have been\n'" + canonical + "'\n\n"
                    + "The String-to-Sign should have been\n'" + stringToSign + "'\n");
        }
        return null;
    }

    static String mismatch() {
        return "The request signature we calculated does not match the signature you provided. "
                + "Check your AWS Secret Access Key and signing method.";
    }

    /** {@code Credential}, {@code SignedHeaders} and {@code Signature} of an AWS4-HMAC-SHA256 header, or null for another scheme. */
    private static Map<String, String> parameters(String authorization) {
        if (!authorization.startsWith(ALGORITHM + " ")) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (String part : authorization.substring(ALGORITHM.length() + 1).split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                params.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
            }
        }
        return params;
    }

    /** The request as received: scheme http, the Host header, the raw path and query, and only the signed headers. */
    private static SdkHttpRequest.Builder asReceived(String method, String rawPath, String rawQuery, MultiMap headers,
                                                     String signedHeaders) {
        String host = headers.get("host");
        SdkHttpRequest.Builder request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.fromValue(method))
                .uri(URI.create("http://" + (host == null || host.isBlank() ? "localhost" : host)))
                .encodedPath(rawPath);
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                String name = eq < 0 ? pair : pair.substring(0, eq);
                String value = eq < 0 ? "" : pair.substring(eq + 1);
                // the signer encodes raw (decoded) parameters again; a '+' is a plus sign, not a space
                request.appendRawQueryParameter(decode(name), decode(value));
            }
        }
        for (String name : signedHeaders.split(";")) {
            List<String> values = headers.getAll(name);
            if (!values.isEmpty()) {
                request.putHeader(name.toLowerCase(Locale.ROOT), values);
            }
        }
        return request;
    }

    private static String decode(String raw) {
        return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}

package io.aibridge.proxy.bedrock;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Our SigV4 against AWS's published example and, request by request, against AWS's own signer
 * (the SDK's {@code AwsV4HttpSigner}) on the same method, URL, headers, body, keys and time.
 */
class SigV4Test {

    private static final Instant NOW = Instant.parse("2025-03-14T15:09:26Z");
    private static final AwsCredentials KEYS = AwsCredentials.of("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    private static final String BEDROCK = "https://bedrock-runtime.us-east-1.amazonaws.com";
    private static final byte[] MESSAGES_BODY = ("{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":1024,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello, Claude\"}]}").getBytes(StandardCharsets.UTF_8);

    @Test
    void signsAwsPublishedIamExampleToItsPublishedSignature() {
        // AWS's "Signature Version 4 signing process" example: ListUsers on IAM, 2015-08-30
        Map<String, String> added = SigV4.sign("GET", URI.create("https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08"),
                Map.of("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), new byte[0],
                KEYS, "us-east-1", "iam", Instant.parse("2015-08-30T12:36:00Z"));

        assertThat(added).containsExactly(
                Map.entry("x-amz-date", "20150830T123600Z"),
                Map.entry("authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
                        + "SignedHeaders=content-type;host;x-amz-date, "
                        + "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"));
    }

    @Test
    void signsAnInvokeOfAModelIdWithAColonAsAwsDoes() {
        assertSignedAsAws("POST", BEDROCK + "/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/invoke",
                Map.of("content-type", "application/json", "accept", "application/json"), MESSAGES_BODY, KEYS, NOW);
    }

    @Test
    void signsAStreamingInvokeOfAnInferenceProfileArnAsAwsDoes() {
        assertSignedAsAws("POST", BEDROCK + "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile"
                        + "%2Fus.anthropic.claude-sonnet-4-20250514-v1%3A0/invoke-with-response-stream",
                Map.of("content-type", "application/json", "accept", "application/vnd.amazon.eventstream"), MESSAGES_BODY, KEYS, NOW);
    }

    @Test
    void signsTheSessionTokenOfTemporaryCredentialsAsAwsDoes() {
        AwsCredentials temporary = new AwsCredentials("ASIAEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==", Instant.parse("2025-03-14T21:00:00Z"));

        Map<String, String> added = assertSignedAsAws("POST", BEDROCK + "/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/invoke",
                Map.of("content-type", "application/json"), MESSAGES_BODY, temporary, NOW);

        assertThat(added).containsKeys("x-amz-date", "x-amz-security-token", "authorization");
        assertThat(added.get("x-amz-security-token")).isEqualTo(temporary.sessionToken());
        assertThat(added.get("authorization")).contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,");
    }

    @Test
    void signsTheHostWithAnExplicitNonDefaultPortAsAwsDoes() {
        Map<String, String> added = assertSignedAsAws("POST", "http://127.0.0.1:9099/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke",
                Map.of("content-type", "application/json"), MESSAGES_BODY, KEYS, NOW);

        assertThat(SigV4.hostHeader(URI.create("http://127.0.0.1:9099/x"))).isEqualTo("127.0.0.1:9099");
        assertThat(SigV4.hostHeader(URI.create("https://bedrock-runtime.us-east-1.amazonaws.com:443/x")))
                .isEqualTo("bedrock-runtime.us-east-1.amazonaws.com");
        assertThat(added.get("authorization")).contains("SignedHeaders=content-type;host;x-amz-date,");
    }

    @Test
    void signsAQueryWithReservedCharactersAsAwsDoes() {
        assertSignedAsAws("GET", BEDROCK + "/list?z=last&a=%2Fslash%3Acolon&a=%20space&b=%C3%A9t%C3%A9&tilde=~x&star=%2A&empty=&flag&plus=1+1",
                Map.of(), new byte[0], KEYS, NOW);
    }

    @Test
    void signsHeaderValuesTrimmedWithInnerSpacesCollapsedAsAwsDoes() {
        Map<String, String> added = assertSignedAsAws("POST", BEDROCK + "/model/m/invoke",
                Map.of("Content-Type", "  application/json;   charset=utf-8 ", "X-Amzn-Bedrock-Trace", "ENABLED"), MESSAGES_BODY, KEYS, NOW);

        assertThat(added.get("authorization")).contains("SignedHeaders=content-type;host;x-amz-date;x-amzn-bedrock-trace,");
        assertThat(added.get("authorization")).isEqualTo(SigV4.sign("POST", URI.create(BEDROCK + "/model/m/invoke"),
                Map.of("content-type", "application/json; charset=utf-8", "x-amzn-bedrock-trace", "ENABLED"),
                MESSAGES_BODY, KEYS, "us-east-1", "bedrock", NOW).get("authorization"));
    }

    @Test
    void signsAnEmptyPathAndADotSegmentAsAwsDoes() {
        assertSignedAsAws("GET", BEDROCK, Map.of(), null, KEYS, NOW);
        assertSignedAsAws("POST", BEDROCK + "/model/./m/../m2/invoke", Map.of(), MESSAGES_BODY, KEYS, NOW);
    }

    @Test
    void signsOnTheNextDayWithThatDaysKeyAsAwsDoes() {
        // the derived key is cached per day: the next day's signature must not reuse it
        assertSignedAsAws("POST", BEDROCK + "/model/m/invoke", Map.of("content-type", "application/json"), MESSAGES_BODY, KEYS, NOW);
        assertSignedAsAws("POST", BEDROCK + "/model/m/invoke", Map.of("content-type", "application/json"), MESSAGES_BODY, KEYS,
                NOW.plusSeconds(86_400));
    }

    @Test
    void theSameHeaderInTwoCasesIsRefused() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("content-type", "application/json");
        headers.put("Content-Type", "text/plain");

        assertThatThrownBy(() -> SigV4.sign("POST", URI.create(BEDROCK + "/model/m/invoke"), headers, MESSAGES_BODY,
                KEYS, "us-east-1", "bedrock", NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("content-type");
    }

    @Test
    void headersTheSignerSetsItselfAreNotTakenFromTheCaller() {
        Map<String, String> expected = SigV4.sign("POST", URI.create(BEDROCK + "/model/m/invoke"), Map.of(), MESSAGES_BODY,
                KEYS, "us-east-1", "bedrock", NOW);

        Map<String, String> withStale = SigV4.sign("POST", URI.create(BEDROCK + "/model/m/invoke"),
                Map.of("Host", "elsewhere.example", "X-Amz-Date", "20000101T000000Z"), MESSAGES_BODY, KEYS, "us-east-1", "bedrock", NOW);

        assertThat(withStale).isEqualTo(expected);
    }

    /**
     * Signs with both implementations and asserts they agree; returns ours without the extra header.
     * AWS's signer always adds and signs {@code x-amz-content-sha256} (the payload hash S3 needs),
     * which Bedrock does not ask for: both sign it here, so both canonicalize the same request.
     */
    private static Map<String, String> assertSignedAsAws(String method, String url, Map<String, String> headers, byte[] body,
                                                         AwsCredentials credentials, Instant now) {
        Map<String, String> withPayloadHash = new LinkedHashMap<>(headers);
        withPayloadHash.put("x-amz-content-sha256", sha256Hex(body == null ? new byte[0] : body));
        String ours = SigV4.sign(method, URI.create(url), withPayloadHash, body, credentials, "us-east-1", "bedrock", now)
                .get("authorization");
        String aws = awsAuthorization(method, url, withPayloadHash, body, credentials, now);

        assertThat(signedHeaders(ours)).isEqualTo(signedHeaders(aws));
        assertThat(signature(ours)).isEqualTo(signature(aws));
        assertThat(ours).isEqualTo(aws);
        return SigV4.sign(method, URI.create(url), headers, body, credentials, "us-east-1", "bedrock", now);
    }

    private static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static String awsAuthorization(String method, String url, Map<String, String> headers, byte[] body,
                                           AwsCredentials credentials, Instant now) {
        SdkHttpRequest.Builder request = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method)).uri(URI.create(url));
        headers.forEach(request::putHeader);
        AwsCredentialsIdentity identity = credentials.sessionToken() == null
                ? AwsCredentialsIdentity.create(credentials.accessKeyId(), credentials.secretAccessKey())
                : AwsSessionCredentialsIdentity.create(credentials.accessKeyId(), credentials.secretAccessKey(), credentials.sessionToken());
        SignedRequest signed = AwsV4HttpSigner.create().sign(sign -> {
            sign.request(request.build())
                    .identity(identity)
                    .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(now, ZoneOffset.UTC))
                    .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                    .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, true)
                    .putProperty(AwsV4FamilyHttpSigner.CHUNK_ENCODING_ENABLED, false)
                    .putProperty(AwsV4FamilyHttpSigner.DOUBLE_URL_ENCODE, true)
                    .putProperty(AwsV4FamilyHttpSigner.NORMALIZE_PATH, true);
            if (body != null) {
                sign.payload(ContentStreamProvider.fromByteArray(body));
            }
        });
        return signed.request().firstMatchingHeader("Authorization").orElseThrow();
    }

    private static String signedHeaders(String authorization) {
        int start = authorization.indexOf("SignedHeaders=") + "SignedHeaders=".length();
        return authorization.substring(start, authorization.indexOf(',', start));
    }

    private static String signature(String authorization) {
        return authorization.substring(authorization.indexOf("Signature=") + "Signature=".length());
    }
}

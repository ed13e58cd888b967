package io.aibridge.proxy.bedrock;

import java.time.Duration;
import java.time.Instant;

/**
 * One set of AWS credentials for signing Bedrock requests. Long-term keys (an IAM user's, or from
 * the environment) have neither a session token nor an expiration; temporary ones (STS, container
 * credentials) have both.
 *
 * <p>{@link #toString()} never shows the secret or the session token, so an instance may end up in
 * a log line or an exception message without leaking them.
 *
 * @param accessKeyId     the access key id ({@code AKIA…} long-term, {@code ASIA…} temporary)
 * @param secretAccessKey the secret key that the signing key is derived from
 * @param sessionToken    the session token of temporary credentials, sent as
 *                        {@code x-amz-security-token}; null for long-term keys (a blank one is taken as none)
 * @param expiration      when temporary credentials stop working; null when they do not expire
 */
public record AwsCredentials(String accessKeyId, String secretAccessKey, String sessionToken, Instant expiration) {

    public AwsCredentials {
        if (accessKeyId == null || accessKeyId.isBlank()) {
            throw new IllegalArgumentException("AWS credentials need an access key id");
        }
        if (secretAccessKey == null || secretAccessKey.isBlank()) {
            throw new IllegalArgumentException("AWS credentials need a secret access key (access key id " + masked(accessKeyId) + ")");
        }
        if (sessionToken != null && sessionToken.isBlank()) {
            sessionToken = null;
        }
    }

    /** Long-term keys, without a session token or an expiration. */
    public static AwsCredentials of(String accessKeyId, String secretAccessKey) {
        return new AwsCredentials(accessKeyId, secretAccessKey, null, null);
    }

    /**
     * Whether these credentials stop working within {@code duration} of {@code now} (or already
     * have); never for credentials without an expiration.
     */
    public boolean expiresWithin(Duration duration, Instant now) {
        return expiration != null && !expiration.isAfter(now.plus(duration));
    }

    /** The access key id cut to its first four characters: enough to tell keys apart in a log. */
    public String maskedAccessKeyId() {
        return masked(accessKeyId);
    }

    @Override
    public String toString() {
        return "AwsCredentials[accessKeyId=" + maskedAccessKeyId()
                + ", sessionToken=" + (sessionToken == null ? "none" : "present")
                + ", expiration=" + (expiration == null ? "none" : expiration) + "]";
    }

    private static String masked(String accessKeyId) {
        return accessKeyId.substring(0, Math.min(4, accessKeyId.length())) + "…";
    }
}

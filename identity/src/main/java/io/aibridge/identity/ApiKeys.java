package io.aibridge.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * API key format and hashing. A key is {@code aib_<key id>_<secret>}: the id is 12 lower-case
 * base-32 characters, the secret 43 URL-safe base64 characters (32 random bytes). Only the hex
 * SHA-256 of the secret is ever stored or published.
 */
public final class ApiKeys {

    public static final String PREFIX = "aib_";
    private static final String ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
    private static final int ID_LENGTH = 12;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A freshly generated key: the token is shown to its owner once, only the hash is kept. */
    public record GeneratedKey(String keyId, String token, String secretHash) {
        @Override
        public String toString() {
            return "GeneratedKey[keyId=" + keyId + "]";
        }
    }

    /** The two parts of a key token. */
    public record ParsedToken(String keyId, String secret) {
        @Override
        public String toString() {
            return "ParsedToken[keyId=" + keyId + "]";
        }
    }

    private ApiKeys() {
    }

    public static GeneratedKey generate() {
        StringBuilder id = new StringBuilder(ID_LENGTH);
        for (int i = 0; i < ID_LENGTH; i++) {
            id.append(ID_ALPHABET.charAt(RANDOM.nextInt(ID_ALPHABET.length())));
        }
        byte[] secretBytes = new byte[32];
        RANDOM.nextBytes(secretBytes);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
        return new GeneratedKey(id.toString(), PREFIX + id + "_" + secret, sha256Hex(secret));
    }

    /** Splits {@code aib_<id>_<secret>}; empty when the token is not of that form. */
    public static Optional<ParsedToken> parse(String token) {
        if (token == null || !token.startsWith(PREFIX)) {
            return Optional.empty();
        }
        int separator = token.indexOf('_', PREFIX.length());
        if (separator <= PREFIX.length() || separator == token.length() - 1) {
            return Optional.empty();
        }
        return Optional.of(new ParsedToken(token.substring(PREFIX.length(), separator), token.substring(separator + 1)));
    }

    /** Lower-case hex SHA-256 of the UTF-8 bytes. */
    public static String sha256Hex(String value) {
        return HexFormat.of().formatHex(sha256(value));
    }

    static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /** Compares a secret with a stored hash in constant time. */
    static boolean matches(String secret, String storedHexHash) {
        if (storedHexHash == null) {
            return false;
        }
        byte[] expected;
        try {
            expected = HexFormat.of().parseHex(storedHexHash);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(sha256(secret), expected);
    }
}

package io.aibridge.proxy.bedrock;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * AWS Signature Version 4 for services other than S3 (Bedrock signs as service {@code bedrock}):
 * the {@code Authorization} header, from a canonical request of the method, path, query, signed
 * headers and payload hash. The steps follow AWS's "Create a signed AWS API request" guide
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
 *
 * <p>Called once per Bedrock request on an event loop, so it does no regex work and caches the
 * derived signing key, which changes only with the secret, the UTC date, the region or the service.
 */
public final class SigV4 {

    /** The only algorithm this class signs with; the first word of the {@code Authorization} header. */
    public static final String ALGORITHM = "AWS4-HMAC-SHA256";

    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final HexFormat HEX = HexFormat.of();
    private static final char[] UPPER_HEX = "0123456789ABCDEF".toCharArray();
    /** More scopes than a replica signs for in a day (secret × region × service); beyond it, start over. */
    private static final int MAX_CACHED_KEYS = 32;
    private static final Map<KeyScope, byte[]> SIGNING_KEYS = new ConcurrentHashMap<>();

    // Mac and MessageDigest are not thread-safe and cost a provider look-up to create: one per thread.
    private static final ThreadLocal<Mac> HMAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no HmacSHA256, which every Java platform must have", e);
        }
    });
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no SHA-256, which every Java platform must have", e);
        }
    });

    private SigV4() {
    }

    /**
     * Signs a request and returns the headers the caller must add to it, lower-case, in this order:
     * {@code x-amz-date}, {@code x-amz-security-token} (only for credentials with a session token)
     * and {@code authorization}.
     *
     * <p>The signature covers {@code host} (the URL's host, with the port when it is explicit and not
     * the scheme's default; the request must go out with that same {@code Host}), {@code x-amz-date},
     * {@code x-amz-security-token} and every header in {@code headers}, which must all be sent with
     * exactly these values (SigV4 compares values after trimming them and collapsing runs of spaces).
     *
     * @param method      the HTTP method, e.g. {@code POST}
     * @param url         the request URL; its raw (already percent-encoded) path and query are signed
     *                    as they go on the wire, e.g. {@code /model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/invoke}
     * @param headers     further headers to sign, e.g. {@code content-type}; names are case-insensitive.
     *                    {@code host}, {@code x-amz-date} and {@code x-amz-security-token} come from the
     *                    URL, the clock and the credentials, and are ignored here
     * @param body        the request body; null for none
     * @param credentials what to sign with
     * @param region      the AWS region, e.g. {@code us-east-1}
     * @param service     the signing name of the service, {@code bedrock} for Bedrock Runtime
     * @param now         the signing time; AWS refuses a signature more than five minutes off its clock
     * @throws IllegalArgumentException when two headers have the same name in different cases
     */
    public static Map<String, String> sign(String method, URI url, Map<String, String> headers, byte[] body,
                                           AwsCredentials credentials, String region, String service, Instant now) {
        return signHashed(method, url, headers, payloadHash(body), credentials, region, service, now);
    }

    /** The hex SHA-256 of a body (null: none), which {@link #signHashed} takes. */
    public static String payloadHash(byte[] body) {
        return hexSha256(body == null ? new byte[0] : body);
    }

    /**
     * As {@link #sign}, with the body's {@link #payloadHash} computed beforehand: a body signed again
     * (each retry signs anew) is not hashed again.
     */
    public static Map<String, String> signHashed(String method, URI url, Map<String, String> headers, String payloadHash,
                                                 AwsCredentials credentials, String region, String service, Instant now) {
        String amzDate = AMZ_DATE.format(now);
        String date = amzDate.substring(0, 8);
        String scope = date + '/' + region + '/' + service + "/aws4_request";

        TreeMap<String, String> signed = new TreeMap<>();
        headers.forEach((name, value) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!lower.equals("host") && !lower.equals("x-amz-date") && !lower.equals("x-amz-security-token")
                    && signed.put(lower, canonicalValue(value)) != null) {
                throw new IllegalArgumentException("header " + lower + " is given twice, in different cases");
            }
        });
        signed.put("host", hostHeader(url));
        signed.put("x-amz-date", amzDate);
        if (credentials.sessionToken() != null) {
            signed.put("x-amz-security-token", credentials.sessionToken());
        }

        StringBuilder canonical = new StringBuilder(512)
                .append(method).append('\n');
        appendCanonicalUri(canonical, url);
        canonical.append('\n');
        appendCanonicalQuery(canonical, url.getRawQuery());
        canonical.append('\n');
        StringBuilder signedNames = new StringBuilder(64);
        for (Map.Entry<String, String> header : signed.entrySet()) {
            canonical.append(header.getKey()).append(':').append(header.getValue()).append('\n');
            if (signedNames.length() > 0) {
                signedNames.append(';');
            }
            signedNames.append(header.getKey());
        }
        canonical.append('\n').append(signedNames).append('\n').append(payloadHash);

        String stringToSign = ALGORITHM + '\n' + amzDate + '\n' + scope + '\n'
                + hexSha256(canonical.toString().getBytes(StandardCharsets.UTF_8));
        byte[] key = signingKey(credentials.secretAccessKey(), date, region, service);
        String signature = HEX.formatHex(hmac(key, stringToSign));

        Map<String, String> added = new LinkedHashMap<>(4);
        added.put("x-amz-date", amzDate);
        if (credentials.sessionToken() != null) {
            added.put("x-amz-security-token", credentials.sessionToken());
        }
        added.put("authorization", ALGORITHM + " Credential=" + credentials.accessKeyId() + '/' + scope
                + ", SignedHeaders=" + signedNames + ", Signature=" + signature);
        return added;
    }

    /** {@code host}, or {@code host:port} when the URL names a port other than its scheme's default. */
    static String hostHeader(URI url) {
        int port = url.getPort();
        boolean defaultPort = port == -1
                || (port == 443 && "https".equalsIgnoreCase(url.getScheme()))
                || (port == 80 && "http".equalsIgnoreCase(url.getScheme()));
        return defaultPort ? url.getHost() : url.getHost() + ':' + port;
    }

    /**
     * The canonical URI of a non-S3 service: the path with dot segments removed (as the SDKs
     * normalize it), then each segment URI-encoded once more, so a wire {@code %3A} is signed as
     * {@code %253A}; {@code /} when the path is empty.
     */
    private static void appendCanonicalUri(StringBuilder out, URI url) {
        String path = url.getRawPath();
        if (path == null || path.isEmpty()) {
            out.append('/');
            return;
        }
        if (hasDotSegment(path)) {
            path = url.normalize().getRawPath();
        }
        if (path.charAt(0) != '/') {
            out.append('/');
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '/') {
                out.append('/');
            } else {
                appendEncoded(out, c, path, i);
                if (Character.isHighSurrogate(c) && i + 1 < path.length()) {
                    i++;
                }
            }
        }
    }

    private static boolean hasDotSegment(String path) {
        int dot = path.indexOf("/.");
        while (dot >= 0) {
            int end = dot + 2;
            if (end < path.length() && path.charAt(end) == '.') {
                end++;
            }
            if (end == path.length() || path.charAt(end) == '/') {
                return true;
            }
            dot = path.indexOf("/.", dot + 1);
        }
        return false;
    }

    /**
     * The canonical query string: each parameter's name and value decoded from the wire form and
     * URI-encoded afresh (so {@code a b}, {@code a%20b} and {@code a+b} sign alike, as in the SDKs),
     * sorted by encoded name, then value; empty without a query.
     */
    private static void appendCanonicalQuery(StringBuilder out, String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return;
        }
        List<String[]> parameters = new ArrayList<>();
        int start = 0;
        while (start <= rawQuery.length()) {
            int end = rawQuery.indexOf('&', start);
            if (end < 0) {
                end = rawQuery.length();
            }
            if (end > start) {
                int equals = rawQuery.indexOf('=', start);
                boolean hasValue = equals >= 0 && equals < end;
                String name = uriEncode(decode(rawQuery.substring(start, hasValue ? equals : end)));
                String value = hasValue ? uriEncode(decode(rawQuery.substring(equals + 1, end))) : "";
                parameters.add(new String[] {name, value});
            }
            start = end + 1;
        }
        parameters.sort((a, b) -> {
            int byName = a[0].compareTo(b[0]);
            return byName != 0 ? byName : a[1].compareTo(b[1]);
        });
        for (int i = 0; i < parameters.size(); i++) {
            if (i > 0) {
                out.append('&');
            }
            out.append(parameters.get(i)[0]).append('=').append(parameters.get(i)[1]);
        }
    }

    /** Percent-decodes a query component, reading {@code +} as a space as form encoding does. */
    private static String decode(String component) {
        if (component.indexOf('%') < 0 && component.indexOf('+') < 0) {
            return component;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(component.length());
        for (int i = 0; i < component.length(); i++) {
            char c = component.charAt(i);
            if (c == '+') {
                bytes.write(' ');
            } else if (c == '%' && i + 2 < component.length()
                    && hexValue(component.charAt(i + 1)) >= 0 && hexValue(component.charAt(i + 2)) >= 0) {
                bytes.write(hexValue(component.charAt(i + 1)) << 4 | hexValue(component.charAt(i + 2)));
                i += 2;
            } else if (c < 0x80) {
                bytes.write(c);
            } else {
                int codePoint = component.codePointAt(i);
                bytes.writeBytes(Character.toString(codePoint).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(codePoint) - 1;
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }

    /** URI-encodes every character but RFC 3986's unreserved {@code A-Za-z0-9-._~}, in upper-case hex. */
    static String uriEncode(String value) {
        StringBuilder out = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (out == null) {
                if (isUnreserved(c)) {
                    continue;
                }
                out = new StringBuilder(value.length() + 16).append(value, 0, i);
            }
            appendEncoded(out, c, value, i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length()) {
                i++;
            }
        }
        return out == null ? value : out.toString();
    }

    /** Appends {@code c} (at {@code index} of {@code text}) as is when unreserved, else as its UTF-8 bytes in %XX form. */
    private static void appendEncoded(StringBuilder out, char c, String text, int index) {
        if (isUnreserved(c)) {
            out.append(c);
            return;
        }
        String character = Character.isHighSurrogate(c) && index + 1 < text.length()
                ? text.substring(index, index + 2) : String.valueOf(c);
        for (byte b : character.getBytes(StandardCharsets.UTF_8)) {
            out.append('%').append(UPPER_HEX[(b >> 4) & 0xF]).append(UPPER_HEX[b & 0xF]);
        }
    }

    private static boolean isUnreserved(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    /** A header value as signed: trimmed, each run of inner spaces collapsed to one. */
    static String canonicalValue(String value) {
        String trimmed = value.trim();
        if (!trimmed.contains("  ")) {
            return trimmed;
        }
        StringBuilder out = new StringBuilder(trimmed.length());
        for (int i = 0; i < trimmed.length(); i++) {
            char c = trimmed.charAt(i);
            if (c != ' ' || trimmed.charAt(i - 1) != ' ') {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String hexSha256(byte[] data) {
        return HEX.formatHex(SHA256.get().digest(data));
    }

    /** HMAC-SHA256 chain: {@code "AWS4" + secret} → date → region → service → {@code aws4_request}. */
    private static byte[] signingKey(String secret, String date, String region, String service) {
        KeyScope scope = new KeyScope(secret, date, region, service);
        byte[] key = SIGNING_KEYS.get(scope);
        if (key == null) {
            key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
            key = hmac(key, region);
            key = hmac(key, service);
            key = hmac(key, "aws4_request");
            if (SIGNING_KEYS.size() >= MAX_CACHED_KEYS) {
                SIGNING_KEYS.clear(); // yesterday's keys and rotated secrets go; today's are derived again
            }
            SIGNING_KEYS.put(scope, key);
        }
        return key;
    }

    private static byte[] hmac(byte[] key, String data) {
        Mac mac = HMAC.get();
        try {
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 refused a key", e);
        }
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    /** What a signing key is derived from; its {@code toString} leaves the secret out. */
    private record KeyScope(String secret, String date, String region, String service) {
        @Override
        public String toString() {
            return "KeyScope[" + date + '/' + region + '/' + service + "]";
        }
    }
}

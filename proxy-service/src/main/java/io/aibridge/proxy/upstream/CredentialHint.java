package io.aibridge.proxy.upstream;

/**
 * The masked form of the secret sent upstream, e.g. {@code sk-a...wxyz}: prefix + {@code ...} +
 * suffix, never asterisks. Characters revealed at each end: 4 for secrets of 20+ characters, 2
 * for 10-19, 1 for 5-9, none below 5; and none when the secret is not longer than twice that.
 */
public final class CredentialHint {

    private CredentialHint() {
    }

    public static String of(String secret) {
        if (secret == null || secret.isEmpty()) {
            return "";
        }
        int length = secret.length();
        int reveal = length >= 20 ? 4 : length >= 10 ? 2 : length >= 5 ? 1 : 0;
        if (reveal == 0 || length <= 2 * reveal) {
            return "...";
        }
        return secret.substring(0, reveal) + "..." + secret.substring(length - reveal);
    }
}

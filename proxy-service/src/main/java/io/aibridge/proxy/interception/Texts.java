package io.aibridge.proxy.interception;

/** Cutting text to a length without splitting a character. */
public final class Texts {

    private Texts() {
    }

    /**
     * The first {@code maxChars} chars of {@code text}, one fewer when the last would be the first
     * half of a surrogate pair (a character outside the Basic Multilingual Plane, such as an emoji):
     * half a pair is no character, and JSON encoders write it as an invalid escape. {@code text}
     * itself when it is no longer than that; {@code maxChars} must be positive.
     */
    public static String prefix(String text, int maxChars) {
        if (text.length() <= maxChars) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
        return text.substring(0, end);
    }
}

package io.aibridge.cli.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Command lines to print for the user to paste back, such as the next-page hints: every value is
 * one shell word whatever it holds, and the line stays safe for a terminal.
 */
public final class Shell {

    private final List<String> words = new ArrayList<>();
    private final List<String> operands = new ArrayList<>();

    private Shell(String... command) {
        words.addAll(List.of(command));
    }

    /** A command line that starts with these words (plain words such as {@code aibridge sessions list}). */
    public static Shell command(String... words) {
        return new Shell(words);
    }

    /** {@code name value}; nothing when the value is null or empty. */
    public Shell option(String name, String value) {
        if (value != null && !value.isEmpty()) {
            words.add(name);
            words.add(quote(value));
        }
        return this;
    }

    /**
     * A positional value, printed where it is added; one that starts with a dash goes last, after
     * {@code --} (the end of the options), so that it cannot be read as an option.
     */
    public Shell operand(String value) {
        if (value.startsWith("-")) {
            operands.add(quote(value));
        } else {
            words.add(quote(value));
        }
        return this;
    }

    @Override
    public String toString() {
        List<String> all = new ArrayList<>(words);
        if (!operands.isEmpty()) {
            all.add("--");
            all.addAll(operands);
        }
        return String.join(" ", all);
    }

    /**
     * {@code value} as one word for a POSIX shell (sh, bash, zsh): as it is when every character is
     * plain ({@code A-Z a-z 0-9 _ - . / , : @ % +}, and {@code =} but first); else in single quotes,
     * a {@code '} inside written {@code '\''}; and when it holds a line break, a tab or a character
     * that {@link Format#safe} would escape, in dollar-single quotes ({@code $'a\nb'}, POSIX.1-2024,
     * bash, zsh, ksh) with such characters as {@code \xHH} bytes of their UTF-8, so that the line
     * stays one line and nothing in it can drive the terminal.
     */
    public static String quote(String value) {
        if (value.isEmpty()) {
            return "''";
        }
        boolean plain = value.charAt(0) != '=';
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (escaped(c)) {
                return dollarQuote(value);
            }
            plain &= c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "_-./,:@%+=".indexOf(c) >= 0;
        }
        return plain ? value : "'" + value.replace("'", "'\\''") + "'";
    }

    private static boolean escaped(char c) {
        return c < 0x20 || c >= 0x7f && c <= 0x9f || c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069;
    }

    private static String dollarQuote(String value) {
        StringBuilder s = new StringBuilder(value.length() + 16).append("$'");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' || c == '\'') {
                s.append('\\').append(c);
            } else if (escaped(c)) {
                for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
                    s.append(String.format("\\x%02x", b & 0xff));
                }
            } else {
                s.append(c);
            }
        }
        return s.append('\'').toString();
    }
}

package io.aibridge.cli.options;

import io.aibridge.cli.CliException;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** RFC 3339 times as the API accepts them, and as the reference CLI sends them. */
public final class Times {

    public static final String EXAMPLE = "2026-03-01T00:00:00Z";
    /** The last second an RFC 3339 time can name in UTC: its year has four digits. */
    public static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    // the API's grammar: date, 'T', time, an optional fraction of any length, Z or an offset
    private static final Pattern RFC_3339 = Pattern.compile(
            "(\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2})(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})");
    // longer input is refused before any matching; no real time comes near it
    private static final int MAX_LENGTH = 256;
    private static final Pattern DURATION = Pattern.compile("(\\d{1,6})([smhdw])");

    private Times() {
    }

    /**
     * Parses an RFC 3339 time, keeping its offset; a usage error naming the flag otherwise. RFC 3339
     * puts no limit on the fraction's digits; as in Go's {@code time.Parse}, which the reference CLI
     * uses, digits past the ninth are dropped, not rounded.
     */
    public static OffsetDateTime parse(String flag, String value) {
        Matcher m = value == null || value.length() > MAX_LENGTH ? null : RFC_3339.matcher(value);
        if (m != null && m.matches()) {
            String fraction = m.group(2) == null ? "" : m.group(2);
            String text = fraction.length() > 10 ? m.group(1) + fraction.substring(0, 10) + m.group(3) : value;
            try {
                return OffsetDateTime.parse(text.toUpperCase(Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            } catch (DateTimeParseException e) {
                // out-of-range fields such as month 13: reported below
            }
        }
        throw CliException.usage("invalid " + flag + " \"" + value + "\": expected an RFC 3339 time such as " + EXAMPLE);
    }

    /**
     * Formats as Go's {@code time.RFC3339Nano}, which the reference CLI puts in {@code q}: the
     * fraction with trailing zeros dropped (none when zero), {@code Z} for a zero offset.
     */
    public static String rfc3339Nano(OffsetDateTime time) {
        StringBuilder s = new StringBuilder(DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss", Locale.ROOT).format(time));
        int nanos = time.getNano();
        if (nanos != 0) {
            String fraction = String.format(Locale.ROOT, "%09d", nanos);
            int end = fraction.length();
            while (fraction.charAt(end - 1) == '0') {
                end--;
            }
            s.append('.').append(fraction, 0, end);
        }
        ZoneOffset offset = time.getOffset();
        s.append(offset.getTotalSeconds() == 0 ? "Z" : offset.getId());
        return s.toString();
    }

    /** An instant as the API writes them, e.g. {@code 2026-03-01T00:00:00.123Z}. */
    public static String format(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant);
    }

    /** A duration such as {@code 90d}, {@code 12h}, {@code 2w}, {@code 30m}. */
    public static Duration duration(String flag, String value) {
        Matcher m = value == null ? null : DURATION.matcher(value.trim());
        if (m == null || !m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw CliException.usage("invalid " + flag + " \"" + value + "\": expected a positive duration such as 90d, 12h, 2w or 30m");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofDays(7 * n);
        };
    }
}

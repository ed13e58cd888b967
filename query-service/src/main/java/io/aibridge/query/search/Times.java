package io.aibridge.query.search;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** RFC 3339 times as the API accepts them: {@code 2026-03-01T00:00:00Z}, fractions and offsets allowed. */
public final class Times {

    // RFC 3339 date-time: four-digit year, 'T', optional fraction of any length, Z or +hh:mm
    private static final Pattern RFC_3339 = Pattern.compile(
            "(\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2})(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})");

    /** Longer input is refused before any matching; no real time comes near it. */
    static final int MAX_LENGTH = 256;

    public static final String EXAMPLE = "2026-03-01T00:00:00Z";

    private Times() {
    }

    /**
     * RFC 3339 puts no limit on the fraction's digits. Like Go's {@code time.Parse}, which the
     * reference uses, digits past the ninth (below a nanosecond) are dropped, not rounded.
     */
    public static Optional<Instant> parse(String value) {
        if (value == null || value.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        Matcher m = RFC_3339.matcher(value);
        if (!m.matches()) {
            return Optional.empty();
        }
        String fraction = m.group(2) == null ? "" : m.group(2);
        String text = fraction.length() > 10 ? m.group(1) + fraction.substring(0, 10) + m.group(3) : value;
        try {
            return Optional.of(OffsetDateTime.parse(text.toUpperCase(Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}

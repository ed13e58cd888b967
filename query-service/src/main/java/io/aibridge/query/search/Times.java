package io.aibridge.query.search;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** RFC 3339 times as the API accepts them: {@code 2026-03-01T00:00:00Z}, fractions and offsets allowed. */
public final class Times {

    // RFC 3339 date-time: four-digit year, 'T', optional fraction (up to nanoseconds), Z or +hh:mm
    private static final Pattern RFC_3339 = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})");

    public static final String EXAMPLE = "2026-03-01T00:00:00Z";

    private Times() {
    }

    public static Optional<Instant> parse(String value) {
        if (value == null || !RFC_3339.matcher(value).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(value.toUpperCase(Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}

package io.aibridge.retention.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The duration syntax of AI Bridge settings such as {@code AIBRIDGE_RETENTION}: the reference's
 * Go-style durations with days and weeks added ({@code 60d}, {@code 2w}, {@code 1440h},
 * {@code 1d12h}, {@code 1.5h}), or ISO-8601 durations ({@code P60D}, {@code PT1440H}, {@code P2W}).
 * A bare {@code 0} is zero. Days are 24 hours and weeks 7 days; months and years are rejected
 * because they have no fixed length.
 */
public final class DurationSyntax {

    /** What a user may write, for error messages. */
    public static final String ACCEPTED_FORMS =
            "a number with a unit ms, s, m, h, d or w (60d, 2w, 1440h, 90m), several of them (1d12h), "
                    + "or an ISO-8601 duration (P60D, PT1440H, P2W)";

    /** Longer than any sensible retention, and far from overflowing an Instant. */
    private static final Duration LONGEST = Duration.ofDays(1_000_000);

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|w|d|h|m|s)");
    private static final Pattern SHORT_FORM = Pattern.compile("(?:\\d+(?:\\.\\d+)?(?:ms|w|d|h|m|s))+");
    private static final Pattern ISO_WEEKS = Pattern.compile("P(\\d+)W", Pattern.CASE_INSENSITIVE);
    private static final Pattern BARE_NUMBER = Pattern.compile("\\d+(?:\\.\\d+)?");

    private DurationSyntax() {
    }

    /**
     * Parses {@code text}; never returns a negative duration.
     *
     * @throws IllegalArgumentException with a message that says what is wrong (without the
     *                                  setting's name, which the caller adds)
     */
    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("the value is empty");
        }
        String value = text.strip();
        if (value.equals("0")) {
            return Duration.ZERO;
        }
        Duration parsed;
        if (value.charAt(0) == 'P' || value.charAt(0) == 'p' || value.startsWith("-P") || value.startsWith("-p")) {
            parsed = parseIso(value);
        } else if (SHORT_FORM.matcher(value).matches()) {
            parsed = parseShort(value);
        } else if (BARE_NUMBER.matcher(value).matches()) {
            throw new IllegalArgumentException("\"" + value + "\" has no unit (did you mean " + value + "d?)");
        } else if (value.startsWith("-")) {
            throw new IllegalArgumentException("\"" + value + "\" is negative");
        } else {
            throw new IllegalArgumentException("\"" + value + "\" is not a duration");
        }
        if (parsed.isNegative()) {
            throw new IllegalArgumentException("\"" + value + "\" is negative");
        }
        if (parsed.compareTo(LONGEST) > 0) {
            throw new IllegalArgumentException("\"" + value + "\" is longer than " + LONGEST.toDays() + " days");
        }
        return parsed;
    }

    private static Duration parseShort(String value) {
        BigDecimal seconds = BigDecimal.ZERO;
        Matcher part = PART.matcher(value);
        while (part.find()) {
            BigDecimal amount = new BigDecimal(part.group(1));
            BigDecimal unitSeconds = switch (part.group(2)) {
                case "w" -> BigDecimal.valueOf(7 * 86_400L);
                case "d" -> BigDecimal.valueOf(86_400L);
                case "h" -> BigDecimal.valueOf(3_600L);
                case "m" -> BigDecimal.valueOf(60L);
                case "ms" -> new BigDecimal("0.001");
                default -> BigDecimal.ONE;
            };
            seconds = seconds.add(amount.multiply(unitSeconds));
            if (seconds.compareTo(BigDecimal.valueOf(LONGEST.getSeconds())) > 0) {
                throw new IllegalArgumentException("\"" + value + "\" is longer than " + LONGEST.toDays() + " days");
            }
        }
        long whole = seconds.longValue();
        long nanos = seconds.subtract(BigDecimal.valueOf(whole)).movePointRight(9).longValue();
        return Duration.ofSeconds(whole, nanos);
    }

    private static Duration parseIso(String value) {
        Matcher weeks = ISO_WEEKS.matcher(value);
        if (weeks.matches()) {
            try {
                return Duration.ofDays(Math.multiplyExact(Long.parseLong(weeks.group(1)), 7L));
            } catch (ArithmeticException | NumberFormatException e) {
                throw new IllegalArgumentException("\"" + value + "\" is too large");
            }
        }
        String upper = value.toUpperCase(Locale.ROOT);
        int time = upper.indexOf('T');
        String datePart = time < 0 ? upper : upper.substring(0, time);
        if (datePart.contains("Y") || datePart.contains("M")) {
            throw new IllegalArgumentException("\"" + value + "\" uses years or months, which have no fixed length; use days (P60D)");
        }
        try {
            return Duration.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("\"" + value + "\" is not an ISO-8601 duration");
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("\"" + value + "\" is too large");
        }
    }

    /** Formats a duration the way a user would write it: {@code 60d}, {@code 1d12h}, {@code 10m}. */
    public static String format(Duration duration) {
        if (duration.isZero()) {
            return "0";
        }
        StringBuilder text = new StringBuilder();
        long days = duration.toDays();
        if (days > 0) {
            text.append(days).append('d');
        }
        if (duration.toHoursPart() > 0) {
            text.append(duration.toHoursPart()).append('h');
        }
        if (duration.toMinutesPart() > 0) {
            text.append(duration.toMinutesPart()).append('m');
        }
        if (duration.toSecondsPart() > 0 || duration.toNanosPart() > 0) {
            long millis = duration.toMillisPart();
            text.append(duration.toSecondsPart());
            if (millis > 0) {
                text.append('.').append(String.format(Locale.ROOT, "%03d", millis).replaceAll("0+$", ""));
            }
            text.append('s');
        }
        return text.toString();
    }
}

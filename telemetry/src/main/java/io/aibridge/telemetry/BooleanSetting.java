package io.aibridge.telemetry;

import org.eclipse.microprofile.config.spi.Converter;

import java.util.Locale;

/**
 * How every service reads an on/off setting: {@code true} or {@code false} in any case, and, as
 * Quarkus' own conversion has always taken them, {@code yes}/{@code no}, {@code y}/{@code n},
 * {@code on}/{@code off} and {@code 1}/{@code 0}. Anything else is refused with a message that
 * says what is accepted: a mistyped {@code AIBRIDGE_RETENTION_DRY_RUN=ture} must stop the service,
 * not mean {@code false} (the built-in conversion's answer to every word it does not know).
 *
 * <p>{@link StrictBooleanConverter} applies this rule to every boolean setting of a service. A
 * setting that wants its environment variable in the message registers a subclass naming it with
 * {@code @WithConverter}.
 */
public abstract class BooleanSetting implements Converter<Boolean> {

    private static final long serialVersionUID = 1L;

    /** What the message lists as accepted. */
    public static final String ACCEPTED = "true or false (also yes/no, y/n, on/off, 1/0), in any case";

    private final String variable;

    /** @param variable the public environment variable, named in the message of a refused value */
    protected BooleanSetting(String variable) {
        this.variable = variable;
    }

    @Override
    public Boolean convert(String value) {
        return parse(variable, value);
    }

    /**
     * The value of an on/off setting.
     *
     * @param variable the environment variable, for the message; null leaves it out
     * @throws IllegalArgumentException when the value is none of the accepted words (an empty one included)
     */
    public static boolean parse(String variable, String value) {
        String word = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        switch (word) {
            case "true", "yes", "y", "on", "1":
                return true;
            case "false", "no", "n", "off", "0":
                return false;
            default:
                String prefix = variable == null ? "" : variable + ": ";
                String problem = word.isEmpty() ? "the value is empty" : "\"" + value.strip() + "\" is not true or false";
                throw new IllegalArgumentException(prefix + problem + ". Accepted: " + ACCEPTED + ".");
        }
    }
}

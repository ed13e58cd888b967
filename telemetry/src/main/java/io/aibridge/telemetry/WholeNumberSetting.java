package io.aibridge.telemetry;

import org.eclipse.microprofile.config.spi.Converter;

/**
 * A whole-number setting with a least value, and optionally a greatest, for {@code @WithConverter}:
 * a subclass names the environment variable, which the message of a refused value names too, with
 * the range (SmallRye's own message names only the internal property).
 */
public abstract class WholeNumberSetting implements Converter<Integer> {

    private static final long serialVersionUID = 1L;

    /** The TCP ports a service can listen on: 0 would make the system pick one nobody knows. */
    public static final int LEAST_PORT = 1;
    /** The largest TCP port. */
    public static final int GREATEST_PORT = 65_535;

    private final String variable;
    private final int least;
    private final Integer most;

    /**
     * @param variable the public environment variable
     * @param least    the smallest value accepted
     */
    protected WholeNumberSetting(String variable, int least) {
        this.variable = variable;
        this.least = least;
        this.most = null;
    }

    /**
     * @param variable the public environment variable
     * @param least    the smallest value accepted
     * @param most     the largest value accepted
     */
    protected WholeNumberSetting(String variable, int least, int most) {
        this.variable = variable;
        this.least = least;
        this.most = most;
    }

    @Override
    public Integer convert(String value) {
        String written = value == null ? "" : value.strip();
        try {
            int number = Integer.parseInt(written);
            if (number >= least && (most == null || number <= most)) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        String range = most == null ? "of at least " + least : "from " + least + " to " + most;
        throw new IllegalArgumentException(variable + ": \"" + written + "\" is not a whole number " + range + ".");
    }
}

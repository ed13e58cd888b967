package io.aibridge.telemetry;

import org.eclipse.microprofile.config.spi.Converter;

/**
 * A whole-number setting with a least value, for {@code @WithConverter}: a subclass names the
 * environment variable, which the message of a refused value names too (SmallRye's own message
 * names only the internal property).
 */
public abstract class WholeNumberSetting implements Converter<Integer> {

    private static final long serialVersionUID = 1L;

    private final String variable;
    private final int least;

    /**
     * @param variable the public environment variable
     * @param least    the smallest value accepted
     */
    protected WholeNumberSetting(String variable, int least) {
        this.variable = variable;
        this.least = least;
    }

    @Override
    public Integer convert(String value) {
        String written = value == null ? "" : value.strip();
        try {
            int number = Integer.parseInt(written);
            if (number >= least) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(variable + ": \"" + written + "\" is not a whole number of at least " + least + ".");
    }
}

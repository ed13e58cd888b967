package io.aibridge.telemetry;

import jakarta.annotation.Priority;
import org.eclipse.microprofile.config.spi.Converter;

/**
 * Replaces the built-in boolean conversion in every service that has this jar (registered through
 * {@code META-INF/services/org.eclipse.microprofile.config.spi.Converter}, above the built-in
 * converter's priority): a value that is not an on/off word ({@link BooleanSetting}) stops the
 * service at start instead of being read as {@code false}. SmallRye's message then names the
 * property and the value. An empty value is left to SmallRye as before (null: not a value).
 */
@Priority(StrictBooleanConverter.PRIORITY)
public final class StrictBooleanConverter implements Converter<Boolean> {

    /** Above the built-in converters (1) and the default of discovered ones (100). */
    static final int PRIORITY = 200;

    private static final long serialVersionUID = 1L;

    @Override
    public Boolean convert(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        return BooleanSetting.parse(null, value);
    }
}

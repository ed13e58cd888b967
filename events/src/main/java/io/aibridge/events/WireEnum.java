package io.aibridge.events;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * An enum whose wire name (in JSON, in the database, in the REST API) is its constant name in
 * lower case: {@code REASONING_SUMMARY} is {@code reasoning_summary}.
 */
public interface WireEnum {

    String name();

    /** The value as it appears on the wire. */
    default String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The constant with this wire name, or an exception that lists the accepted values. */
    static <E extends Enum<E> & WireEnum> E parse(Class<E> type, String value) {
        for (E constant : type.getEnumConstants()) {
            if (constant.wireName().equals(value)) {
                return constant;
            }
        }
        throw new IllegalArgumentException("'" + value + "' is not one of "
                + Arrays.stream(type.getEnumConstants()).map(WireEnum::wireName).collect(Collectors.joining(", ")));
    }
}

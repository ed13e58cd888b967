package io.aibridge.proxy.config;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names a {@code proxy.*} value after the {@code AIBRIDGE_*} variable it comes from, so that a value
 * that is not of its setting's type ({@code AIBRIDGE_RATE_LIMIT=ten}) stops the start with SmallRye's
 * "The config property AIBRIDGE_RATE_LIMIT with the config value "ten" threw an Exception whilst being
 * converted" instead of naming {@code proxy.rate-limit}, a key operators never set. It recognises the
 * mappings of {@code application.properties}, {@code proxy.rate-limit=${AIBRIDGE_RATE_LIMIT:0}}, by
 * the value before expansion; a {@code proxy.*} key set directly keeps its own name. Only the name
 * changes, never the value.
 */
public class VariableNameInterceptor implements ConfigSourceInterceptor {

    private static final long serialVersionUID = 1L;
    /** One variable, with or without a default: the whole value is the expression. */
    private static final Pattern MAPPING = Pattern.compile("\\$\\{(AIBRIDGE_[A-Z0-9_]+)(:[^}]*)?}");

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (value == null || !name.startsWith("proxy.") || value.getRawValue() == null) {
            return value;
        }
        Matcher mapping = MAPPING.matcher(value.getRawValue());
        return mapping.matches() ? value.withName(mapping.group(1)) : value;
    }
}

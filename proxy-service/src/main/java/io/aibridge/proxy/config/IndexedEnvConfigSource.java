package io.aibridge.proxy.config;

import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lists configured as indexed environment variables, {@code <PREFIX><N>_<KEY>} with {@code N}
 * running contiguously from 0 (the reference's way of listing providers and MCP servers), mapped
 * onto {@code <property>[N].<key>} for a config mapping's list. An unknown key or a gap in the
 * indices stops the service at start with a message naming the variable, instead of silently
 * dropping an entry. Ranked above {@code application.properties} (250) and below the plain
 * environment (300).
 */
public abstract class IndexedEnvConfigSource implements ConfigSource {

    private final Map<String, String> properties;
    private final String name;

    /**
     * @param properties what {@link #map} made of the environment
     * @param name       e.g. {@code AIBRIDGE_PROVIDER_<N>_* environment variables}
     */
    protected IndexedEnvConfigSource(Map<String, String> properties, String name) {
        this.properties = Collections.unmodifiableMap(properties);
        this.name = name;
    }

    @Override
    public Set<String> getPropertyNames() {
        return properties.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return properties.get(propertyName);
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public int getOrdinal() {
        return 275;
    }

    @Override
    public String toString() {
        return name.toLowerCase(Locale.ROOT);
    }

    /**
     * @param prefix   e.g. {@code AIBRIDGE_PROVIDER_}
     * @param keys     variable key (e.g. {@code BASE_URL}) to property key (e.g. {@code base-url})
     * @param property the list's property, e.g. {@code proxy.providers}
     * @param what     what one entry is, for messages, e.g. {@code provider}
     */
    public static Map<String, String> map(Map<String, String> environment, String prefix, Map<String, String> keys, String property,
                                          String what) {
        Pattern variable = Pattern.compile(Pattern.quote(prefix) + "(\\d+)_([A-Z_]+)");
        Map<String, String> out = new TreeMap<>();
        Set<Integer> indices = new TreeSet<>();
        for (Map.Entry<String, String> e : environment.entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                continue;
            }
            Matcher m = variable.matcher(e.getKey());
            String key = m.matches() ? keys.get(m.group(2)) : null;
            if (key == null) {
                throw new IllegalArgumentException(e.getKey() + " is not a known " + what + " setting; use "
                        + prefix + "<N>_ followed by one of " + new TreeSet<>(keys.keySet()));
            }
            int index = Integer.parseInt(m.group(1));
            indices.add(index);
            out.put(property + "[" + index + "]." + key, e.getValue());
        }
        int expected = 0;
        for (int index : indices) {
            if (index != expected) {
                throw new IllegalArgumentException(prefix + index + "_* is set but " + prefix + expected
                        + "_* is not: " + what + " indices run contiguously from 0");
            }
            expected++;
        }
        return out;
    }
}

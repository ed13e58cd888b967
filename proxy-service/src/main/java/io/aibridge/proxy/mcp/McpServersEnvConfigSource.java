package io.aibridge.proxy.mcp;

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
 * Maps the indexed variables {@code AIBRIDGE_MCP_SERVER_<N>_<KEY>} onto
 * {@code proxy.mcp.servers[N].<key>}, so that operators list servers the way they list providers.
 * {@code N} runs contiguously from 0. Keys: {@code NAME}, {@code URL}, {@code TOKEN},
 * {@code USER_TOKEN}, {@code ALLOW}, {@code DENY}. A gap in the indices or an unknown key stops the
 * proxy at start with a message naming the variable, instead of silently dropping a server.
 */
public final class McpServersEnvConfigSource implements ConfigSource {

    static final String PREFIX = "AIBRIDGE_MCP_SERVER_";
    private static final Pattern VARIABLE = Pattern.compile("AIBRIDGE_MCP_SERVER_(\\d+)_([A-Z_]+)");
    private static final Map<String, String> KEYS = Map.of("NAME", "name", "URL", "url", "TOKEN", "token",
            "USER_TOKEN", "user-token", "ALLOW", "allow", "DENY", "deny");

    private final Map<String, String> properties;

    /** Reads the process environment (the service loader's constructor). */
    public McpServersEnvConfigSource() {
        this(System.getenv());
    }

    McpServersEnvConfigSource(Map<String, String> environment) {
        this.properties = Collections.unmodifiableMap(map(environment));
    }

    static Map<String, String> map(Map<String, String> environment) {
        Map<String, String> out = new TreeMap<>();
        Set<Integer> indices = new TreeSet<>();
        for (Map.Entry<String, String> e : environment.entrySet()) {
            if (!e.getKey().startsWith(PREFIX)) {
                continue;
            }
            Matcher m = VARIABLE.matcher(e.getKey());
            String key = m.matches() ? KEYS.get(m.group(2)) : null;
            if (key == null) {
                throw new IllegalArgumentException(e.getKey() + " is not a known MCP server setting; use "
                        + PREFIX + "<N>_ followed by one of " + new TreeSet<>(KEYS.keySet()));
            }
            int index = Integer.parseInt(m.group(1));
            indices.add(index);
            out.put("proxy.mcp.servers[" + index + "]." + key, e.getValue());
        }
        int expected = 0;
        for (int index : indices) {
            if (index != expected) {
                throw new IllegalArgumentException(PREFIX + index + "_* is set but " + PREFIX + expected
                        + "_* is not: MCP server indices run contiguously from 0");
            }
            expected++;
        }
        return out;
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
        return "AIBRIDGE_MCP_SERVER_<N>_* environment variables";
    }

    /** Above {@code application.properties} (250), below the plain environment (300). */
    @Override
    public int getOrdinal() {
        return 275;
    }

    @Override
    public String toString() {
        return getName().toLowerCase(Locale.ROOT);
    }
}

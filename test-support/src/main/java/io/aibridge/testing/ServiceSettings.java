package io.aibridge.testing;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.Map;
import java.util.Properties;

/**
 * A service's settings as it reads them at start, without starting it: its own
 * {@code application.properties} (prod profile) with the given environment variables, mapped onto
 * one of its {@code @ConfigMapping} interfaces. A value the mapping refuses throws SmallRye's
 * {@code ConfigValidationException}, with the message the operator would see.
 */
public final class ServiceSettings {

    private ServiceSettings() {
    }

    /**
     * @param mapping     the service's {@code @ConfigMapping} interface
     * @param environment environment variables, as an operator sets them
     */
    public static <T> T read(Class<T> mapping, Map<String, String> environment) {
        URL properties = mapping.getClassLoader().getResource("application.properties");
        if (properties == null) {
            throw new IllegalStateException("no application.properties next to " + mapping.getName());
        }
        Properties loaded = new Properties();
        try (InputStream in = properties.openStream()) {
            loaded.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(loaded, "application.properties", 250))
                .withSources(new PropertiesConfigSource(environment, "environment", 300))
                .withMapping(mapping)
                .withProfile("prod")
                .build();
        return config.getConfigMapping(mapping);
    }
}

package io.aibridge.cli.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Hands the shared {@link World} to test classes ({@code @BeforeAll static void setUp(World w)}).
 * It lives in the root store: made by the first class that asks, closed (query-service stopped)
 * when the whole run ends. One query-service process serves every test class.
 */
public final class WorldExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(WorldExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == World.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).computeIfAbsent(World.class, k -> World.create(), World.class);
    }
}

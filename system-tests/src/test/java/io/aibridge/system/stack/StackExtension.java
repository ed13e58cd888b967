package io.aibridge.system.stack;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives test classes the one running {@link SystemStack}. It lives in the root store, so it is
 * started by the first class that needs it and stopped (every process, with the summary line) when
 * the whole run ends, also when a test failed. After each class the stack is healed, so a class
 * that failed in the middle of a fault leaves nothing stopped for the next one.
 */
public final class StackExtension implements ParameterResolver, AfterAllCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(StackExtension.class);

    private static SystemStack stack(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(SystemStack.class, k -> SystemStack.get(), SystemStack.class);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == SystemStack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return stack(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        SystemStack s = context.getRoot().getStore(NAMESPACE).get(SystemStack.class, SystemStack.class);
        if (s != null) {
            s.heal();
        }
    }
}

package io.aibridge.proxy;

import io.aibridge.proxy.events.KafkaEventPublisher;
import io.aibridge.proxy.mcp.McpServers;
import io.aibridge.testing.KafkaTestResource;
import io.quarkus.arc.Arc;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.enterprise.inject.spi.ObserverMethod;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The order of the {@code ShutdownEvent} observers (CDI calls a lower priority first): the event
 * pipeline drains before anything else, and the MCP sessions, which can wait for unreachable
 * servers, are closed last.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeProviderTestResource.class)
class ShutdownOrderTest {

    @Test
    void theEventPipelineStopsFirstAndTheMcpSessionsCloseLast() {
        Set<ObserverMethod<? super ShutdownEvent>> observers = Arc.container().beanManager().resolveObserverMethods(new ShutdownEvent());
        ObserverMethod<?> events = observer(observers, KafkaEventPublisher.class);
        ObserverMethod<?> mcp = observer(observers, McpServers.class);

        assertThat(observers).filteredOn(o -> o.getBeanClass().getName().startsWith("io.aibridge.")).hasSizeGreaterThan(2).allSatisfy(o -> {
            if (o != events) {
                assertThat(events.getPriority()).as("before %s", o.getBeanClass().getSimpleName()).isLessThan(o.getPriority());
            }
            if (o != mcp) {
                assertThat(mcp.getPriority()).as("after %s", o.getBeanClass().getSimpleName()).isGreaterThan(o.getPriority());
            }
        });
    }

    private static ObserverMethod<?> observer(Set<ObserverMethod<? super ShutdownEvent>> observers, Class<?> type) {
        return observers.stream().filter(o -> o.getBeanClass() == type).findFirst()
                .orElseThrow(() -> new AssertionError("no ShutdownEvent observer on " + type.getSimpleName()));
    }
}

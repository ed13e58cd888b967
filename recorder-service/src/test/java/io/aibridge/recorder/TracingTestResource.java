package io.aibridge.recorder;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Tracing on, as {@code AIBRIDGE_TRACE_ENABLE=true} switches it on; spans go to {@link InMemorySpans} only. */
public class TracingTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of("aibridge.trace.enable", "true", "quarkus.otel.bsp.schedule.delay", "50ms");
    }

    @Override
    public void stop() {
    }
}

package io.aibridge.proxy.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The caller-chosen labels ({@code model}, the tool {@code name}) keep at most a set number of
 * distinct values; later ones, and values longer than any real name, are reported as {@code other}.
 */
class ProxyMetricsLabelLimitTest {

    private static Set<String> values(SimpleMeterRegistry registry, String meter, String label) {
        return registry.find(meter).meters().stream().map(m -> m.getId().getTag(label)).collect(Collectors.toSet());
    }

    @Test
    void modelsPastTheLimitAreCountedAsOtherOnEveryMeter() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ProxyMetrics metrics = new ProxyMetrics(registry, 3);
        for (int i = 0; i < 10; i++) {
            String model = "model-" + i;
            var inflight = metrics.started("openai", model, "/v1/chat/completions");
            metrics.prompt("openai", model, "Unknown");
            metrics.tokens("openai", model, "Unknown", "input", 5);
            metrics.ended(inflight, "openai", model, "/v1/chat/completions", "POST", "Unknown", "completed", 1_000);
        }
        for (String meter : new String[] {"aibridge.interceptions.inflight", "aibridge.interceptions", "aibridge.interceptions.duration",
                "aibridge.prompts", "aibridge.tokens"}) {
            assertThat(values(registry, meter, "model")).as(meter).containsExactlyInAnyOrder("model-0", "model-1", "model-2", "other");
        }
        assertThat(registry.get("aibridge.interceptions").tags("model", "other").counter().count()).isEqualTo(7.0);
        assertThat(registry.get("aibridge.interceptions.inflight").tags("model", "other").gauge().value()).isZero();
        // a model taken before the limit keeps its own series
        metrics.prompt("openai", "model-1", "Unknown");
        assertThat(registry.get("aibridge.prompts").tags("model", "model-1").counter().count()).isEqualTo(2.0);
    }

    @Test
    void toolNamesPastTheLimitOrTooLongAreCountedAsOther() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ProxyMetrics metrics = new ProxyMetrics(registry, 2);
        metrics.toolSelection("openai", "gpt-4o", "x".repeat(257));
        for (int i = 0; i < 5; i++) {
            metrics.toolSelection("openai", "gpt-4o", "tool_" + i);
            metrics.injectedToolInvocation("anthropic", "claude", "http://mcp", "tool_" + i);
        }
        assertThat(values(registry, "aibridge.non_injected_tool_selections", "name"))
                .containsExactlyInAnyOrder("tool_0", "tool_1", "other");
        assertThat(values(registry, "aibridge.injected_tool_invocations", "name")).containsExactlyInAnyOrder("tool_0", "tool_1", "other");
        assertThat(registry.get("aibridge.non_injected_tool_selections").tags("name", "other").counter().count()).isEqualTo(4.0);
        assertThat(registry.find("aibridge.non_injected_tool_selections").meters()).extracting(Meter::getId)
                .allSatisfy(id -> assertThat(id.getTag("model")).isEqualTo("gpt-4o"));
    }
}

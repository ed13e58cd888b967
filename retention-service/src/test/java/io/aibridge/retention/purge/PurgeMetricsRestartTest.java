package io.aibridge.retention.purge;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The purge's gauges follow the running instance when the registry outlives an application (dev
 * mode's reload, one test class after another): the old instance's are removed with it.
 */
class PurgeMetricsRestartTest {

    private static double lastSuccess(SimpleMeterRegistry registry) {
        return registry.get("aibridge.dbpurge.last.success.timestamp").gauge().value();
    }

    @Test
    void aNewInstanceReportsItsOwnLastSuccess() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PurgeMetrics first = new PurgeMetrics(registry, Duration.ofDays(60), Duration.ofMinutes(10), false);
        Instant start = Instant.parse("2026-11-29T10:00:00Z");
        first.recorded(PurgeReport.nothingDone(PurgeReport.Outcome.COMPLETE, start, Duration.ofDays(60), false, Duration.ofSeconds(2)));
        assertThat(lastSuccess(registry)).isEqualTo((double) start.plusSeconds(2).getEpochSecond());
        first.unregister();
        assertThat(registry.find("aibridge.dbpurge.dry.run.records").gauges()).as("removed with the instance").isEmpty();

        new PurgeMetrics(registry, Duration.ofDays(90), Duration.ofMinutes(10), true);
        assertThat(lastSuccess(registry)).as("the new instance has not purged yet").isZero();
        assertThat(registry.get("aibridge.dbpurge.retention").gauge().value()).as("the new instance's settings")
                .isEqualTo(Duration.ofDays(90).toSeconds());
        assertThat(registry.get("aibridge.dbpurge.dry.run").gauge().value()).isEqualTo(1);
    }
}

package io.aibridge.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every knob of a benchmark run (set from the command line by {@link BenchMain}, where each is
 * described). The scale picks the defaults: {@code --quick} shrinks durations and sizes for a check
 * that the harness works, not for numbers; the default sizes finish in about a quarter of an hour on two
 * cores; {@code --full} uses the sizes of the benchmark issue (1,000,000 interceptions).
 */
public record BenchOptions(
        Scale scale,
        Path results,
        boolean profile,
        // proxy overhead and maximum throughput
        List<Integer> rates,
        List<String> modes,
        int seconds,
        int warmupSeconds,
        int ttfbMs,
        int chunkDelayMs,
        int padKb,
        int alternations,
        boolean interleave,
        int searchStartRate,
        int searchMaxRate,
        int searchSeconds,
        double overheadLimitMs,
        // proxy memory
        int memoryStreams,
        int memoryRate,
        // recorder ingest
        int backlogInterceptions,
        int lagRate,
        int lagSeconds,
        int lagWarmupSeconds,
        // session list and purge
        int interceptions,
        int sessions,
        int users,
        int days,
        int runs,
        int rawRuns,
        int purgeWriteRate,
        int purgeBaselineSeconds) {

    /** Which defaults a run started from. */
    public enum Scale {
        QUICK("--quick: sizes too small for conclusions"),
        DEFAULT("default sizes; --full for the issue's 1,000,000 interceptions"),
        FULL("--full: the issue's sizes");

        private final String label;

        Scale(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public boolean quick() {
        return scale == Scale.QUICK;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        for (var component : getClass().getRecordComponents()) {
            try {
                Object value = component.getAccessor().invoke(this);
                map.put(component.getName(), value instanceof Path || value instanceof Scale ? value.toString() : value);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return map;
    }
}

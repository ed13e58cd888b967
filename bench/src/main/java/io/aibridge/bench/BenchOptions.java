package io.aibridge.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every knob of a benchmark run (set from the command line by {@link BenchMain}, where each is
 * described). {@code --quick} shrinks durations and sizes for a check that the harness works, not
 * for numbers.
 */
public record BenchOptions(
        boolean quick,
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
        int searchStartRate,
        int searchMaxRate,
        int searchSeconds,
        double overheadLimitMs,
        // recorder ingest
        int backlogInterceptions,
        int lagRate,
        int lagSeconds,
        // session list and purge
        int interceptions,
        int sessions,
        int users,
        int days,
        int runs,
        int rawRuns,
        int purgeWriteRate,
        int purgeBaselineSeconds) {

    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        for (var component : getClass().getRecordComponents()) {
            try {
                Object value = component.getAccessor().invoke(this);
                map.put(component.getName(), value instanceof Path p ? p.toString() : value);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return map;
    }
}

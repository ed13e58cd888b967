package io.aibridge.retention.purge;

import io.aibridge.retention.config.RetentionConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The purge's Prometheus metrics (names follow the reference's {@code dbpurge} metrics with our
 * {@code aibridge_} prefix). Every series exists from start-up, at zero, so dashboards and alerts
 * see the service before its first purge (hence {@code @Startup}). Labels are table names only, never ids.
 * Three gauges export the settings (retention period, interval, dry run), so that an alert on a
 * stale purge can follow them instead of repeating them (deploy/prometheus/README.md).
 */
@Startup
@ApplicationScoped
public class PurgeMetrics {

    private final Map<PartitionedTable, Counter> recordsPurged = new EnumMap<>(PartitionedTable.class);
    private final Map<PartitionedTable, Counter> partitionsDropped = new EnumMap<>(PartitionedTable.class);
    private final Map<PartitionedTable, Counter> partitionsReattached = new EnumMap<>(PartitionedTable.class);
    private final Map<PartitionedTable, AtomicLong> dryRunRecords = new EnumMap<>(PartitionedTable.class);
    private final Counter sessionsRemoved;
    private final Counter sessionsRefreshed;
    private final Counter skippedLockHeld;
    private final Counter paused;
    private final Timer succeeded;
    private final Timer failed;
    private final AtomicLong lastSuccessEpochSeconds = new AtomicLong();
    private final MeterRegistry registry;
    /** The gauges bound to this instance's values, removed with it (see {@link #unregister}). */
    private final List<Meter> gauges = new ArrayList<>();

    @Inject
    public PurgeMetrics(MeterRegistry registry, RetentionConfig config) {
        this(registry, config.period(), config.interval(), config.dryRun());
    }

    PurgeMetrics(MeterRegistry registry, Duration retention, Duration interval, boolean dryRun) {
        this.registry = registry;
        gauges.add(Gauge.builder("aibridge.dbpurge.retention", retention, period -> period.toMillis() / 1000.0)
                .description("The retention period (AIBRIDGE_RETENTION); 0: everything is kept and nothing purged")
                .baseUnit("seconds").strongReference(true).register(registry));
        gauges.add(Gauge.builder("aibridge.dbpurge.interval", interval, period -> period.toMillis() / 1000.0)
                .description("Time from the end of one purge run to the start of the next (AIBRIDGE_RETENTION_INTERVAL)")
                .baseUnit("seconds").strongReference(true).register(registry));
        gauges.add(Gauge.builder("aibridge.dbpurge.dry.run", () -> dryRun ? 1 : 0)
                .description("1 when runs only report what they would purge (AIBRIDGE_RETENTION_DRY_RUN), else 0")
                .strongReference(true).register(registry));
        for (PartitionedTable table : PartitionedTable.values()) {
            recordsPurged.put(table, Counter.builder("aibridge.dbpurge.records.purged")
                    .description("Rows deleted by the retention purge (dropped partitions and the boundary day)")
                    .tag("record_type", table.tableName()).register(registry));
            partitionsDropped.put(table, Counter.builder("aibridge.dbpurge.partitions.dropped")
                    .description("Day partitions dropped by the retention purge")
                    .tag("record_type", table.tableName()).register(registry));
            partitionsReattached.put(table, Counter.builder("aibridge.dbpurge.partitions.reattached")
                    .description("Day partitions an interrupted purge had left detached, put back on their table because the "
                            + "retention period keeps their day again")
                    .tag("record_type", table.tableName()).register(registry));
            AtomicLong wouldPurge = new AtomicLong();
            dryRunRecords.put(table, wouldPurge);
            gauges.add(Gauge.builder("aibridge.dbpurge.dry.run.records", wouldPurge, AtomicLong::get)
                    .description("Rows the last dry run found past the retention period (AIBRIDGE_RETENTION_DRY_RUN=true)")
                    .tag("record_type", table.tableName()).strongReference(true).register(registry));
        }
        sessionsRemoved = Counter.builder("aibridge.dbpurge.sessions.removed")
                .description("Session summaries deleted because nothing of the session was left").register(registry);
        sessionsRefreshed = Counter.builder("aibridge.dbpurge.sessions.refreshed")
                .description("Session summaries recomputed because part of the session was purged").register(registry);
        skippedLockHeld = Counter.builder("aibridge.dbpurge.runs.skipped")
                .description("Purge runs skipped because another replica held the purge lock")
                .tag("reason", "lock_held").register(registry);
        paused = Counter.builder("aibridge.dbpurge.paused")
                .description("Of the purge runs' duration, the pauses that left the database to the recorder "
                        + "(AIBRIDGE_RETENTION_DUTY_CYCLE)")
                .baseUnit("seconds").register(registry);
        succeeded = iterationTimer(registry, true);
        failed = iterationTimer(registry, false);
        gauges.add(Gauge.builder("aibridge.dbpurge.last.success.timestamp", lastSuccessEpochSeconds, AtomicLong::get)
                .description("Unix time at which the last purge run that left nothing past the retention period finished (0: none yet)")
                .baseUnit("seconds").strongReference(true).register(registry));
    }

    /**
     * Takes this instance's gauges away with it: a registry that outlives the application (dev
     * mode's reload, one test class after another) would otherwise keep reporting the old
     * instance's values, and hand the old gauges back to the new instance's registration.
     */
    @PreDestroy
    void unregister() {
        gauges.forEach(registry::remove);
        gauges.clear();
    }

    private static Timer iterationTimer(MeterRegistry registry, boolean success) {
        return Timer.builder("aibridge.dbpurge.iteration.duration")
                .description("Duration of a retention purge run")
                .tag("success", Boolean.toString(success))
                .serviceLevelObjectives(Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
                        Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
                        Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(300))
                .register(registry);
    }

    /** A run that purged, completely or not (dry runs only set the dry-run gauge). */
    void recorded(PurgeReport report) {
        if (report.dryRun()) {
            dryRunRecords.forEach((table, gauge) -> gauge.set(report.rows(table)));
            return;
        }
        for (PartitionedTable table : PartitionedTable.values()) {
            recordsPurged.get(table).increment(report.rows(table));
            partitionsDropped.get(table).increment(report.partitionsDropped().getOrDefault(table, 0));
        }
        report.partitionsReattached().forEach(partition -> partitionsReattached.get(partition.table()).increment());
        sessionsRemoved.increment(report.sessionsRemoved());
        sessionsRefreshed.increment(report.sessionsRefreshed());
        paused.increment(report.pausedSeconds());
        if (report.outcome() == PurgeReport.Outcome.COMPLETE) {
            succeeded.record(report.took());
            lastSuccessEpochSeconds.set(report.runStart().plus(report.took()).getEpochSecond());
        } else {
            failed.record(report.took());
        }
    }

    /** A run skipped because another replica was purging. */
    void skippedLockHeld() {
        skippedLockHeld.increment();
    }
}

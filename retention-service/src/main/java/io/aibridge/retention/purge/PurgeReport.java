package io.aibridge.retention.purge;

import io.aibridge.retention.config.DurationSyntax;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.stream.Collectors;

/**
 * What one purge run did (or, for a dry run, would do).
 *
 * @param outcome                  how the run ended
 * @param dryRun                   true when nothing was deleted and the numbers say what would be
 * @param runStart                 the run's start; the cutoff is this minus the retention
 * @param retention                the retention period
 * @param cutoff                   interceptions that started before this are purged
 * @param daysDropped              the days whose partitions were dropped
 * @param partitionsDropped        dropped partitions per table
 * @param rowsInDroppedPartitions  rows those partitions held, per table
 * @param boundaryDay              the day purged row by row (the one that contains the cutoff), or null
 * @param rowsDeletedOnBoundaryDay rows deleted on the boundary day, per table
 * @param partitionsReattached     partitions an interrupted run had left detached that were put back on
 *                                 their tables (or, for a dry run, would be): the retention keeps their day
 * @param leftForNextRun           what could not be done this time and why (a lock held too long); for
 *                                 {@link Outcome#NO_SCHEMA}, the tables and functions not there yet
 * @param sessionsRemoved          session summaries deleted because nothing of the session is left
 * @param sessionsRefreshed        session summaries recomputed because part of the session is left
 * @param took                     the run's duration
 * @param daysTook                 of which dropping whole days (step 1)
 * @param boundaryDayTook          of which the boundary day (step 2)
 * @param sessionsTook             of which correcting session summaries (step 3)
 * @param paused                   of the three steps' time, the pauses that left the database to the recorder ({@link PurgePace})
 */
public record PurgeReport(
        Outcome outcome,
        boolean dryRun,
        Instant runStart,
        Duration retention,
        Instant cutoff,
        List<LocalDate> daysDropped,
        Map<PartitionedTable, Integer> partitionsDropped,
        Map<PartitionedTable, Long> rowsInDroppedPartitions,
        LocalDate boundaryDay,
        Map<PartitionedTable, Long> rowsDeletedOnBoundaryDay,
        List<DayPartition> partitionsReattached,
        List<String> leftForNextRun,
        long sessionsRemoved,
        long sessionsRefreshed,
        Duration took,
        Duration daysTook,
        Duration boundaryDayTook,
        Duration sessionsTook,
        Duration paused) {

    /** How a run ended. */
    public enum Outcome {
        /** Retention is 0: everything is kept forever and nothing was looked at. */
        DISABLED,
        /** Another replica holds the purge lock; this run did nothing. */
        LOCK_HELD,
        /** recorder-service has not created the tables yet (see {@link #leftForNextRun()}); this run did nothing. */
        NO_SCHEMA,
        /** Everything that started before the cutoff is gone (or, for a dry run, was counted). */
        COMPLETE,
        /** Some of it is left for the next run (see {@link #leftForNextRun()}). */
        INCOMPLETE
    }

    /** A run that did nothing, with the reason. */
    static PurgeReport nothingDone(Outcome outcome, Instant runStart, Duration retention, boolean dryRun, Duration took) {
        return nothingDone(outcome, runStart, retention, dryRun, List.of(), took);
    }

    private static PurgeReport nothingDone(Outcome outcome, Instant runStart, Duration retention, boolean dryRun, List<String> why,
                                           Duration took) {
        return new PurgeReport(outcome, dryRun, runStart, retention, outcome == Outcome.DISABLED ? null : runStart.minus(retention),
                List.of(), Map.of(), Map.of(), null, Map.of(), List.of(), List.copyOf(why), 0, 0, took, Duration.ZERO, Duration.ZERO, Duration.ZERO,
                Duration.ZERO);
    }

    /** A run that found the schema not migrated yet: what is missing is in {@link #leftForNextRun()}. */
    static PurgeReport waitingForSchema(Instant runStart, Duration retention, boolean dryRun, List<String> missing, Duration took) {
        return nothingDone(Outcome.NO_SCHEMA, runStart, retention, dryRun, missing, took);
    }

    /** {@link #paused()} in seconds, for the metric and the span. */
    public double pausedSeconds() {
        return paused.toNanos() / 1e9;
    }

    /** Rows removed (or that would be) from {@code table}: dropped partitions plus the boundary day. */
    public long rows(PartitionedTable table) {
        return rowsInDroppedPartitions.getOrDefault(table, 0L) + rowsDeletedOnBoundaryDay.getOrDefault(table, 0L);
    }

    /** Rows removed (or that would be) from all five tables. */
    public long totalRows() {
        long total = 0;
        for (PartitionedTable table : PartitionedTable.values()) {
            total += rows(table);
        }
        return total;
    }

    /** Partitions dropped (or that would be) across the five tables. */
    public int totalPartitionsDropped() {
        return partitionsDropped.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** The one log line of a run. */
    public String summary() {
        return switch (outcome) {
            case DISABLED -> "Retention purge skipped: AIBRIDGE_RETENTION is 0, everything is kept forever";
            case LOCK_HELD -> "Retention purge skipped: another replica holds the purge lock";
            case NO_SCHEMA -> "Retention purge skipped: the database has no " + String.join(", ", leftForNextRun)
                    + " yet (recorder-service creates them when it starts)";
            case COMPLETE, INCOMPLETE -> describeWork();
        };
    }

    private String describeWork() {
        StringBuilder line = new StringBuilder(dryRun ? "Retention dry run (nothing deleted): " : "Retention purge: ")
                .append("cutoff ").append(cutoff).append(" (retention ").append(DurationSyntax.format(retention)).append("); ");
        if (daysDropped.isEmpty()) {
            line.append(dryRun ? "would drop no day partitions" : "dropped no day partitions");
        } else {
            line.append(dryRun ? "would drop " : "dropped ").append(daysDropped.size()).append(daysDropped.size() == 1 ? " day " : " days ")
                    .append(daysDropped.get(0));
            if (daysDropped.size() > 1) {
                line.append("..").append(daysDropped.get(daysDropped.size() - 1));
            }
            line.append(" (").append(totalPartitionsDropped()).append(" partitions)");
        }
        StringJoiner rows = new StringJoiner(", ");
        for (PartitionedTable table : PartitionedTable.values()) {
            rows.add(table.tableName() + "=" + rows(table));
        }
        line.append("; rows ").append(dryRun ? "to delete: " : "deleted: ").append(rows);
        if (boundaryDay != null) {
            line.append(" (of which on boundary day ").append(boundaryDay).append(": ")
                    .append(rowsDeletedOnBoundaryDay.values().stream().mapToLong(Long::longValue).sum()).append(')');
        }
        if (!partitionsReattached.isEmpty()) {
            line.append(dryRun ? "; would re-attach " : "; re-attached ").append(partitionsReattached.size())
                    .append(partitionsReattached.size() == 1 ? " partition" : " partitions")
                    .append(" left detached by an interrupted purge, inside the retention period: ")
                    .append(partitionsReattached.stream().map(DayPartition::name).collect(Collectors.joining(", ")));
        }
        line.append("; sessions ").append(dryRun ? "to remove " : "removed ").append(sessionsRemoved)
                .append(dryRun ? ", to refresh " : ", refreshed ").append(sessionsRefreshed);
        line.append("; took ").append(seconds(took));
        if (!dryRun) {
            line.append(" (days ").append(seconds(daysTook)).append(", boundary day ").append(seconds(boundaryDayTook))
                    .append(", sessions ").append(seconds(sessionsTook)).append(')');
            if (!paused.isZero()) {
                line.append(", of which ").append(seconds(paused)).append(" paused to leave the database to the recorder");
            }
        }
        if (!leftForNextRun.isEmpty()) {
            line.append("; left for the next run: ").append(String.join("; ", leftForNextRun));
        }
        return line.toString();
    }

    private static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.3f s", duration.toNanos() / 1e9);
    }

    /** Collects a run's work as it happens. */
    static final class Builder {
        private final boolean dryRun;
        private final Instant runStart;
        private final Duration retention;
        private final Instant cutoff;
        private final List<LocalDate> daysDropped = new ArrayList<>();
        private final Map<PartitionedTable, Integer> partitionsDropped = new EnumMap<>(PartitionedTable.class);
        private final Map<PartitionedTable, Long> rowsInDroppedPartitions = new EnumMap<>(PartitionedTable.class);
        private final Map<PartitionedTable, Long> rowsDeletedOnBoundaryDay = new EnumMap<>(PartitionedTable.class);
        private final List<DayPartition> partitionsReattached = new ArrayList<>();
        private final List<String> leftForNextRun = new ArrayList<>();
        private LocalDate boundaryDay;
        private LocalDate summariesMayBeStaleThrough;
        private long sessionsRemoved;
        private long sessionsRefreshed;
        private Duration daysTook = Duration.ZERO;
        private Duration boundaryDayTook = Duration.ZERO;
        private Duration sessionsTook = Duration.ZERO;
        private Duration paused = Duration.ZERO;

        Builder(boolean dryRun, Instant runStart, Duration retention) {
            this.dryRun = dryRun;
            this.runStart = runStart;
            this.retention = retention;
            this.cutoff = runStart.minus(retention);
        }

        Instant cutoff() {
            return cutoff;
        }

        synchronized boolean complete() {
            return leftForNextRun.isEmpty();
        }

        synchronized void partitionDropped(DayPartition partition, long rows) {
            if (!daysDropped.contains(partition.day())) {
                daysDropped.add(partition.day());
            }
            partitionsDropped.merge(partition.table(), 1, Integer::sum);
            rowsInDroppedPartitions.merge(partition.table(), rows, Long::sum);
        }

        synchronized void boundaryDay(LocalDate day) {
            boundaryDay = day;
        }

        synchronized void deletedOnBoundaryDay(Map<PartitionedTable, Long> rows) {
            rows.forEach((table, count) -> rowsDeletedOnBoundaryDay.merge(table, count, Long::sum));
        }

        /** An earlier run's horizon, above this run's: the summaries of sessions started up to that day are recomputed. */
        synchronized void summariesMayBeStaleThrough(LocalDate day) {
            summariesMayBeStaleThrough = day;
        }

        /** Sessions that started before this have their summaries recomputed: the cutoff, or later after the horizon went down. */
        synchronized Instant refreshSessionsStartedBefore() {
            if (summariesMayBeStaleThrough == null) {
                return cutoff;
            }
            Instant afterStaleDays = summariesMayBeStaleThrough.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            return afterStaleDays.isAfter(cutoff) ? afterStaleDays : cutoff;
        }

        synchronized void partitionReattached(DayPartition partition) {
            partitionsReattached.add(partition);
        }

        synchronized void leftForNextRun(String what) {
            leftForNextRun.add(what);
        }

        synchronized void sessionsRemoved(long count) {
            sessionsRemoved += count;
        }

        synchronized void sessionsRefreshed(long count) {
            sessionsRefreshed += count;
        }

        synchronized void daysTook(Duration took) {
            daysTook = took;
        }

        synchronized void boundaryDayTook(Duration took) {
            boundaryDayTook = took;
        }

        synchronized void sessionsTook(Duration took) {
            sessionsTook = took;
        }

        synchronized void paused(Duration pause) {
            paused = paused.plus(pause);
        }

        synchronized PurgeReport build(Duration took) {
            Collections.sort(daysDropped);
            return new PurgeReport(complete() ? Outcome.COMPLETE : Outcome.INCOMPLETE, dryRun, runStart, retention, cutoff,
                    List.copyOf(daysDropped), Map.copyOf(partitionsDropped), Map.copyOf(rowsInDroppedPartitions), boundaryDay,
                    Map.copyOf(rowsDeletedOnBoundaryDay), List.copyOf(partitionsReattached), List.copyOf(leftForNextRun), sessionsRemoved, sessionsRefreshed, took,
                    daysTook, boundaryDayTook, sessionsTook, paused);
        }
    }
}

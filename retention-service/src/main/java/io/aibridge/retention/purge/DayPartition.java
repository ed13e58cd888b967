package io.aibridge.retention.purge;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * One day partition of one interception table, as found in the catalog.
 *
 * @param table the partitioned table it belongs (or belonged) to
 * @param day   the UTC day it holds: {@code [day 00:00 UTC, day + 1 00:00 UTC)}
 * @param state whether it is attached, half detached, or detached but not yet dropped
 */
public record DayPartition(PartitionedTable table, LocalDate day, State state) {

    /** Where a partition stands; the last two only exist after an interrupted purge. */
    public enum State {
        /** An ordinary partition. */
        ATTACHED,
        /** A {@code DETACH ... CONCURRENTLY} was interrupted; only {@code FINALIZE} completes it. */
        DETACH_PENDING,
        /** Detached from its table but not dropped yet. */
        DETACHED
    }

    /** The partition's table name. */
    public String name() {
        return table.partitionName(day);
    }

    /** The exclusive upper bound of the day. */
    public Instant upperBound() {
        return day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** True when every row it can hold started before {@code cutoff}. */
    public boolean entirelyBefore(Instant cutoff) {
        return !upperBound().isAfter(cutoff);
    }
}

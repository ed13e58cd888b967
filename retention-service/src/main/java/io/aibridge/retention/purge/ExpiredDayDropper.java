package io.aibridge.retention.purge;

import io.aibridge.retention.config.RetentionConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Step 1 of a purge: every day partition entirely before the cutoff is detached from its table with
 * {@code DETACH PARTITION ... CONCURRENTLY}, counted and dropped.
 *
 * <p>A concurrent detach never blocks inserts into other days, but its second phase waits for
 * every transaction that was using the table when the first phase committed, typically one
 * in-flight recorder transaction. Done one partition after the other, those waits add up over the
 * 150 partitions of 30 days, so each of the five tables gets a worker on a connection of its own
 * and the waits overlap. Within a table the days are detached oldest first, one at a time
 * (PostgreSQL allows one pending detach per table), and a day's children only after that day's
 * interceptions, so readers never see an interception whose children are gone. Once detached, the
 * rows are out of every query; the worker then counts and drops its detached tables in bulk.
 */
@ApplicationScoped
public class ExpiredDayDropper {

    private static final Logger LOG = Logger.getLogger(ExpiredDayDropper.class);

    /** SQLSTATE object_not_in_prerequisite_state: e.g. another partition of the table is pending detach. */
    private static final String NOT_IN_PREREQUISITE_STATE = "55000";

    /** Detached days dropped per statement: few commits, and a bounded number of locks per transaction. */
    private static final int DAYS_PER_DROP = 10;

    private final DataSource dataSource;
    private final RetentionConfig config;
    private final PartitionRepository partitions;
    private final LockRetry retry;

    public ExpiredDayDropper(DataSource dataSource, RetentionConfig config, PartitionRepository partitions, LockRetry retry) {
        this.dataSource = dataSource;
        this.config = config;
        this.partitions = partitions;
        this.retry = retry;
    }

    /**
     * Drops the expired days among {@code found}; what cannot be detached is left to the next run.
     * First the retention horizon (schema V49) is set to the last day entirely before the cutoff,
     * on the run's {@code connection}, so that the recorder never creates one of those days (again)
     * for a late event, whether or not it had partitions. It is set, not raised: after the retention
     * period was raised, the days it keeps again are accepted again.
     */
    void dropExpiredDays(Connection connection, List<DayPartition> found, PurgeReport.Builder work)
            throws SQLException, InterruptedException {
        Instant cutoff = work.cutoff();
        Map<PartitionedTable, Map<LocalDate, DayPartition>> expired = new EnumMap<>(PartitionedTable.class);
        TreeSet<LocalDate> days = new TreeSet<>();
        TreeSet<LocalDate> daysWithPendingDetach = new TreeSet<>();
        for (DayPartition partition : found) {
            if (partition.entirelyBefore(cutoff)) {
                expired.computeIfAbsent(partition.table(), table -> new HashMap<>()).put(partition.day(), partition);
                days.add(partition.day());
                if (partition.state() == DayPartition.State.DETACH_PENDING) {
                    daysWithPendingDetach.add(partition.day());
                }
            } else if (partition.state() == DayPartition.State.DETACH_PENDING) {
                LOG.warnf("%s is pending detach but inside the retention period: its rows are hidden from queries, and no "
                                + "other partition of %s can be detached until ALTER TABLE %s DETACH PARTITION %s FINALIZE",
                        partition.name(), partition.table().tableName(), partition.table().tableName(), partition.name());
            }
        }
        // Every day entirely before the cutoff, also one that never had a partition: the recorder
        // would otherwise create it for a late event, and the next run drop it again.
        LocalDate lastExpiredDay = LocalDate.ofInstant(cutoff, ZoneOffset.UTC).minusDays(1);
        retry.run("set the retention horizon", () -> {
            partitions.setHorizon(connection, lastExpiredDay);
            return null;
        });
        if (days.isEmpty()) {
            return;
        }
        // A pending detach first: until it is finalized PostgreSQL refuses any other concurrent detach on its table.
        List<LocalDate> order = new ArrayList<>(daysWithPendingDetach);
        days.stream().filter(day -> !daysWithPendingDetach.contains(day)).forEach(order::add);

        Map<LocalDate, CompletableFuture<Boolean>> interceptionsGone = new HashMap<>();
        order.forEach(day -> interceptionsGone.put(day, new CompletableFuture<>()));
        AtomicBoolean abort = new AtomicBoolean();
        ExecutorService workers = Executors.newFixedThreadPool(PartitionedTable.values().length, runnable -> {
            Thread thread = new Thread(runnable, "aibridge-retention-drop");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<Void>> running = new ArrayList<>();
            for (PartitionedTable table : PartitionedTable.values()) {
                Map<LocalDate, DayPartition> ofTable = expired.getOrDefault(table, Map.of());
                Callable<Void> worker = () -> {
                    dropDays(table, ofTable, order, interceptionsGone, abort, work);
                    return null;
                };
                running.add(workers.submit(worker));
            }
            Throwable failure = null;
            for (Future<Void> worker : running) {
                try {
                    worker.get();
                } catch (ExecutionException e) {
                    abort.set(true);
                    interceptionsGone.values().forEach(gate -> gate.complete(false));
                    failure = failure == null ? e.getCause() : failure;
                }
            }
            if (failure instanceof SQLException sql) {
                throw sql;
            } else if (failure instanceof InterruptedException interrupted) {
                throw interrupted;
            } else if (failure instanceof RuntimeException runtime) {
                throw runtime;
            } else if (failure != null) {
                throw new IllegalStateException(failure);
            }
        } catch (InterruptedException e) {
            abort.set(true);
            interceptionsGone.values().forEach(gate -> gate.complete(false));
            throw e;
        } finally {
            workers.shutdownNow();
        }
    }

    /**
     * One table's expired days, in {@code order}, on a connection of its own: first detaches them
     * one by one, then counts and drops the detached tables a few days per statement (a commit
     * that deletes files always waits for the WAL flush, so fewer statements cost less).
     */
    private void dropDays(PartitionedTable table, Map<LocalDate, DayPartition> expired, List<LocalDate> order,
                          Map<LocalDate, CompletableFuture<Boolean>> interceptionsGone, AtomicBoolean abort,
                          PurgeReport.Builder work) throws SQLException, InterruptedException {
        boolean interceptions = table == PartitionedTable.INTERCEPTIONS;
        try (Connection connection = dataSource.getConnection()) {
            PurgeSession.prepare(connection, config);
            List<DayPartition> detached = new ArrayList<>();
            try {
                for (int i = 0; i < order.size(); i++) {
                    LocalDate day = order.get(i);
                    if (abort.get() || (!interceptions && !gone(interceptionsGone.get(day)))) {
                        break; // the run failed, or that day's interceptions stay: so do their children
                    }
                    DayPartition partition = expired.get(day);
                    if (partition != null) {
                        if (!detach(connection, partition, order.size() - i, work)) {
                            break;
                        }
                        detached.add(partition);
                    }
                    if (interceptions) {
                        interceptionsGone.get(day).complete(true);
                    }
                }
            } finally {
                if (interceptions) {
                    interceptionsGone.values().forEach(gate -> gate.complete(false));
                }
            }
            try {
                for (int from = 0; from < detached.size(); from += DAYS_PER_DROP) {
                    PurgeSession.checkInterrupted();
                    countAndDrop(connection, detached.subList(from, Math.min(detached.size(), from + DAYS_PER_DROP)), work);
                }
            } finally {
                PurgeSession.release(connection, false);
            }
        }
    }

    /** Waits (interruptibly) until the interceptions of a day are dropped or left in place. */
    private static boolean gone(CompletableFuture<Boolean> interceptions) throws InterruptedException {
        try {
            return interceptions.get();
        } catch (ExecutionException e) {
            return false; // never completed exceptionally; treated as "left in place"
        }
    }

    /** Detaches one partition; false when it has to wait for the next run (and so do the later days). */
    private boolean detach(Connection connection, DayPartition partition, int daysLeft, PurgeReport.Builder work)
            throws SQLException, InterruptedException {
        PurgeSession.checkInterrupted();
        try {
            retry.run("detach " + partition.name(), () -> partitions.detach(connection, partition));
            return true;
        } catch (SQLException e) {
            if (!LockRetry.lostLockRace(e) && !NOT_IN_PREREQUISITE_STATE.equals(e.getSQLState())) {
                throw e;
            }
            // Whatever kept it attached (a long transaction on its table) would hold up the next days too.
            work.leftForNextRun(partition.name() + " could not be detached (" + e.getMessage().strip() + "); " + daysLeft
                    + (daysLeft == 1 ? " day" : " days") + " left in place"
                    + (partition.table() == PartitionedTable.INTERCEPTIONS ? " on all five tables" : " on " + partition.table().tableName()));
            return false;
        }
    }

    /** Counts and drops detached partitions; one that is not detached (or gone) is left alone. */
    private void countAndDrop(Connection connection, List<DayPartition> detached, PurgeReport.Builder work)
            throws SQLException, InterruptedException {
        List<DayPartition> droppable = new ArrayList<>();
        for (DayPartition partition : detached) {
            // Never DROP a partition that is still attached: that would lock its whole table.
            if (partitions.state(connection, partition).orElse(null) == DayPartition.State.DETACHED) {
                droppable.add(partition);
            }
        }
        if (droppable.isEmpty()) {
            return;
        }
        // Detached tables receive no writes any more: the counts are exactly what the drop removes.
        long[] rows = partitions.countRows(connection, droppable);
        retry.run("drop " + droppable.get(0).name() + "…", () -> {
            partitions.drop(connection, droppable);
            return null;
        });
        for (int i = 0; i < droppable.size(); i++) {
            work.partitionDropped(droppable.get(i), rows[i]);
        }
    }
}

package io.aibridge.retention.purge;

import io.aibridge.retention.config.RetentionConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
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
 * and the waits overlap. Within a table the days go oldest first, one at a time (PostgreSQL allows
 * one pending detach per table), and a day's children are detached only after that day's
 * interceptions, so readers never see an interception whose children are gone.
 */
@ApplicationScoped
public class ExpiredDayDropper {

    private static final Logger LOG = Logger.getLogger(ExpiredDayDropper.class);

    /** SQLSTATE object_not_in_prerequisite_state: e.g. another partition of the table is pending detach. */
    private static final String NOT_IN_PREREQUISITE_STATE = "55000";

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

    /** Drops the expired days among {@code found}; what cannot be detached is left to the next run. */
    void dropExpiredDays(List<DayPartition> found, PurgeReport.Builder work) throws SQLException, InterruptedException {
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

    /** One table's expired days, in {@code order}, on a connection of its own. */
    private void dropDays(PartitionedTable table, Map<LocalDate, DayPartition> expired, List<LocalDate> order,
                          Map<LocalDate, CompletableFuture<Boolean>> interceptionsGone, AtomicBoolean abort,
                          PurgeReport.Builder work) throws SQLException, InterruptedException {
        boolean interceptions = table == PartitionedTable.INTERCEPTIONS;
        try (Connection connection = dataSource.getConnection()) {
            PurgeSession.prepare(connection, config);
            try {
                for (int i = 0; i < order.size(); i++) {
                    LocalDate day = order.get(i);
                    if (abort.get() || (!interceptions && !gone(interceptionsGone.get(day)))) {
                        return; // the run failed, or that day's interceptions stay: so do their children
                    }
                    DayPartition partition = expired.get(day);
                    if (partition != null && !dropDay(connection, partition, order.size() - i, work)) {
                        return;
                    }
                    if (interceptions) {
                        interceptionsGone.get(day).complete(true);
                    }
                }
            } finally {
                if (interceptions) {
                    interceptionsGone.values().forEach(gate -> gate.complete(false));
                }
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

    /** Detaches, counts and drops one partition; false when it has to wait for the next run. */
    private boolean dropDay(Connection connection, DayPartition partition, int daysLeft, PurgeReport.Builder work)
            throws SQLException, InterruptedException {
        PurgeSession.checkInterrupted();
        boolean present;
        try {
            present = retry.run("detach " + partition.name(), () -> partitions.detach(connection, partition));
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
        // Never DROP a partition that is still attached: that would lock its whole table.
        if (!present || partitions.state(connection, partition).orElse(null) != DayPartition.State.DETACHED) {
            return true;
        }
        // A detached table receives no writes any more: the count is exactly what the drop removes.
        long rows = partitions.countRows(connection, List.of(partition))[0];
        retry.run("drop " + partition.name(), () -> {
            partitions.drop(connection, List.of(partition));
            return null;
        });
        work.partitionDropped(partition, rows);
        return true;
    }
}

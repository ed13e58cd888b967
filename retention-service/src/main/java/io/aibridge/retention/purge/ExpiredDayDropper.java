package io.aibridge.retention.purge;

import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Step 1 of a purge: every day partition entirely before the cutoff is detached from its table with
 * {@code DETACH PARTITION ... CONCURRENTLY}, counted and dropped, on the run's connection.
 *
 * <p>First all the detaches, back to back, oldest day first and a day's interceptions before its
 * children, so readers never see an interception whose children are gone. A concurrent detach never
 * blocks inserts into other days; its second phase waits for the transactions that were using the
 * table, typically one in-flight recorder batch of a few milliseconds. Each detach also makes every
 * other session rebuild its cached view of the table's partitions, once, at its next statement on
 * the table: the recorder's batches pay that (a few milliseconds each) for as long as detaches go
 * on, so they go on as briefly as possible, about 2 ms each. Then the detached tables, which nothing
 * uses any more, are counted and dropped a day (five tables) per statement, with the run's
 * {@link PurgePace} after each. Measured beside the recorder at 200 interceptions/s (bench
 * {@code --only purge}): with one worker per table at the same time, the recorder's batches took
 * 50 to 116 % longer while the days went; one partition after the other, detach and drop in turn,
 * 32 to 44 %; detaches first and paced drops, 14 to 28 %.
 */
@ApplicationScoped
public class ExpiredDayDropper {

    private static final Logger LOG = Logger.getLogger(ExpiredDayDropper.class);

    /** SQLSTATE object_not_in_prerequisite_state: e.g. another partition of the table is pending detach. */
    private static final String NOT_IN_PREREQUISITE_STATE = "55000";

    private final PartitionRepository partitions;
    private final LockRetry retry;
    private final PurgePace pace;

    public ExpiredDayDropper(PartitionRepository partitions, LockRetry retry, PurgePace pace) {
        this.partitions = partitions;
        this.retry = retry;
        this.pace = pace;
    }

    /**
     * Drops the expired days among {@code found}; what cannot be detached is left to the next run.
     * First the retention horizon (schema V49) is set to the last day entirely before the cutoff,
     * on the run's {@code connection}, so that the recorder never creates one of those days (again)
     * for a late event, whether or not it had partitions. It is set, not raised: after the retention
     * period was raised, the days it keeps again are accepted again, their partitions that an
     * interrupted run left detached are put back ({@link #reattachKept}), and the summaries of their
     * sessions are recomputed in step 3 ({@code summariesMayBeStaleThrough}).
     */
    void dropExpiredDays(Connection connection, List<DayPartition> found, PurgeReport.Builder work)
            throws SQLException, InterruptedException {
        Instant cutoff = work.cutoff();
        Map<LocalDate, Map<PartitionedTable, DayPartition>> expired = new TreeMap<>();
        TreeSet<LocalDate> daysWithPendingDetach = new TreeSet<>();
        for (DayPartition partition : found) {
            if (partition.entirelyBefore(cutoff)) {
                expired.computeIfAbsent(partition.day(), day -> new EnumMap<>(PartitionedTable.class)).put(partition.table(), partition);
                if (partition.state() == DayPartition.State.DETACH_PENDING) {
                    daysWithPendingDetach.add(partition.day());
                }
            }
        }
        // Every day entirely before the cutoff, also one that never had a partition: the recorder
        // would otherwise create it for a late event, and the next run drop it again.
        LocalDate lastExpiredDay = LocalDate.ofInstant(cutoff, ZoneOffset.UTC).minusDays(1);
        Optional<LocalDate> previousHorizon = retry.run("set the retention horizon", () -> partitions.setHorizon(connection, lastExpiredDay));
        if (previousHorizon.isPresent() && previousHorizon.get().isAfter(lastExpiredDay)) {
            // An earlier run may have dropped days up to there and stopped before correcting their
            // summaries; with the cutoff now earlier, nothing else would ever look at those sessions.
            work.summariesMayBeStaleThrough(previousHorizon.get());
            LOG.infof("Retention: the horizon went down from %s to %s (the retention period was raised, or an earlier run's "
                    + "clock was ahead): the session summaries of sessions that started up to %s are recomputed", previousHorizon.get(),
                    lastExpiredDay, previousHorizon.get());
        }
        // Before any detach: a half-detached partition of a table refuses every other concurrent detach on it.
        reattachKept(connection, keptButDetached(found, cutoff), work);
        // A pending detach first: until it is finalized PostgreSQL refuses any other concurrent detach on its table.
        List<LocalDate> order = new ArrayList<>(daysWithPendingDetach);
        expired.keySet().stream().filter(day -> !daysWithPendingDetach.contains(day)).forEach(order::add);

        // First every detach, back to back: each one makes the recorder rebuild its cached view of
        // the table's partitions once per batch, so the fewer of its batches they are spread over, the better.
        Set<PartitionedTable> stopped = EnumSet.noneOf(PartitionedTable.class);
        Map<LocalDate, List<DayPartition>> detached = new TreeMap<>();
        for (int i = 0; i < order.size() && !stopped.contains(PartitionedTable.INTERCEPTIONS); i++) {
            int daysLeft = order.size() - i;
            for (DayPartition partition : expired.get(order.get(i)).values()) { // interceptions first
                if (stopped.contains(partition.table())) {
                    continue; // an earlier day of this table stays: so do the later ones
                }
                if (!detach(connection, partition, daysLeft, work)) {
                    stopped.add(partition.table());
                    if (partition.table() == PartitionedTable.INTERCEPTIONS) {
                        break; // the day's interceptions stay: so do their children, and every later day
                    }
                    continue;
                }
                detached.computeIfAbsent(partition.day(), day -> new ArrayList<>()).add(partition);
            }
        }
        // Then the drops, a day's tables per statement, paced: nothing uses those tables any more.
        for (List<DayPartition> day : detached.values()) {
            countAndDrop(connection, day, work);
        }
    }

    /**
     * The partitions an interrupted run left detached or half detached whose day the retention
     * period keeps (it was raised since, or that run's clock was ahead): oldest day first, a day's
     * children before its interceptions, so that readers never see an interception without them.
     */
    static List<DayPartition> keptButDetached(List<DayPartition> found, Instant cutoff) {
        return found.stream()
                .filter(partition -> partition.state() != DayPartition.State.ATTACHED && !partition.entirelyBefore(cutoff))
                .sorted(Comparator.comparing(DayPartition::day).thenComparing(DayPartition::table, Comparator.reverseOrder()))
                .toList();
    }

    /**
     * Puts {@link #keptButDetached} partitions back on their tables. Left detached, their rows would
     * stay hidden, their disk never freed, the recorder would dead-letter every late event of their
     * day (it takes a day with a detached partition for one being purged), and a half-detached one
     * would stop every later detach on its table. One that PostgreSQL refuses to attach (a lock held
     * too long, or a table that no longer matches its parent) is named in the run's report, which
     * makes the run incomplete, and tried again by the next run: it holds rows the retention keeps,
     * so it is never dropped.
     */
    private void reattachKept(Connection connection, List<DayPartition> kept, PurgeReport.Builder work)
            throws SQLException, InterruptedException {
        for (DayPartition partition : kept) {
            PurgeSession.checkInterrupted();
            long started = System.nanoTime();
            try {
                if (retry.run("re-attach " + partition.name(), () -> partitions.reattach(connection, partition))) {
                    work.partitionReattached(partition);
                    LOG.infof("Retention: re-attached %s, which an interrupted purge had left %s; its day is inside the retention "
                            + "period", partition.name(), partition.state() == DayPartition.State.DETACHED ? "detached" : "pending detach");
                }
            } catch (SQLException e) {
                if (connectionLost(e)) {
                    throw e;
                }
                work.leftForNextRun(partition.name() + " is " + (partition.state() == DayPartition.State.DETACHED ? "detached" : "pending detach")
                        + " but inside the retention period, and could not be re-attached to " + partition.table().tableName() + " ("
                        + e.getMessage().strip() + "); its rows stay hidden until it is");
            }
            pace.pause(started, work);
        }
    }

    /** SQLSTATE classes 08 (connection exception) and 57 (operator intervention: shutdown, cancel): the run cannot go on. */
    private static boolean connectionLost(SQLException e) {
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || state.startsWith("57");
    }

    /** Detaches one partition; false when it has to wait for the next run (and so do the later days). */
    private boolean detach(Connection connection, DayPartition partition, int daysLeft, PurgeReport.Builder work)
            throws SQLException, InterruptedException {
        PurgeSession.checkInterrupted();
        try {
            retry.run("detach " + partition.name(), () -> partitions.detach(connection, partition));
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
        return true;
    }

    /** Counts and drops detached partitions; one that is not detached (or gone) is left alone. */
    private void countAndDrop(Connection connection, List<DayPartition> detached, PurgeReport.Builder work)
            throws SQLException, InterruptedException {
        PurgeSession.checkInterrupted();
        long started = System.nanoTime();
        List<DayPartition> droppable = new ArrayList<>();
        List<Optional<DayPartition.State>> states = partitions.states(connection, detached);
        for (int i = 0; i < detached.size(); i++) {
            // Never DROP a partition that is still attached: that would lock its whole table.
            if (states.get(i).orElse(null) == DayPartition.State.DETACHED) {
                droppable.add(detached.get(i));
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
        pace.pause(started, work);
    }
}

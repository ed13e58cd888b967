package io.aibridge.retention.purge;

import io.aibridge.retention.config.RetentionConfig;
import io.aibridge.retention.purge.SessionSummaryRepository.SessionKey;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One purge run: removes every interception that started before {@code run start − retention},
 * with its prompts, token usages, tool usages and model thoughts, and corrects the session
 * summaries. Users and API keys are never touched.
 *
 * <ol>
 *   <li><b>Whole days.</b> Every day partition entirely before the cutoff is detached from its
 *   table with {@code DETACH PARTITION ... CONCURRENTLY} (which never blocks inserts into other
 *   days), counted and dropped. The cost depends on the days dropped, not on the rows kept.</li>
 *   <li><b>The boundary day</b>, the partition that contains the cutoff, is deleted row by row in
 *   batches, each its own short transaction; rows younger than the cutoff stay.</li>
 *   <li><b>Session summaries</b> that covered purged interceptions are corrected: removed when
 *   nothing of the session is left, recomputed by aibridge_refresh_sessions otherwise.</li>
 * </ol>
 *
 * One replica purges at a time: the run holds a session-level advisory lock on its own connection
 * for its whole duration, taken with a non-blocking try; a replica that does not get it skips the
 * run. Every step is idempotent and a run picks up whatever an interrupted one left behind (a
 * partition left "detach pending", a detached table not yet dropped, stale summaries).
 */
@ApplicationScoped
public class PurgeService {

    private static final Logger LOG = Logger.getLogger(PurgeService.class);

    /**
     * The purge lock: the two-key form of the advisory lock functions, a key space apart from the
     * single bigint keys of the per-session locks, so the two can never collide.
     */
    private static final String PURGE_LOCK = "hashtext('aibridge'), hashtext('retention-purge')";

    /** SQLSTATE object_not_in_prerequisite_state: e.g. another partition of the table is pending detach. */
    private static final String NOT_IN_PREREQUISITE_STATE = "55000";

    private final DataSource dataSource;
    private final RetentionConfig config;
    private final PartitionRepository partitions;
    private final BoundaryDayRepository boundaryDay;
    private final SessionSummaryRepository sessions;
    private final LockRetry retry;
    private final PurgeMetrics metrics;

    public PurgeService(DataSource dataSource, RetentionConfig config, PartitionRepository partitions,
                        BoundaryDayRepository boundaryDay, SessionSummaryRepository sessions, LockRetry retry,
                        PurgeMetrics metrics) {
        this.dataSource = dataSource;
        this.config = config;
        this.partitions = partitions;
        this.boundaryDay = boundaryDay;
        this.sessions = sessions;
        this.retry = retry;
        this.metrics = metrics;
    }

    /**
     * Runs one purge. Blocking: call it from a thread of its own, never from an event loop.
     *
     * @param runStart  the run's start; interceptions that started before {@code runStart - retention} go
     * @param retention the retention period; zero keeps everything and does nothing
     * @param dryRun    count what would be purged and delete nothing
     */
    public PurgeReport purge(Instant runStart, Duration retention, boolean dryRun) throws SQLException, InterruptedException {
        long started = System.nanoTime();
        if (retention.isZero()) {
            return PurgeReport.nothingDone(PurgeReport.Outcome.DISABLED, runStart, retention, dryRun, Duration.ZERO);
        }
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            if (!tryPurgeLock(connection)) {
                metrics.skippedLockHeld();
                PurgeReport skipped = PurgeReport.nothingDone(PurgeReport.Outcome.LOCK_HELD, runStart, retention, dryRun,
                        elapsedSince(started));
                LOG.info(skipped.summary());
                return skipped;
            }
            try {
                prepareSession(connection);
                PurgeReport.Builder work = new PurgeReport.Builder(dryRun, runStart, retention);
                List<DayPartition> found = partitions.list(connection);
                if (dryRun) {
                    survey(connection, found, work);
                } else {
                    dropExpiredDays(connection, found, work);
                    purgeBoundaryDay(connection, found, work);
                    correctSessions(connection, work);
                }
                PurgeReport report = work.build(elapsedSince(started));
                metrics.recorded(report);
                if (report.outcome() == PurgeReport.Outcome.COMPLETE) {
                    LOG.info(report.summary());
                } else {
                    LOG.warn(report.summary());
                }
                return report;
            } finally {
                releaseSession(connection);
            }
        } catch (SQLException | RuntimeException | InterruptedException e) {
            metrics.failed(elapsedSince(started));
            throw e;
        }
    }

    private static boolean tryPurgeLock(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT pg_try_advisory_lock(" + PURGE_LOCK + ")")) {
            row.next();
            return row.getBoolean(1);
        }
    }

    /**
     * Session settings for the run. A short lock_timeout keeps every statement from queueing for
     * long in front of other sessions' lock requests (a timed-out step is retried, then left to the
     * next run). Asynchronous commit is safe because every step is idempotent: a commit lost in a
     * crash is simply redone by the next run; commits that drop tables flush the WAL regardless.
     */
    private void prepareSession(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET lock_timeout = '" + Math.max(1, config.lockTimeout().toMillis()) + "ms'");
            statement.execute("SET synchronous_commit = off");
            statement.execute("SET application_name = 'aibridge-retention'");
        }
    }

    /** Puts the pooled connection back as it was and releases the purge lock. */
    private static void releaseSession(Connection connection) {
        try (Statement statement = connection.createStatement()) {
            statement.execute("RESET lock_timeout");
            statement.execute("RESET synchronous_commit");
            statement.execute("RESET application_name");
            statement.execute("SELECT pg_advisory_unlock(" + PURGE_LOCK + ")");
        } catch (SQLException e) {
            // A broken connection has released its session lock already; the pool discards it.
            LOG.warnf("Could not release the retention purge lock cleanly: %s", e.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Step 1: whole days
    // ---------------------------------------------------------------------------------------------

    private void dropExpiredDays(Connection connection, List<DayPartition> found, PurgeReport.Builder work)
            throws SQLException, InterruptedException {
        Instant cutoff = work.cutoff();
        for (DayPartition partition : found) {
            if (partition.state() == DayPartition.State.DETACH_PENDING && !partition.entirelyBefore(cutoff)) {
                LOG.warnf("%s is pending detach but inside the retention period; its rows are hidden from queries and "
                        + "other partitions of %s cannot be detached until an operator runs ALTER TABLE %s DETACH PARTITION %s FINALIZE",
                        partition.name(), partition.table().tableName(), partition.table().tableName(), partition.name());
            }
        }
        // Days with a pending detach first: until it is finalized, PostgreSQL refuses every other
        // concurrent detach on that table.
        Map<LocalDate, List<DayPartition>> expiredDays = new TreeMap<>();
        found.stream().filter(partition -> partition.entirelyBefore(cutoff))
                .forEach(partition -> expiredDays.computeIfAbsent(partition.day(), day -> new ArrayList<>()).add(partition));
        List<LocalDate> order = new ArrayList<>(expiredDays.keySet());
        order.sort((a, b) -> Boolean.compare(!hasPending(expiredDays.get(a)), !hasPending(expiredDays.get(b))));

        for (int i = 0; i < order.size(); i++) {
            List<DayPartition> day = expiredDays.get(order.get(i));
            List<DayPartition> detached = new ArrayList<>();
            String deferred = null;
            for (DayPartition partition : day) {
                checkInterrupted();
                try {
                    if (retry.run("detach " + partition.name(), () -> partitions.detach(connection, partition))) {
                        detached.add(partition);
                    }
                } catch (SQLException e) {
                    if (!LockRetry.lostLockRace(e) && !NOT_IN_PREREQUISITE_STATE.equals(e.getSQLState())) {
                        throw e;
                    }
                    deferred = partition.name() + " could not be detached (" + e.getMessage().strip() + ")";
                    break;
                }
            }
            dropDetached(connection, detached, work);
            if (deferred != null) {
                // Whatever kept this partition attached (a long transaction on its table) would
                // hold up the next days too: leave them all to the next run.
                int daysLeft = order.size() - i;
                work.leftForNextRun(deferred + "; " + daysLeft + (daysLeft == 1 ? " day" : " days") + " not dropped");
                return;
            }
        }
    }

    private static boolean hasPending(List<DayPartition> day) {
        return day.stream().anyMatch(partition -> partition.state() == DayPartition.State.DETACH_PENDING);
    }

    private void dropDetached(Connection connection, List<DayPartition> detached, PurgeReport.Builder work)
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
        // Detached tables receive no writes any more, so the count is exactly what the drop removes.
        long[] rows = partitions.countRows(connection, droppable);
        retry.run("drop " + droppable.get(0).day(), () -> {
            partitions.drop(connection, droppable);
            return null;
        });
        for (int i = 0; i < droppable.size(); i++) {
            work.partitionDropped(droppable.get(i), rows[i]);
        }
        LOG.debugf("Dropped %d partitions of %s", droppable.size(), droppable.get(0).day());
    }

    // ---------------------------------------------------------------------------------------------
    // Step 2: the boundary day
    // ---------------------------------------------------------------------------------------------

    private void purgeBoundaryDay(Connection connection, List<DayPartition> found, PurgeReport.Builder work)
            throws SQLException, InterruptedException {
        Instant cutoff = work.cutoff();
        LocalDate day = LocalDate.ofInstant(cutoff, ZoneOffset.UTC);
        Set<PartitionedTable> present = attachedPartitionsOf(day, found);
        if (day.atStartOfDay(ZoneOffset.UTC).toInstant().equals(cutoff) || present.isEmpty()) {
            return; // the day starts at the cutoff (nothing in it is older), or it does not exist
        }
        work.boundaryDay(day);
        int batchSize = config.batchSize();
        try {
            if (present.contains(PartitionedTable.INTERCEPTIONS)) {
                long deleted;
                do {
                    checkInterrupted();
                    Map<PartitionedTable, Long> batch = retry.run("delete a batch of " + day,
                            () -> boundaryDay.deleteBatch(connection, day, cutoff, batchSize, present));
                    work.deletedOnBoundaryDay(batch);
                    deleted = batch.get(PartitionedTable.INTERCEPTIONS);
                } while (deleted == batchSize);
            }
            for (PartitionedTable child : present) {
                if (child == PartitionedTable.INTERCEPTIONS) {
                    continue;
                }
                long swept;
                do {
                    checkInterrupted();
                    swept = retry.run("sweep " + child.partitionName(day),
                            () -> boundaryDay.sweepChildren(connection, child, day, cutoff, batchSize));
                    work.deletedOnBoundaryDay(Map.of(child, swept));
                } while (swept == batchSize);
            }
        } catch (SQLException e) {
            if (!LockRetry.lostLockRace(e)) {
                throw e;
            }
            work.leftForNextRun("boundary day " + day + " only partly purged (" + e.getMessage().strip() + ")");
        }
    }

    private static Set<PartitionedTable> attachedPartitionsOf(LocalDate day, List<DayPartition> found) {
        Set<PartitionedTable> present = EnumSet.noneOf(PartitionedTable.class);
        found.stream().filter(partition -> partition.day().equals(day) && partition.state() == DayPartition.State.ATTACHED)
                .forEach(partition -> present.add(partition.table()));
        return present;
    }

    // ---------------------------------------------------------------------------------------------
    // Step 3: session summaries
    // ---------------------------------------------------------------------------------------------

    private void correctSessions(Connection connection, PurgeReport.Builder work) throws SQLException, InterruptedException {
        Instant cutoff = work.cutoff();
        if (work.complete()) {
            // Everything that started before the cutoff is gone, so a session whose latest visible
            // interception started before it has nothing left: its summary goes, set-based.
            int batchSize = config.batchSize();
            long removed;
            do {
                checkInterrupted();
                removed = retry.run("remove emptied session summaries", () -> sessions.deleteEmptied(connection, cutoff, batchSize));
                work.sessionsRemoved(removed);
            } while (removed == batchSize);
        }
        // The rest (all of them after an incomplete purge) are recomputed from what is left.
        List<SessionKey> touched = sessions.startedBefore(connection, cutoff);
        int batchSize = config.sessionBatchSize();
        long notRefreshed = 0;
        for (int from = 0; from < touched.size(); from += batchSize) {
            checkInterrupted();
            List<SessionKey> batch = touched.subList(from, Math.min(touched.size(), from + batchSize));
            try {
                long gone = retry.run("refresh session summaries", () -> sessions.refresh(connection, batch));
                work.sessionsRemoved(gone);
                work.sessionsRefreshed(batch.size() - gone);
            } catch (SQLException e) {
                if (!LockRetry.lostLockRace(e)) {
                    throw e;
                }
                notRefreshed += batch.size();
            }
        }
        if (notRefreshed > 0) {
            work.leftForNextRun(notRefreshed + " session summaries not refreshed (their locks stayed busy)");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Dry run
    // ---------------------------------------------------------------------------------------------

    private void survey(Connection connection, List<DayPartition> found, PurgeReport.Builder work) throws SQLException {
        Instant cutoff = work.cutoff();
        List<DayPartition> expired = found.stream().filter(partition -> partition.entirelyBefore(cutoff))
                .collect(Collectors.toList());
        long[] rows = partitions.countRows(connection, expired);
        for (int i = 0; i < expired.size(); i++) {
            work.partitionDropped(expired.get(i), rows[i]);
        }
        LocalDate day = LocalDate.ofInstant(cutoff, ZoneOffset.UTC);
        Set<PartitionedTable> present = attachedPartitionsOf(day, found);
        if (!day.atStartOfDay(ZoneOffset.UTC).toInstant().equals(cutoff) && !present.isEmpty()) {
            work.boundaryDay(day);
            work.deletedOnBoundaryDay(boundaryDay.countBefore(connection, day, cutoff, present));
        }
        SessionSummaryRepository.Affected affected = sessions.countAffected(connection, cutoff);
        work.sessionsRemoved(affected.emptied());
        work.sessionsRefreshed(affected.touched() - affected.emptied());
    }

    private static void checkInterrupted() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("retention purge interrupted");
        }
    }

    private static Duration elapsedSince(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }
}

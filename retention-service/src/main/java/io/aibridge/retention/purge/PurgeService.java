package io.aibridge.retention.purge;

import io.aibridge.retention.config.RetentionConfig;
import io.aibridge.retention.purge.SessionSummaryRepository.SessionKey;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
 * run. All three steps run on the lock's connection, one statement at a time, each followed by a
 * pause in proportion to its duration ({@link PurgePace}). Every step is idempotent, and a run picks up whatever an interrupted one left
 * behind (a partition left "detach pending", a detached table not yet dropped, stale summaries).
 */
@ApplicationScoped
public class PurgeService {

    private static final Logger LOG = Logger.getLogger(PurgeService.class);

    /**
     * At most this many emptied summaries are deleted per statement, of whole users where they fit.
     * Each delete also takes the deleted sessions away from their users' value counts (schema V44),
     * whose rows the recorder updates whenever it stores a new session for that user; the delete
     * holds those rows until it commits, so its statements are kept short and the recorder never
     * waits long behind one.
     */
    static final int EMPTIED_SUMMARIES_PER_STATEMENT = 1_000;

    /** At most this many emptied summaries are read (as row ids) at once, a few megabytes. */
    static final int EMPTIED_SUMMARIES_PER_READ = 50_000;

    private final DataSource dataSource;
    private final RetentionConfig config;
    private final PartitionRepository partitions;
    private final ExpiredDayDropper expiredDays;
    private final BoundaryDayRepository boundaryDay;
    private final SessionSummaryRepository sessions;
    private final LockRetry retry;
    private final PurgePace pace;
    private final PurgeMetrics metrics;

    public PurgeService(DataSource dataSource, RetentionConfig config, PartitionRepository partitions,
                        ExpiredDayDropper expiredDays, BoundaryDayRepository boundaryDay, SessionSummaryRepository sessions,
                        LockRetry retry, PurgePace pace, PurgeMetrics metrics) {
        this.dataSource = dataSource;
        this.config = config;
        this.partitions = partitions;
        this.expiredDays = expiredDays;
        this.boundaryDay = boundaryDay;
        this.sessions = sessions;
        this.retry = retry;
        this.pace = pace;
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
        PurgeReport.Builder work = new PurgeReport.Builder(dryRun, runStart, retention);
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            if (!PurgeSession.tryPurgeLock(connection)) {
                metrics.skippedLockHeld();
                PurgeReport skipped = PurgeReport.nothingDone(PurgeReport.Outcome.LOCK_HELD, runStart, retention, dryRun,
                        elapsedSince(started));
                LOG.info(skipped.summary());
                return skipped;
            }
            try {
                List<String> missing = RequiredSchema.missing(connection);
                if (!missing.isEmpty()) {
                    return PurgeReport.waitingForSchema(runStart, retention, dryRun, missing, elapsedSince(started));
                }
                PurgeSession.prepare(connection, config);
                List<DayPartition> found = partitions.list(connection);
                if (dryRun) {
                    survey(connection, found, work);
                } else {
                    long step = System.nanoTime();
                    expiredDays.dropExpiredDays(connection, found, work);
                    work.daysTook(elapsedSince(step));
                    step = System.nanoTime();
                    purgeBoundaryDay(connection, found, work);
                    work.boundaryDayTook(elapsedSince(step));
                    step = System.nanoTime();
                    correctSessions(connection, work);
                    work.sessionsTook(elapsedSince(step));
                }
            } finally {
                PurgeSession.release(connection, true);
            }
        } catch (SQLException | RuntimeException | InterruptedException e) {
            // What was purged before the failure still counts; the next run does the rest.
            work.leftForNextRun("the run stopped: " + e);
            PurgeReport partial = work.build(elapsedSince(started));
            if (!dryRun) {
                metrics.recorded(partial);
            }
            LOG.warn(partial.summary());
            throw e;
        }
        PurgeReport report = work.build(elapsedSince(started));
        metrics.recorded(report);
        if (report.outcome() == PurgeReport.Outcome.COMPLETE) {
            LOG.info(report.summary());
        } else {
            LOG.warn(report.summary());
        }
        return report;
    }

    /**
     * Opens a connection of the pool and hands it back, where the first run finds it. The first
     * connection of a fresh JVM costs more than a quarter of a second (the driver's classes, the
     * server's authentication, a new backend; 265 ms in the purge benchmark), which is the start's
     * work, not the run's: without this the run at start would count it in its own duration and
     * hold the purge lock through it. Blocking, like a run.
     *
     * @return how long it took
     */
    public Duration connect() throws SQLException {
        long started = System.nanoTime();
        dataSource.getConnection().close();
        return elapsedSince(started);
    }

    /**
     * For {@code AIBRIDGE_RETENTION=0}: removes the retention horizon (schema V49) that earlier runs
     * left, since nothing is expired any more and the recorder must store late events of any day.
     * Blocking, like a run.
     *
     * @return the day the horizon was at, or empty when there was none
     */
    public Optional<LocalDate> clearHorizon() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            return partitions.clearHorizon(connection);
        }
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
                    PurgeSession.checkInterrupted();
                    long started = System.nanoTime();
                    Map<PartitionedTable, Long> batch = retry.run("delete a batch of " + day,
                            () -> boundaryDay.deleteBatch(connection, day, cutoff, batchSize, present));
                    work.deletedOnBoundaryDay(batch);
                    deleted = batch.get(PartitionedTable.INTERCEPTIONS);
                    pace.pause(started, work);
                } while (deleted == batchSize);
            }
            for (PartitionedTable child : present) {
                if (child == PartitionedTable.INTERCEPTIONS) {
                    continue;
                }
                long swept;
                do {
                    PurgeSession.checkInterrupted();
                    long started = System.nanoTime();
                    swept = retry.run("sweep " + child.partitionName(day),
                            () -> boundaryDay.sweepChildren(connection, child, day, cutoff, batchSize));
                    work.deletedOnBoundaryDay(Map.of(child, swept));
                    pace.pause(started, work);
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
            // interception started before it has nothing left: its summary goes, by row id, whole users
            // per statement. Another read follows a full one as long as the last one deleted something.
            int perStatement = Math.min(config.batchSize(), EMPTIED_SUMMARIES_PER_STATEMENT);
            SessionSummaryRepository.Emptied found;
            long removedInRead;
            do {
                found = retry.run("find emptied session summaries",
                        () -> sessions.findEmptied(connection, cutoff, EMPTIED_SUMMARIES_PER_READ, perStatement));
                removedInRead = 0;
                for (List<String> batch : found.batches()) {
                    PurgeSession.checkInterrupted();
                    long started = System.nanoTime();
                    long removed = retry.run("remove emptied session summaries",
                            () -> sessions.deleteEmptied(connection, batch, cutoff));
                    work.sessionsRemoved(removed);
                    removedInRead += removed;
                    pace.pause(started, work);
                }
            } while (found.more() && removedInRead > 0);
        }
        // The rest (all of them after an incomplete purge) are recomputed from what is left; after the
        // horizon went down, also those of the days an earlier run may have dropped without correcting them.
        List<SessionKey> touched = sessions.startedBefore(connection, work.refreshSessionsStartedBefore());
        int batchSize = config.sessionBatchSize();
        long notRefreshed = 0;
        for (int from = 0; from < touched.size(); from += batchSize) {
            PurgeSession.checkInterrupted();
            List<SessionKey> batch = touched.subList(from, Math.min(touched.size(), from + batchSize));
            long started = System.nanoTime();
            try {
                long gone = retry.run("refresh session summaries", () -> sessions.refresh(connection, batch));
                work.sessionsRemoved(gone);
                work.sessionsRefreshed(batch.size() - gone);
                pace.pause(started, work);
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

    private void survey(Connection connection, List<DayPartition> found, PurgeReport.Builder work)
            throws SQLException, InterruptedException {
        Instant cutoff = work.cutoff();
        List<DayPartition> expired = found.stream().filter(partition -> partition.entirelyBefore(cutoff))
                .collect(Collectors.toList());
        ExpiredDayDropper.keptButDetached(found, cutoff).forEach(work::partitionReattached);
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

    private static Duration elapsedSince(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }
}

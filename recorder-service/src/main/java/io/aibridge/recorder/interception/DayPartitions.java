package io.aibridge.recorder.interception;

import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Makes sure the day partitions a batch writes to exist. The schema has no DEFAULT partition (it
 * would block {@code DETACH ... CONCURRENTLY} for retention), so a row for a day without its
 * partition is refused. Days already made sure of are cached; the cache is forgotten when a row is
 * refused anyway (retention removed the day), and the retried batch checks the day again.
 *
 * <p>A day being purged, or purged, is never brought back. Retention first detaches every expired
 * day's partitions ({@code DETACH PARTITION ... CONCURRENTLY}) and drops them later; meanwhile the
 * detached (or pending-detach) table still has its name, so {@code aibridge_ensure_day_partitions}
 * would create nothing and every insert would be refused, and once the table was dropped it would
 * create the day again for the late event. So before creating days, the days not cached yet are
 * checked (one query, none at all once every day of a batch is cached): a day is expired when it
 * is at or before the retention horizon, which retention raises to the newest day it purges before
 * it detaches anything (schema V49), or when a partition of it exists but is not attached (in
 * {@code pg_inherits}, not pending detach). {@link #ensure} refuses a batch with an expired day
 * ({@link ExpiredDay}), which the consumer narrows down to the late events and dead-letters. The
 * recorder does not know the retention period; the horizon and detached partitions tell it a day
 * is gone. A fresh install replaying the topic has no horizon and creates its earliest days.
 *
 * <p>The horizon can go down (the retention period was raised, or set to 0, which removes it): a
 * day found expired is refused without a query for {@value #EXPIRED_RECHECK_SECONDS} s only, then
 * checked again, so late events of a day that retention keeps again are stored, not dead-lettered
 * for the life of the process.
 *
 * <p>Runs on a connection in auto-commit mode, before the batch's transaction: a partition created
 * here stays even if the batch then fails, so the cache never claims a day that was rolled back,
 * and the batch does not hold the partition-creation lock while it writes.
 */
final class DayPartitions {

    private static final String ENSURE = "SELECT aibridge_ensure_day_partitions(?, ?)";

    /**
     * The days among the given ones that retention has purged or is purging: at or before its
     * horizon (schema V49; no row, no horizon), or with a partition of some table that exists but
     * is not attached.
     */
    private static final String EXPIRED_DAYS = """
            SELECT d.day
            FROM unnest(?::date[]) AS d(day)
            WHERE d.day <= (SELECT h.purged_through FROM aibridge_retention_horizon h)
               OR EXISTS (SELECT 1
                          FROM unnest(aibridge_partitioned_tables()) AS t(parent)
                          JOIN pg_class c ON c.oid = to_regclass(t.parent || '_p' || to_char(d.day, 'YYYYMMDD'))
                          WHERE NOT EXISTS (SELECT 1 FROM pg_inherits i
                                            WHERE i.inhrelid = c.oid AND i.inhparent = t.parent::regclass
                                              AND NOT i.inhdetachpending))
            ORDER BY 1
            """;

    /** How long a day found expired is refused without asking the database again. */
    static final long EXPIRED_RECHECK_SECONDS = 10;

    private final Set<LocalDate> ensured = ConcurrentHashMap.newKeySet();
    /** Days found purged or being purged by retention, with when ({@link #clock}): refused until checked again. */
    private final Map<LocalDate, Long> expired = new ConcurrentHashMap<>();
    /** Nanoseconds on a monotonic clock, as {@link System#nanoTime()}. */
    private final LongSupplier clock;

    DayPartitions() {
        this(System::nanoTime);
    }

    DayPartitions(LongSupplier clock) {
        this.clock = clock;
    }

    void ensure(Connection connection, SortedSet<LocalDate> days) throws SQLException {
        List<LocalDate> missing = new ArrayList<>();
        for (LocalDate day : days) {
            Long foundAt = expired.get(day);
            if (foundAt != null) {
                if (clock.getAsLong() - foundAt < TimeUnit.SECONDS.toNanos(EXPIRED_RECHECK_SECONDS)) {
                    throw new ExpiredDay(day);
                }
                expired.remove(day, foundAt);
            }
            if (!ensured.contains(day)) {
                missing.add(day);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        SortedSet<LocalDate> gone = expired(connection, missing);
        if (!gone.isEmpty()) {
            long now = clock.getAsLong();
            gone.forEach(day -> expired.put(day, now));
            throw new ExpiredDay(gone.first());
        }
        try (PreparedStatement statement = connection.prepareStatement(ENSURE)) {
            // One call per run of consecutive days: a batch with an old straggler must not create every day in between.
            int start = 0;
            for (int i = 1; i <= missing.size(); i++) {
                if (i == missing.size() || !missing.get(i).equals(missing.get(i - 1).plusDays(1))) {
                    statement.setObject(1, missing.get(start));
                    statement.setObject(2, missing.get(i - 1));
                    statement.executeQuery().close();
                    start = i;
                }
            }
        }
        ensured.addAll(missing);
    }

    private static SortedSet<LocalDate> expired(Connection connection, List<LocalDate> days) throws SQLException {
        SortedSet<LocalDate> expired = new TreeSet<>();
        try (PreparedStatement statement = connection.prepareStatement(EXPIRED_DAYS)) {
            statement.setArray(1, connection.createArrayOf("date", days.stream().map(Date::valueOf).toArray()));
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    expired.add(rs.getObject(1, LocalDate.class));
                }
            }
        }
        return expired;
    }

    /** Forgets every day made sure of: the next batches check their days again. */
    void forget() {
        ensured.clear();
    }

    /**
     * A batch has events of a day that retention is purging or has purged. Not a database failure that passes:
     * the consumer isolates the events of that day and dead-letters them with this message.
     */
    static final class ExpiredDay extends RuntimeException {
        ExpiredDay(LocalDate day) {
            super("the day " + day + " is being purged by retention (past retention: its partitions are detached or already "
                            + "dropped); its late events are not stored",
                    null, false, false);
        }
    }
}

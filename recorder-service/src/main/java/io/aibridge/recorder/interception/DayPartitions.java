package io.aibridge.recorder.interception;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes sure the day partitions a batch writes to exist. The schema has no DEFAULT partition (it
 * would block {@code DETACH ... CONCURRENTLY} for retention), so a row for a day without its
 * partition is refused. Days already made sure of are cached; the cache is forgotten when a row is
 * refused anyway (retention dropped the day), and the retried batch creates the day again.
 *
 * <p>Runs on a connection in auto-commit mode, before the batch's transaction: a partition created
 * here stays even if the batch then fails, so the cache never claims a day that was rolled back,
 * and the batch does not hold the partition-creation lock while it writes.
 */
final class DayPartitions {

    private static final String ENSURE = "SELECT aibridge_ensure_day_partitions(?, ?)";

    private final Set<LocalDate> ensured = ConcurrentHashMap.newKeySet();

    void ensure(Connection connection, SortedSet<LocalDate> days) throws SQLException {
        List<LocalDate> missing = new ArrayList<>();
        for (LocalDate day : days) {
            if (!ensured.contains(day)) {
                missing.add(day);
            }
        }
        if (missing.isEmpty()) {
            return;
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

    /** Forgets every day: the next batches check their days again. */
    void forget() {
        ensured.clear();
    }
}

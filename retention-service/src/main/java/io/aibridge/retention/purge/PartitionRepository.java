package io.aibridge.retention.purge;

import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The day partitions of the five interception tables in the catalog, and the DDL that removes whole
 * days: {@code DETACH PARTITION ... CONCURRENTLY} (or {@code FINALIZE} after an interrupted one),
 * then {@code DROP TABLE}. Every statement runs on the caller's connection in autocommit mode:
 * a concurrent detach cannot run inside a transaction block.
 */
@ApplicationScoped
public class PartitionRepository {

    /**
     * Every table named like a day partition in the current schema: attached, pending detach, or
     * detached but not dropped (an interrupted purge leaves the last two behind).
     */
    private static final String LIST = """
            SELECT c.relname, p.relname AS parent, i.inhdetachpending
            FROM pg_class c
            LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
            LEFT JOIN pg_class p ON p.oid = i.inhparent
            WHERE c.relnamespace = current_schema()::regnamespace
              AND c.relkind = 'r'
              AND c.relname LIKE ANY (?::text[])
            """;

    /** Whether each named table exists and, if it is a partition, whether it is pending detach. */
    private static final String STATES = """
            SELECT to_regclass(n.name) IS NOT NULL AS present,
                   (SELECT i.inhdetachpending FROM pg_inherits i WHERE i.inhrelid = to_regclass(n.name)) AS pending
            FROM unnest(?::text[]) WITH ORDINALITY AS n(name, position)
            ORDER BY n.position
            """;

    private static final String SET_HORIZON = """
            WITH previous AS (SELECT purged_through FROM aibridge_retention_horizon)
            INSERT INTO aibridge_retention_horizon AS h (id, purged_through) VALUES (true, ?)
            ON CONFLICT (id) DO UPDATE SET purged_through = excluded.purged_through
            RETURNING (SELECT purged_through FROM previous)
            """;

    /** All day partitions in the catalog, oldest day first, interceptions first within a day. */
    public List<DayPartition> list(Connection connection) throws SQLException {
        List<DayPartition> found = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(LIST)) {
            statement.setArray(1, connection.createArrayOf("text", PartitionedTable.partitionNamePatterns().toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    String parent = rows.getString("parent");
                    DayPartition.State state = parent == null ? DayPartition.State.DETACHED
                            : rows.getBoolean("inhdetachpending") ? DayPartition.State.DETACH_PENDING
                            : DayPartition.State.ATTACHED;
                    PartitionedTable.parse(rows.getString("relname"), state)
                            // a table attached to something other than its namesake is not ours to touch
                            .filter(partition -> parent == null || parent.equals(partition.table().tableName()))
                            .ifPresent(found::add);
                }
            }
        }
        found.sort(Comparator.comparing(DayPartition::day).thenComparing(DayPartition::table));
        return found;
    }

    /** The partition's current state, or empty when it no longer exists. */
    public Optional<DayPartition.State> state(Connection connection, DayPartition partition) throws SQLException {
        return states(connection, List.of(partition)).get(0);
    }

    /** The partitions' current states, in the given order, in one query; empty for one that no longer exists. */
    public List<Optional<DayPartition.State>> states(Connection connection, List<DayPartition> partitions) throws SQLException {
        List<Optional<DayPartition.State>> states = new ArrayList<>(partitions.size());
        try (PreparedStatement statement = connection.prepareStatement(STATES)) {
            statement.setArray(1, connection.createArrayOf("text",
                    partitions.stream().map(partition -> quoted(partition.name())).toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    Object pending = rows.getObject("pending");
                    states.add(!rows.getBoolean("present") ? Optional.empty()
                            : pending == null ? Optional.of(DayPartition.State.DETACHED)
                            : Optional.of((Boolean) pending ? DayPartition.State.DETACH_PENDING : DayPartition.State.ATTACHED));
                }
            }
        }
        return states;
    }

    /**
     * Detaches the partition from its table without blocking writes to the other partitions.
     * {@code CONCURRENTLY} works in two transactions: the first marks the partition "detach pending"
     * (from then on new queries ignore it), the second waits for every transaction that may still
     * use it and completes the detach. If the second one is cancelled (our lock_timeout, a
     * shutdown), the partition stays pending and only {@code FINALIZE} completes it; PostgreSQL also
     * refuses any other concurrent detach on the table until then. One attempt: the caller retries.
     *
     * @return false when the partition no longer exists
     */
    public boolean detach(Connection connection, DayPartition partition) throws SQLException {
        Optional<DayPartition.State> state = state(connection, partition);
        if (state.isEmpty()) {
            return false;
        }
        String alter = "ALTER TABLE " + quoted(partition.table().tableName()) + " DETACH PARTITION " + quoted(partition.name());
        try (Statement statement = connection.createStatement()) {
            switch (state.get()) {
                case ATTACHED -> statement.execute(alter + " CONCURRENTLY");
                case DETACH_PENDING -> statement.execute(alter + " FINALIZE");
                case DETACHED -> {
                    // already done
                }
            }
        }
        return true;
    }

    /**
     * Puts a partition that an interrupted purge left detached, or half detached, back on its table:
     * its day is inside the retention period again (the period was raised since), so its rows must
     * be visible and the recorder must be able to write late events of the day. A half-detached one
     * is finalized first. {@code ATTACH PARTITION} takes SHARE UPDATE EXCLUSIVE on the table, so
     * writes to the other days go on; it reads the partition once to check that its rows belong to
     * the day. One attempt: the caller retries. Idempotent: a retry after the finalize attaches.
     *
     * @return false when the partition no longer exists
     */
    public boolean reattach(Connection connection, DayPartition partition) throws SQLException {
        Optional<DayPartition.State> state = state(connection, partition);
        if (state.isEmpty()) {
            return false;
        }
        String table = quoted(partition.table().tableName());
        String name = quoted(partition.name());
        try (Statement statement = connection.createStatement()) {
            if (state.get() == DayPartition.State.DETACH_PENDING) {
                statement.execute("ALTER TABLE " + table + " DETACH PARTITION " + name + " FINALIZE");
            }
            if (state.get() != DayPartition.State.ATTACHED) {
                // the bounds aibridge_ensure_day_partitions gives a day: [day 00:00 UTC, next day 00:00 UTC)
                statement.execute("ALTER TABLE " + table + " ATTACH PARTITION " + name + " FOR VALUES FROM ('"
                        + partition.day() + " 00:00:00+00') TO ('" + partition.day().plusDays(1) + " 00:00:00+00')");
            }
        }
        return true;
    }

    /** Exact row counts of detached (or, for a dry run, attached) partitions, in the given order. */
    public long[] countRows(Connection connection, List<DayPartition> partitions) throws SQLException {
        if (partitions.isEmpty()) {
            return new long[0];
        }
        StringBuilder query = new StringBuilder("SELECT ");
        for (int i = 0; i < partitions.size(); i++) {
            query.append(i == 0 ? "" : ", ").append("(SELECT count(*) FROM ").append(quoted(partitions.get(i).name())).append(')');
        }
        long[] counts = new long[partitions.size()];
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(query.toString())) {
            row.next();
            for (int i = 0; i < counts.length; i++) {
                counts[i] = row.getLong(i + 1);
            }
        }
        return counts;
    }

    /**
     * Drops detached partitions in one statement. Nothing can be using them any more (the
     * concurrent detach waited for every transaction that could), so this never waits for a lock;
     * one statement means one commit, which matters because a commit that deletes files always
     * flushes the WAL.
     */
    public void drop(Connection connection, List<DayPartition> partitions) throws SQLException {
        if (partitions.isEmpty()) {
            return;
        }
        StringBuilder drop = new StringBuilder("DROP TABLE IF EXISTS ");
        for (int i = 0; i < partitions.size(); i++) {
            drop.append(i == 0 ? "" : ", ").append(quoted(partitions.get(i).name()));
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute(drop.toString());
        }
    }

    /**
     * Sets the retention horizon (schema V49) to {@code day}, the last day the run's retention
     * expires. Called before the days up to it are detached: from then on the recorder refuses to
     * create any day at or before it, so a late event cannot bring a dropped day back while it is
     * expired. It goes down when the retention period was raised (or the clock of an earlier run
     * was ahead): the days the current retention keeps are accepted again, so late events of them
     * (a replay, a backlog) are stored instead of dead-lettered. Ahead of a purge that then fails
     * it is harmless: those days are past retention anyway.
     *
     * @return the day it was at before, or empty when there was none
     */
    public Optional<LocalDate> setHorizon(Connection connection, LocalDate day) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(SET_HORIZON)) {
            statement.setObject(1, day);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? Optional.ofNullable(row.getObject(1, LocalDate.class)) : Optional.empty();
            }
        }
    }

    /**
     * Removes the retention horizon ({@code AIBRIDGE_RETENTION=0}: nothing is expired any more);
     * returns the day it was, or empty when there was none (or no table yet).
     */
    public Optional<LocalDate> clearHorizon(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            boolean table;
            try (ResultSet row = statement.executeQuery("SELECT to_regclass('aibridge_retention_horizon') IS NOT NULL")) {
                row.next();
                table = row.getBoolean(1);
            }
            if (!table) {
                return Optional.empty();
            }
            try (ResultSet row = statement.executeQuery("DELETE FROM aibridge_retention_horizon RETURNING purged_through")) {
                return row.next() ? Optional.of(row.getObject(1, LocalDate.class)) : Optional.empty();
            }
        }
    }

    /** Names come from {@link PartitionedTable} and a date, never from input; quoting is belt and braces. */
    static String quoted(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}

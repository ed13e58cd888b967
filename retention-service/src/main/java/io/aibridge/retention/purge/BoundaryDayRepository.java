package io.aibridge.retention.purge;

import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

import static io.aibridge.retention.purge.PartitionRepository.quoted;

/**
 * The boundary day: the one partition that holds the cutoff, purged row by row. Each batch is one
 * autocommit statement (a short transaction of its own) that deletes a batch of interceptions
 * started before the cutoff together with their children, so readers never see an interception
 * without its children. Statements name the day's partitions directly, so they can only ever touch
 * that day, and every condition compares the interception's start with the cutoff: nothing younger
 * is touched.
 */
@ApplicationScoped
public class BoundaryDayRepository {

    /**
     * Deletes up to {@code limit} interceptions of {@code day} started before {@code cutoff}, and
     * their children in the day's child partitions that exist.
     *
     * @return rows deleted per table
     */
    public Map<PartitionedTable, Long> deleteBatch(Connection connection, LocalDate day, Instant cutoff, int limit,
                                                   Set<PartitionedTable> partitionsOfDay) throws SQLException {
        String interceptions = quoted(PartitionedTable.INTERCEPTIONS.partitionName(day));
        StringBuilder sql = new StringBuilder()
                .append("WITH batch AS (DELETE FROM ").append(interceptions)
                .append(" WHERE id IN (SELECT id FROM ").append(interceptions).append(" WHERE started_at < ? LIMIT ?)")
                .append(" AND started_at < ? RETURNING id)");
        for (PartitionedTable child : children(partitionsOfDay)) {
            sql.append(", ").append(child.name()).append(" AS (DELETE FROM ").append(quoted(child.partitionName(day)))
                    .append(" c USING batch b WHERE c.interception_id = b.id AND c.interception_started_at < ? RETURNING 1)");
        }
        sql.append(" SELECT (SELECT count(*) FROM batch)");
        for (PartitionedTable child : children(partitionsOfDay)) {
            sql.append(", (SELECT count(*) FROM ").append(child.name()).append(')');
        }
        OffsetDateTime before = utc(cutoff);
        try (PreparedStatement statement = connection.prepareStatement(sql.toString())) {
            int parameter = 1;
            statement.setObject(parameter++, before);
            statement.setInt(parameter++, limit);
            statement.setObject(parameter++, before);
            for (int i = 0; i < children(partitionsOfDay).length; i++) {
                statement.setObject(parameter++, before);
            }
            Map<PartitionedTable, Long> deleted = new EnumMap<>(PartitionedTable.class);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                deleted.put(PartitionedTable.INTERCEPTIONS, row.getLong(1));
                int column = 2;
                for (PartitionedTable child : children(partitionsOfDay)) {
                    deleted.put(child, row.getLong(column++));
                }
            }
            return deleted;
        }
    }

    /**
     * Deletes up to {@code limit} rows of a child partition of {@code day} whose interception
     * started before {@code cutoff} but is not there (any more): children written after their
     * interception's batch was deleted, or before its start was ever stored.
     *
     * @return rows deleted
     */
    public long sweepChildren(Connection connection, PartitionedTable child, LocalDate day, Instant cutoff, int limit)
            throws SQLException {
        String partition = quoted(child.partitionName(day));
        String sql = "DELETE FROM " + partition + " WHERE ctid = ANY (ARRAY(SELECT ctid FROM " + partition
                + " WHERE interception_started_at < ? LIMIT ?))";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, utc(cutoff));
            statement.setInt(2, limit);
            return statement.executeUpdate();
        }
    }

    /** Rows per table of {@code day} that started before {@code cutoff} (for a dry run). */
    public Map<PartitionedTable, Long> countBefore(Connection connection, LocalDate day, Instant cutoff,
                                                   Set<PartitionedTable> partitionsOfDay) throws SQLException {
        Map<PartitionedTable, Long> counts = new EnumMap<>(PartitionedTable.class);
        for (PartitionedTable table : PartitionedTable.values()) {
            if (!partitionsOfDay.contains(table)) {
                continue;
            }
            String sql = "SELECT count(*) FROM " + quoted(table.partitionName(day)) + " WHERE " + table.startColumn() + " < ?";
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.setObject(1, utc(cutoff));
                try (ResultSet row = statement.executeQuery()) {
                    row.next();
                    counts.put(table, row.getLong(1));
                }
            }
        }
        return counts;
    }

    /** timestamptz parameters as OffsetDateTime: no dependence on the JVM's time zone. */
    static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private static PartitionedTable[] children(Set<PartitionedTable> partitionsOfDay) {
        return partitionsOfDay.stream().filter(table -> table != PartitionedTable.INTERCEPTIONS)
                .sorted().toArray(PartitionedTable[]::new);
    }
}

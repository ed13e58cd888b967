package io.aibridge.retention.purge;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a purge needs of the schema recorder-service migrates: the five interception tables, the
 * session summaries, the retention horizon (V49) and the functions it calls. A retention-service
 * that starts before the recorder has migrated a new database (both start together on a fresh
 * install) waits for them instead of failing half-way through its first run.
 */
final class RequiredSchema {

    static final List<String> RELATIONS = Stream.concat(Stream.of(PartitionedTable.values()).map(PartitionedTable::tableName),
            Stream.of("aibridge_sessions", "aibridge_retention_horizon")).toList();
    static final List<String> FUNCTIONS = List.of("aibridge_ensure_day_partitions", "aibridge_lock_sessions", "aibridge_refresh_sessions");

    private static final String MISSING = """
            SELECT r.name FROM unnest(?::text[]) AS r(name) WHERE to_regclass(r.name) IS NULL
            UNION ALL
            SELECT f.name || '()' FROM unnest(?::text[]) AS f(name)
            WHERE NOT EXISTS (SELECT 1 FROM pg_proc p WHERE p.proname = f.name AND p.pronamespace = ANY (current_schemas(false)::regnamespace[]))
            """;

    private RequiredSchema() {
    }

    /** The tables and functions ({@code name()}) not there yet, in the search path; empty when the purge can run. */
    static List<String> missing(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(MISSING)) {
            Array relations = connection.createArrayOf("text", RELATIONS.toArray());
            Array functions = connection.createArrayOf("text", FUNCTIONS.toArray());
            statement.setArray(1, relations);
            statement.setArray(2, functions);
            List<String> missing = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    missing.add(rows.getString(1));
                }
            }
            return missing;
        }
    }
}

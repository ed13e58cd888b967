package io.aibridge.query.catalog;

import io.aibridge.query.access.Caller;
import io.aibridge.query.db.Snapshots;
import io.aibridge.query.db.Sql;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Distinct models and clients of the visible interceptions, read from the session summaries'
 * distinct-value arrays (which cover exactly the visible interceptions): a few values per session
 * instead of one per interception.
 */
@ApplicationScoped
public class CatalogRepository {

    /** The column of {@code aibridge_sessions} that holds the values. */
    public enum Catalog {
        MODELS("models"), CLIENTS("clients");

        private final String column;

        Catalog(String column) {
            this.column = column;
        }
    }

    private final Snapshots snapshots;

    public CatalogRepository(Snapshots snapshots) {
        this.snapshots = snapshots;
    }

    /** Sorted distinct values the caller may see, starting with {@code prefix} (case-sensitive) when given. */
    public List<String> values(Caller caller, Catalog catalog, String prefix, int limit) {
        return snapshots.read(c -> {
            Sql sql = new Sql("SELECT DISTINCT v FROM aibridge_sessions s CROSS JOIN LATERAL unnest(s." + catalog.column + ") AS v WHERE TRUE");
            caller.restrictedTo().ifPresent(id -> sql.append(" AND s.initiator_id = ?", id));
            if (prefix != null) {
                sql.append(" AND starts_with(v, ?)", prefix);
            }
            sql.append(" ORDER BY v LIMIT ?", limit);
            List<String> out = new ArrayList<>();
            try (PreparedStatement s = sql.prepare(c); ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        });
    }
}

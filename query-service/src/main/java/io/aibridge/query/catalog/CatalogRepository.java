package io.aibridge.query.catalog;

import io.aibridge.query.access.Caller;
import io.aibridge.query.db.Snapshots;
import io.aibridge.query.db.Sql;
import io.aibridge.query.search.FilterSql;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Distinct models and clients of the interceptions the caller may see, sorted. For owners and
 * auditors, a skip scan over the interceptions' model and client indexes (V20): one probe per
 * distinct value and day, however many interceptions there are. For a member, the distinct-value
 * arrays of their own session summaries, which cover exactly their visible interceptions, and the
 * models of the interceptions of their sessions whose summaries leave models out (rare: past 32
 * models or 1,024 bytes of them, schema V48).
 */
@ApplicationScoped
public class CatalogRepository {

    /** A list and where its values live. */
    public enum Catalog {
        MODELS("i.model", "models"), CLIENTS("coalesce(i.client, 'Unknown')", "clients");

        /** The interception expression, exactly as indexed. */
        private final String expression;
        /** The summary column with the session's distinct values. */
        private final String summaryColumn;

        Catalog(String expression, String summaryColumn) {
            this.expression = expression;
            this.summaryColumn = summaryColumn;
        }
    }

    private final Snapshots snapshots;

    public CatalogRepository(Snapshots snapshots) {
        this.snapshots = snapshots;
    }

    /** Sorted distinct values the caller may see, starting with {@code prefix} (case-sensitive) when given. */
    public List<String> values(Caller caller, Catalog catalog, String prefix, int limit) {
        return snapshots.read(c -> {
            Sql sql;
            if (caller.restrictedTo().isPresent()) {
                UUID member = caller.restrictedTo().get();
                sql = new Sql("SELECT DISTINCT v FROM (SELECT v FROM aibridge_sessions s CROSS JOIN LATERAL unnest(s."
                        + catalog.summaryColumn + ") AS v WHERE s.initiator_id = ?", member);
                if (catalog == Catalog.MODELS) {
                    // a summary past its model bound (schema V48) leaves models out: its interceptions have them
                    sql.append(" UNION ALL SELECT i.model FROM aibridge_sessions s JOIN aibridge_interceptions i"
                            + " ON i.session_id = s.session_id AND i.initiator_id = s.initiator_id"
                            + " AND i.started_at >= s.started_at AND i.started_at <= s.last_started_at"
                            + " WHERE s.initiator_id = ? AND s.models_cut IS NOT NULL AND " + FilterSql.visible("i"), member);
                }
                sql.append(") AS d(v) WHERE v IS NOT NULL");
                if (prefix != null) {
                    sql.append(" AND starts_with(v, ?)", prefix);
                }
                sql.append(" ORDER BY v LIMIT ?", limit);
            } else {
                // each step finds the next distinct value with a min() that the planner answers from the index
                String next = "SELECT min(" + catalog.expression + ") FROM aibridge_interceptions i WHERE " + FilterSql.visible("i");
                sql = new Sql("WITH RECURSIVE d(v) AS (SELECT (" + next + ")"
                        + " UNION ALL SELECT (" + next + " AND " + catalog.expression + " > d.v) FROM d WHERE d.v IS NOT NULL)"
                        + " SELECT v FROM d WHERE v IS NOT NULL");
                if (prefix != null) {
                    sql.append(" AND starts_with(v, ?)", prefix);
                }
                sql.append(" LIMIT ?", limit);
            }
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

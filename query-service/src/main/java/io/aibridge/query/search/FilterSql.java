package io.aibridge.query.search;

import io.aibridge.query.access.Caller;
import io.aibridge.query.db.Sql;

/** The filters and the caller's visibility as SQL conditions on interception rows. */
public final class FilterSql {

    /** An interception is visible once both its start and its end are stored. */
    public static final String VISIBLE = "%1$s.ended_at IS NOT NULL AND %1$s.initiator_id IS NOT NULL";

    private FilterSql() {
    }

    public static String visible(String alias) {
        return String.format(VISIBLE, alias);
    }

    /** Visibility for the caller plus every filter, each appended as {@code AND ...}. */
    public static void visibleMatching(Sql sql, String i, Caller caller, Filters f) {
        sql.append(" AND " + visible(i));
        caller.restrictedTo().ifPresent(id -> sql.append(" AND " + i + ".initiator_id = ?", id));
        if (f.initiator() != null) {
            sql.append(" AND " + i + ".initiator_id = ?", f.initiator());
        }
        if (f.sessionId() != null) {
            sql.append(" AND " + i + ".session_id = ?", f.sessionId());
        }
        interceptionColumns(sql, i, f);
    }

    /** The filters that look at interception columns: provider, model, client and the time range. */
    public static void interceptionColumns(Sql sql, String i, Filters f) {
        if (f.provider() != null) {
            sql.append(" AND " + i + ".provider = ?", f.provider());
        }
        if (f.model() != null) {
            sql.append(" AND " + i + ".model = ?", f.model());
        }
        if (f.client() != null) {
            sql.append(" AND coalesce(" + i + ".client, 'Unknown') = ?", f.client());
        }
        if (f.startedAfter() != null) {
            sql.append(" AND " + i + ".started_at >= ?", f.startedAfter());
        }
        if (f.startedBefore() != null) {
            sql.append(" AND " + i + ".started_at <= ?", f.startedBefore());
        }
    }
}

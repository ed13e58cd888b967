-- AI Bridge schema, version 10 (recorder-service). See schema/README.md.

-- The start event carries the initiator's username at the time; keep it, so a record stays
-- readable even when aibridge_users does not (yet, or any more) know the user. Nullable, no
-- default: adding it to the partitioned table only touches the catalog.
ALTER TABLE aibridge_interceptions ADD COLUMN initiator_username text;
COMMENT ON COLUMN aibridge_interceptions.initiator_username IS
    'The initiator''s username when the interception started (from the start event); aibridge_users holds the current one';

-- Thread lineage looks up "the most recent tool usage with this provider_tool_call_id". With the
-- index of V1, (provider_tool_call_id, created_at DESC), PostgreSQL must probe the index of every
-- day partition and sort the matches: 60 probes per look-up at the default retention, thousands of
-- look-ups per second. Ordered by the partition key first, the same look-up becomes an ordered
-- Append over the partitions, newest first, that stops at the first partition with a match
-- (usually the first one probed).
CREATE INDEX aibridge_tool_usages_call_recent
    ON aibridge_tool_usages (provider_tool_call_id, interception_started_at DESC, created_at DESC, id DESC)
    WHERE provider_tool_call_id IS NOT NULL;
DROP INDEX aibridge_tool_usages_call;

-- Refreshing session summaries from several transactions at once (recorder replicas, retention)
-- must neither lose an update nor deadlock. aibridge_lock_sessions is the one way to take the
-- per-session locks: each session's transaction-scoped advisory lock,
-- hashtextextended(session_id || '/' || initiator_id, 0), in ascending order of the lock key (a
-- PL/pgSQL loop fixes the order, independent of collations and of how a client sorts). Every caller
-- taking them in that one order is what keeps two refreshing transactions from deadlocking. A
-- summary computed after the locks is a new statement, so in READ COMMITTED it sees everything
-- committed by whoever held a lock before. Returns the number of distinct locks taken.
CREATE FUNCTION aibridge_lock_sessions(session_ids text[], initiator_ids uuid[]) RETURNS integer
    LANGUAGE plpgsql AS
$$
DECLARE
    lock_key bigint;
    locked   integer := 0;
BEGIN
    FOR lock_key IN
        SELECT DISTINCT hashtextextended(k.session_id || '/' || k.initiator_id::text, 0)
        FROM unnest(session_ids, initiator_ids) AS k(session_id, initiator_id)
        ORDER BY 1
    LOOP
        PERFORM pg_advisory_xact_lock(lock_key);
        locked := locked + 1;
    END LOOP;
    RETURN locked;
END
$$;

-- aibridge_refresh_sessions under the sessions' locks. Use it instead of calling
-- aibridge_refresh_sessions directly whenever writers may run concurrently.
CREATE FUNCTION aibridge_refresh_sessions_locked(session_ids text[], initiator_ids uuid[]) RETURNS void
    LANGUAGE plpgsql AS
$$
BEGIN
    PERFORM aibridge_lock_sessions(session_ids, initiator_ids);
    PERFORM aibridge_refresh_sessions(session_ids, initiator_ids);
END
$$;

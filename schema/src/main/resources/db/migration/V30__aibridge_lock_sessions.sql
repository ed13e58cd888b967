-- Retention (V30-V39). The one way to take the per-session advisory locks that serialise summary
-- refreshes (see aibridge_refresh_sessions in V1): inside the transaction that refreshes them, lock
-- the (session_id, initiator_id) pairs in ascending order of the lock key. Every caller (recorder,
-- retention, tests) using the same order is what keeps two refreshing transactions from
-- deadlocking; ordering by the key itself does not depend on collations or on how a client sorts
-- strings and UUIDs. Returns the number of distinct locks taken.
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

COMMENT ON FUNCTION aibridge_lock_sessions(text[], uuid[]) IS
    'Takes pg_advisory_xact_lock(hashtextextended(session_id || ''/'' || initiator_id, 0)) for each pair, in ascending key order; call it before aibridge_refresh_sessions in the same transaction.';

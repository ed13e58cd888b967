-- AI Bridge schema, version 42 (recorder-service): thread links found across concurrent writers.
--
-- A child interception is linked to its parent through a tool-call id: the parent's tool usage
-- carries it, the child's start names it. When two writers (recorder replicas, or several consumers
-- in one) store the two in concurrent transactions, neither sees the other's uncommitted row, and
-- without a lock the link was never made. aibridge_lock_tool_calls is taken by every batch, before
-- it stores anything, on every tool-call id its tool usages carry or its starts name: then whichever
-- of the two writers comes second waits for the first to commit, and its look-ups (later statements,
-- READ COMMITTED) see the first one's rows. Two 32-bit keys (namespace 1095320132, "AIBD", and the
-- id's hash), a space that never meets the sessions' single 64-bit keys; taken in ascending order,
-- all of them before any session lock, so that writers never deadlock.
CREATE FUNCTION aibridge_lock_tool_calls(call_ids text[]) RETURNS integer
    LANGUAGE plpgsql AS
$$
DECLARE
    lock_key integer;
    locked   integer := 0;
BEGIN
    FOR lock_key IN
        SELECT DISTINCT hashtext(c) FROM unnest(call_ids) AS c WHERE c IS NOT NULL ORDER BY 1
    LOOP
        PERFORM pg_advisory_xact_lock(1095320132, lock_key);
        locked := locked + 1;
    END LOOP;
    RETURN locked;
END
$$;

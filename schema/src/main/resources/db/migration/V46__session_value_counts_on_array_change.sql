-- AI Bridge schema, version 46 (query-service, written by the recorder's summary updates): the value
-- counts of V44 cost nothing on the updates that change no provider, model or client.
--
-- Every batch of the recorder updates the summaries of the sessions it touched (a few hundred rows
-- in one statement), and almost never changes their arrays: a session's provider, model and client
-- are those of its first interception. V44's statement-level update trigger still joined the
-- statement's old and new rows to find that out: 3 ms for an update of 300 summaries alone
-- (EXPLAIN ANALYZE), and 17 ms of each batch of 2,000 events by pg_stat_statements while the
-- recorder drained a backlog (a quarter of its summary update). A row
-- trigger whose WHEN clause compares the arrays now marks the transaction when a row's arrays did
-- change (the comparison runs in the executor, without a function call), and the statement trigger
-- does the join, as before, only when marked. It clears the mark, so the next statement of the
-- transaction starts unmarked. Row triggers fire before the statement trigger of their statement.

CREATE FUNCTION aibridge_session_values_mark_changed() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    PERFORM set_config('aibridge.session_values_changed', 'on', true);
    RETURN NULL;
END
$$;

CREATE TRIGGER aibridge_session_values_changed AFTER UPDATE ON aibridge_sessions
    FOR EACH ROW
    WHEN (OLD.providers IS DISTINCT FROM NEW.providers OR OLD.models IS DISTINCT FROM NEW.models
          OR OLD.clients IS DISTINCT FROM NEW.clients)
    EXECUTE FUNCTION aibridge_session_values_mark_changed();

CREATE OR REPLACE FUNCTION aibridge_session_values_updated() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    IF coalesce(current_setting('aibridge.session_values_changed', true), '') <> 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('aibridge.session_values_changed', '', true);
    INSERT INTO aibridge_session_value_counts AS c (kind, value, initiator_id, sessions)
    SELECT d.kind, d.value, d.initiator_id, sum(d.delta)
    FROM (
        SELECT v.kind, v.value, n.initiator_id, 1 AS delta
        FROM old_rows o JOIN new_rows n USING (session_id, initiator_id)
        CROSS JOIN LATERAL aibridge_session_value_rows(n.providers, n.models, n.clients) v
        WHERE o.providers IS DISTINCT FROM n.providers OR o.models IS DISTINCT FROM n.models
           OR o.clients IS DISTINCT FROM n.clients
        UNION ALL
        SELECT v.kind, v.value, o.initiator_id, -1
        FROM old_rows o JOIN new_rows n USING (session_id, initiator_id)
        CROSS JOIN LATERAL aibridge_session_value_rows(o.providers, o.models, o.clients) v
        WHERE o.providers IS DISTINCT FROM n.providers OR o.models IS DISTINCT FROM n.models
           OR o.clients IS DISTINCT FROM n.clients
    ) d
    GROUP BY 1, 2, 3 HAVING sum(d.delta) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (kind, value, initiator_id) DO UPDATE SET sessions = c.sessions + excluded.sessions;
    RETURN NULL;
END
$$;

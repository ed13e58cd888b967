-- AI Bridge schema, version 44 (query-service): the sessions list counts a provider, model or client
-- filter without visiting the sessions.
--
-- A session matches such a filter when its summary's array holds the value (providers @> ARRAY[x]).
-- The GIN index finds those sessions, but counting them visited one table page per session: 36,683
-- sessions of 100,000 with provider=openai took 17-23 ms of every first page (and 7 ms as an
-- index-only scan of one row per session and value). This table keeps, per value and initiator,
-- how many summaries hold it, so the count is a sum over at most one row per user.
--
-- It is derived from aibridge_sessions by statement-level triggers with transition tables, whoever
-- writes the summaries (recorder deltas and refreshes, retention, operators): a new summary adds one
-- for each of its values, a deleted one takes one away, an update applies the difference when an
-- array changed. The changes are applied as one upsert in key order, after the writer has taken its
-- session locks, so concurrent writers queue on a shared count row instead of deadlocking. Rows
-- that reach zero stay (at most one per user and value ever seen).
CREATE TABLE aibridge_session_value_counts (
    kind         text    NOT NULL CHECK (kind IN ('provider', 'model', 'client')),
    value        text    NOT NULL,
    initiator_id uuid    NOT NULL,
    sessions     integer NOT NULL,
    PRIMARY KEY (kind, value, initiator_id)
);
COMMENT ON TABLE aibridge_session_value_counts IS
    'Per provider, model or client and initiator: how many session summaries hold it; kept by triggers on aibridge_sessions';

-- The (kind, value) pairs of a summary row.
CREATE FUNCTION aibridge_session_value_rows(providers text[], models text[], clients text[])
    RETURNS TABLE (kind text, value text)
    LANGUAGE sql IMMUTABLE AS
$$
SELECT 'provider', p FROM unnest(providers) AS p
UNION ALL SELECT 'model', m FROM unnest(models) AS m
UNION ALL SELECT 'client', c FROM unnest(clients) AS c
$$;

-- Summaries inserted (+1 for each of their values) or deleted (-1): the two triggers name their
-- transition table alike.
CREATE FUNCTION aibridge_session_values_added_or_removed() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    INSERT INTO aibridge_session_value_counts AS c (kind, value, initiator_id, sessions)
    SELECT v.kind, v.value, r.initiator_id, CASE TG_OP WHEN 'INSERT' THEN count(*) ELSE -count(*) END
    FROM changed_rows r CROSS JOIN LATERAL aibridge_session_value_rows(r.providers, r.models, r.clients) v
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (kind, value, initiator_id) DO UPDATE SET sessions = c.sessions + excluded.sessions;
    RETURN NULL;
END
$$;

-- Updates keep the key (session_id, initiator_id); only rows whose arrays changed count.
CREATE FUNCTION aibridge_session_values_updated() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
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

CREATE FUNCTION aibridge_session_values_truncated() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    TRUNCATE aibridge_session_value_counts;
    RETURN NULL;
END
$$;

CREATE TRIGGER aibridge_session_values_insert AFTER INSERT ON aibridge_sessions
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION aibridge_session_values_added_or_removed();
CREATE TRIGGER aibridge_session_values_delete AFTER DELETE ON aibridge_sessions
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION aibridge_session_values_added_or_removed();
CREATE TRIGGER aibridge_session_values_update AFTER UPDATE ON aibridge_sessions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION aibridge_session_values_updated();
CREATE TRIGGER aibridge_session_values_truncate AFTER TRUNCATE ON aibridge_sessions
    FOR EACH STATEMENT EXECUTE FUNCTION aibridge_session_values_truncated();

-- the summaries that exist already
INSERT INTO aibridge_session_value_counts (kind, value, initiator_id, sessions)
SELECT v.kind, v.value, s.initiator_id, count(*)
FROM aibridge_sessions s CROSS JOIN LATERAL aibridge_session_value_rows(s.providers, s.models, s.clients) v
GROUP BY 1, 2, 3;

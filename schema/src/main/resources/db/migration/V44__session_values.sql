-- AI Bridge schema, version 44 (query-service): the sessions list counts a provider, model or client
-- filter from an index alone.
--
-- A session matches such a filter when its summary's array holds the value (providers @> ARRAY[x]).
-- The GIN index finds those sessions, but counting them visited one heap page per session: 36,683
-- sessions of 100,000 with provider=openai took 17-23 ms of every first page. This table holds one
-- row per session and distinct value, (kind, value, initiator_id, session_id), so the count is an
-- index-only range scan of the primary key (36,683 entries: a few ms).
--
-- It is derived from aibridge_sessions by statement-level triggers with transition tables, whoever
-- writes the summaries (recorder deltas and refreshes, retention, operators): a new summary adds its
-- values, a deleted one removes them, an update applies the difference when an array changed. They
-- run inside the writer's transaction, under the locks that writer already holds on those sessions,
-- and touch only rows of those sessions, so concurrent writers never wait on each other here.
CREATE TABLE aibridge_session_values (
    kind         text NOT NULL CHECK (kind IN ('provider', 'model', 'client')),
    value        text NOT NULL,
    initiator_id uuid NOT NULL,
    session_id   text NOT NULL,
    PRIMARY KEY (kind, value, initiator_id, session_id)
);
COMMENT ON TABLE aibridge_session_values IS
    'One row per session summary and distinct provider, model or client in it; kept by triggers on aibridge_sessions';
-- insert-mostly: keep the visibility map current for index-only counts
ALTER TABLE aibridge_session_values SET (autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_vacuum_scale_factor = 0.02);

-- The (kind, value) pairs of summary rows, for the triggers below.
CREATE FUNCTION aibridge_session_value_rows(providers text[], models text[], clients text[])
    RETURNS TABLE (kind text, value text)
    LANGUAGE sql IMMUTABLE AS
$$
SELECT 'provider', p FROM unnest(providers) AS p
UNION ALL SELECT 'model', m FROM unnest(models) AS m
UNION ALL SELECT 'client', c FROM unnest(clients) AS c
$$;

CREATE FUNCTION aibridge_session_values_inserted() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    INSERT INTO aibridge_session_values (kind, value, initiator_id, session_id)
    SELECT v.kind, v.value, n.initiator_id, n.session_id
    FROM new_rows n CROSS JOIN LATERAL aibridge_session_value_rows(n.providers, n.models, n.clients) v
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE FUNCTION aibridge_session_values_deleted() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    DELETE FROM aibridge_session_values sv
    USING (SELECT v.kind, v.value, o.initiator_id, o.session_id
           FROM old_rows o CROSS JOIN LATERAL aibridge_session_value_rows(o.providers, o.models, o.clients) v) gone
    WHERE sv.kind = gone.kind AND sv.value = gone.value AND sv.initiator_id = gone.initiator_id
      AND sv.session_id = gone.session_id;
    RETURN NULL;
END
$$;

-- Updates keep the key (session_id, initiator_id); only rows whose arrays changed are looked at.
CREATE FUNCTION aibridge_session_values_updated() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    WITH changed AS (
        SELECT o.session_id, o.initiator_id, o.providers AS old_p, o.models AS old_m, o.clients AS old_c,
               n.providers AS new_p, n.models AS new_m, n.clients AS new_c
        FROM old_rows o JOIN new_rows n USING (session_id, initiator_id)
        WHERE o.providers IS DISTINCT FROM n.providers OR o.models IS DISTINCT FROM n.models
           OR o.clients IS DISTINCT FROM n.clients
    ),
    before AS (
        SELECT v.kind, v.value, c.initiator_id, c.session_id
        FROM changed c CROSS JOIN LATERAL aibridge_session_value_rows(c.old_p, c.old_m, c.old_c) v
    ),
    after AS (
        SELECT v.kind, v.value, c.initiator_id, c.session_id
        FROM changed c CROSS JOIN LATERAL aibridge_session_value_rows(c.new_p, c.new_m, c.new_c) v
    ),
    removed AS (
        DELETE FROM aibridge_session_values sv
        USING (SELECT * FROM before EXCEPT SELECT * FROM after) gone
        WHERE sv.kind = gone.kind AND sv.value = gone.value AND sv.initiator_id = gone.initiator_id
          AND sv.session_id = gone.session_id
        RETURNING 1
    )
    INSERT INTO aibridge_session_values (kind, value, initiator_id, session_id)
    SELECT * FROM after EXCEPT SELECT * FROM before
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER aibridge_session_values_insert AFTER INSERT ON aibridge_sessions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION aibridge_session_values_inserted();
CREATE TRIGGER aibridge_session_values_delete AFTER DELETE ON aibridge_sessions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION aibridge_session_values_deleted();
CREATE TRIGGER aibridge_session_values_update AFTER UPDATE ON aibridge_sessions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION aibridge_session_values_updated();

CREATE FUNCTION aibridge_session_values_truncated() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    TRUNCATE aibridge_session_values;
    RETURN NULL;
END
$$;
CREATE TRIGGER aibridge_session_values_truncate AFTER TRUNCATE ON aibridge_sessions
    FOR EACH STATEMENT EXECUTE FUNCTION aibridge_session_values_truncated();

-- the summaries that exist already
INSERT INTO aibridge_session_values (kind, value, initiator_id, session_id)
SELECT v.kind, v.value, s.initiator_id, s.session_id
FROM aibridge_sessions s CROSS JOIN LATERAL aibridge_session_value_rows(s.providers, s.models, s.clients) v
ON CONFLICT DO NOTHING;

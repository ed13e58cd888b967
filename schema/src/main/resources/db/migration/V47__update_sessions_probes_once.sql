-- AI Bridge schema, version 47 (recorder-service): aibridge_update_sessions probes each id once.
--
-- V45 looked every id up twice: first to find the sessions to lock (the "touched" statement),
-- then again, after taking the locks, to compute what to add. By pg_stat_statements while the
-- recorder drained a backlog, the first pass took 18.8 ms of each 82 ms call (batches of 3,400
-- events), almost all of it B-tree descents the main statement then repeated. The rows of the
-- first pass are now kept (as arrays of the three narrow row types below) and the main statement
-- reads them instead of probing again. The look-ups still run before the locks, as V45's first
-- pass did: they read this batch's own rows (which this transaction has written and so holds) and
-- the interceptions of its token usages and prompts, and the summaries themselves are read and
-- written only after the locks. The probes of the token usages and prompts of newly visible
-- interceptions (by interception id) were never part of the first pass and stay in the main
-- statement. The results are V45's.

-- One visible interception of the batch, with what its summary needs.
CREATE TYPE aibridge_batch_interception AS (
    id             uuid,
    started_at     timestamptz,
    ended_at       timestamptz,
    session_id     text,
    initiator_id   uuid,
    provider       text,
    model          text,
    client         varchar(64),
    metadata       jsonb,
    thread_root_id uuid
);

-- One token usage of the batch that belongs to an already visible interception.
CREATE TYPE aibridge_batch_usage AS (
    interception_id          uuid,
    session_id               text,
    initiator_id             uuid,
    input_tokens             bigint,
    output_tokens            bigint,
    cache_read_input_tokens  bigint,
    cache_write_input_tokens bigint
);

-- One prompt of the batch that belongs to an already visible interception.
CREATE TYPE aibridge_batch_prompt AS (
    interception_id uuid,
    session_id      text,
    initiator_id    uuid,
    id              uuid,
    prompt          text,
    created_at      timestamptz
);

CREATE OR REPLACE FUNCTION aibridge_update_sessions(refresh_session_ids text[], refresh_initiator_ids uuid[],
                                         unrooted_session_ids text[], unrooted_initiator_ids uuid[],
                                         visible_ids uuid[], visible_starts timestamptz[],
                                         token_ids uuid[], token_starts timestamptz[],
                                         prompt_ids uuid[], prompt_starts timestamptz[]) RETURNS void
    LANGUAGE plpgsql
    -- plan every statement with this call's bounds as constants, so that it prunes to their days
    SET plan_cache_mode = force_custom_plan AS
$$
DECLARE
    -- every interception, token usage and prompt looked up below started within [lo, hi]
    lo                timestamptz := least((SELECT min(s) FROM unnest(visible_starts) AS s),
                                           (SELECT min(s) FROM unnest(token_starts) AS s),
                                           (SELECT min(s) FROM unnest(prompt_starts) AS s));
    hi                timestamptz := greatest((SELECT max(s) FROM unnest(visible_starts) AS s),
                                              (SELECT max(s) FROM unnest(token_starts) AS s),
                                              (SELECT max(s) FROM unnest(prompt_starts) AS s));
    visible           aibridge_batch_interception[];
    usages            aibridge_batch_usage[];
    prompts           aibridge_batch_prompt[];
    lock_session_ids  text[];
    lock_initiators   uuid[];
    full_session_ids  text[];
    full_initiators   uuid[];
BEGIN
    -- Every look-up is a primary-key probe with the partition key, one per id: a LATERAL with
    -- LIMIT is executed per row, so PostgreSQL reads exactly one partition per probe.
    SELECT array_agg(ROW(i.id, i.started_at, i.ended_at, i.session_id, i.initiator_id, i.provider, i.model,
                         i.client, i.metadata, i.thread_root_id)::aibridge_batch_interception)
    INTO visible
    FROM unnest(visible_ids, visible_starts) AS v(id, started_at)
    CROSS JOIN LATERAL (
        SELECT i.id, i.started_at, i.ended_at, i.session_id, i.initiator_id, i.provider, i.model, i.client,
               i.metadata, i.thread_root_id
        FROM aibridge_interceptions i
        WHERE i.id = v.id AND i.started_at = v.started_at AND i.started_at BETWEEN lo AND hi
          AND i.ended_at IS NOT NULL AND i.initiator_id IS NOT NULL
        LIMIT 1) i;

    SELECT array_agg(ROW(t.interception_id, i.session_id, i.initiator_id, t.input_tokens, t.output_tokens,
                         t.cache_read_input_tokens, t.cache_write_input_tokens)::aibridge_batch_usage)
    INTO usages
    FROM unnest(token_ids, token_starts) AS n(id, started_at)
    CROSS JOIN LATERAL (
        SELECT t.interception_id, t.interception_started_at, t.input_tokens, t.output_tokens,
               t.cache_read_input_tokens, t.cache_write_input_tokens
        FROM aibridge_token_usages t WHERE t.id = n.id AND t.interception_started_at = n.started_at
          AND t.interception_started_at BETWEEN lo AND hi
        LIMIT 1) t
    CROSS JOIN LATERAL (
        SELECT i.session_id, i.initiator_id FROM aibridge_interceptions i
        WHERE i.id = t.interception_id AND i.started_at = t.interception_started_at AND i.started_at BETWEEN lo AND hi
          AND i.ended_at IS NOT NULL AND i.initiator_id IS NOT NULL
        LIMIT 1) i;

    SELECT array_agg(ROW(p.interception_id, i.session_id, i.initiator_id, p.id, p.prompt, p.created_at)::aibridge_batch_prompt)
    INTO prompts
    FROM unnest(prompt_ids, prompt_starts) AS n(id, started_at)
    CROSS JOIN LATERAL (
        SELECT p.id, p.interception_id, p.interception_started_at, p.prompt, p.created_at
        FROM aibridge_user_prompts p WHERE p.id = n.id AND p.interception_started_at = n.started_at
          AND p.interception_started_at BETWEEN lo AND hi
        LIMIT 1) p
    CROSS JOIN LATERAL (
        SELECT i.session_id, i.initiator_id FROM aibridge_interceptions i
        WHERE i.id = p.interception_id AND i.started_at = p.interception_started_at AND i.started_at BETWEEN lo AND hi
          AND i.ended_at IS NOT NULL AND i.initiator_id IS NOT NULL
        LIMIT 1) i;

    WITH touched AS (
        SELECT k.session_id, k.initiator_id FROM unnest(refresh_session_ids, refresh_initiator_ids) AS k(session_id, initiator_id)
        UNION
        SELECT k.session_id, k.initiator_id FROM unnest(unrooted_session_ids, unrooted_initiator_ids) AS k(session_id, initiator_id)
        UNION
        SELECT v.session_id, v.initiator_id FROM unnest(visible) AS v
        UNION
        SELECT u.session_id, u.initiator_id FROM unnest(usages) AS u
        UNION
        SELECT p.session_id, p.initiator_id FROM unnest(prompts) AS p
    )
    SELECT array_agg(session_id), array_agg(initiator_id) INTO lock_session_ids, lock_initiators FROM touched;
    PERFORM aibridge_lock_sessions(coalesce(lock_session_ids, '{}'), coalesce(lock_initiators, '{}'));

    -- The token usages and the latest prompt of each newly visible interception are probed here,
    -- by interception id and partition key; a LATERAL with OFFSET or LIMIT runs once per row.
    WITH skip AS (
        SELECT DISTINCT k.session_id, k.initiator_id
        FROM unnest(refresh_session_ids, refresh_initiator_ids) AS k(session_id, initiator_id)
    ),
    nv AS (
        SELECT * FROM unnest(visible)
    ),
    tok AS (
        SELECT nv.session_id, nv.initiator_id, t.*
        FROM nv
        CROSS JOIN LATERAL (
            SELECT t.input_tokens, t.output_tokens, t.cache_read_input_tokens, t.cache_write_input_tokens
            FROM aibridge_token_usages t
            WHERE t.interception_id = nv.id AND t.interception_started_at = nv.started_at
              AND t.interception_started_at BETWEEN lo AND hi
            OFFSET 0) t
        UNION ALL
        SELECT u.session_id, u.initiator_id, u.input_tokens, u.output_tokens, u.cache_read_input_tokens,
               u.cache_write_input_tokens
        FROM unnest(usages) AS u
        WHERE NOT (u.interception_id = ANY (visible_ids))
    ),
    pr AS (
        SELECT nv.session_id, nv.initiator_id, p.*
        FROM nv
        CROSS JOIN LATERAL (
            SELECT p.id, p.prompt, p.created_at FROM aibridge_user_prompts p
            WHERE p.interception_id = nv.id AND p.interception_started_at = nv.started_at
              AND p.interception_started_at BETWEEN lo AND hi
            ORDER BY p.created_at DESC, p.id DESC LIMIT 1) p
        UNION ALL
        SELECT p.session_id, p.initiator_id, p.id, p.prompt, p.created_at
        FROM unnest(prompts) AS p
        WHERE NOT (p.interception_id = ANY (visible_ids))
    ),
    unrooted AS (
        SELECT k.session_id, k.initiator_id, count(*) AS threads
        FROM unnest(unrooted_session_ids, unrooted_initiator_ids) AS k(session_id, initiator_id)
        GROUP BY k.session_id, k.initiator_id
    ),
    agg_i AS (
        SELECT session_id, initiator_id,
               min(started_at)                                                          AS started_at,
               max(started_at)                                                          AS last_started_at,
               max(ended_at)                                                            AS ended_at,
               coalesce(array_agg(DISTINCT provider ORDER BY provider) FILTER (WHERE provider IS NOT NULL), '{}') AS providers,
               coalesce(array_agg(DISTINCT model ORDER BY model) FILTER (WHERE model IS NOT NULL), '{}')          AS models,
               array_agg(DISTINCT coalesce(client, 'Unknown') ORDER BY coalesce(client, 'Unknown'))              AS clients,
               count(*)                                                                 AS interceptions,
               count(*) FILTER (WHERE thread_root_id IS NULL)                           AS threads
        FROM nv
        GROUP BY session_id, initiator_id
    ),
    first_i AS (
        SELECT DISTINCT ON (session_id, initiator_id) session_id, initiator_id, id, client, metadata
        FROM nv
        ORDER BY session_id, initiator_id, started_at, id
    ),
    agg_t AS (
        SELECT session_id, initiator_id,
               sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
               sum(cache_read_input_tokens) AS cache_read_input_tokens,
               sum(cache_write_input_tokens) AS cache_write_input_tokens
        FROM tok
        GROUP BY session_id, initiator_id
    ),
    last_p AS (
        SELECT DISTINCT ON (session_id, initiator_id) session_id, initiator_id, id, prompt, created_at
        FROM pr
        ORDER BY session_id, initiator_id, created_at DESC, id DESC
    ),
    d AS (
        SELECT k.session_id, k.initiator_id,
               a.started_at, a.last_started_at, a.ended_at, a.providers, a.models, a.clients, a.interceptions, a.threads,
               f.id AS first_id, f.client, f.metadata,
               coalesce(t.input_tokens, 0) AS input_tokens, coalesce(t.output_tokens, 0) AS output_tokens,
               coalesce(t.cache_read_input_tokens, 0) AS cache_read_input_tokens,
               coalesce(t.cache_write_input_tokens, 0) AS cache_write_input_tokens,
               p.id AS prompt_id, p.prompt, p.created_at AS prompt_at,
               coalesce(u.threads, 0) AS unrooted
        FROM (SELECT session_id, initiator_id FROM agg_i
              UNION SELECT session_id, initiator_id FROM agg_t
              UNION SELECT session_id, initiator_id FROM last_p
              UNION SELECT session_id, initiator_id FROM unrooted
              EXCEPT SELECT session_id, initiator_id FROM skip) k
        LEFT JOIN agg_i a USING (session_id, initiator_id)
        LEFT JOIN first_i f USING (session_id, initiator_id)
        LEFT JOIN agg_t t USING (session_id, initiator_id)
        LEFT JOIN last_p p USING (session_id, initiator_id)
        LEFT JOIN unrooted u USING (session_id, initiator_id)
    ),
    added AS (
        INSERT INTO aibridge_sessions AS s (
            session_id, initiator_id, started_at, last_started_at, ended_at, last_active_at,
            providers, models, clients, client, metadata, interceptions, threads,
            input_tokens, output_tokens, cache_read_input_tokens, cache_write_input_tokens,
            last_prompt, last_prompt_at, updated_at, first_interception_id, last_prompt_id)
        SELECT d.session_id, d.initiator_id, d.started_at, d.last_started_at, d.ended_at,
               coalesce(d.prompt_at, d.started_at),
               d.providers, d.models, d.clients, d.client, d.metadata, d.interceptions, d.threads - d.unrooted,
               d.input_tokens, d.output_tokens, d.cache_read_input_tokens, d.cache_write_input_tokens,
               d.prompt, d.prompt_at, now(), d.first_id, d.prompt_id
        FROM d
        WHERE d.interceptions IS NOT NULL
        ON CONFLICT (session_id, initiator_id) DO UPDATE SET
            started_at               = least(s.started_at, excluded.started_at),
            last_started_at          = greatest(s.last_started_at, excluded.last_started_at),
            ended_at                 = greatest(s.ended_at, excluded.ended_at),
            providers                = CASE WHEN excluded.providers <@ s.providers THEN s.providers ELSE aibridge_sorted_union(s.providers, excluded.providers) END,
            models                   = CASE WHEN excluded.models <@ s.models THEN s.models ELSE aibridge_sorted_union(s.models, excluded.models) END,
            clients                  = CASE WHEN excluded.clients <@ s.clients THEN s.clients ELSE aibridge_sorted_union(s.clients, excluded.clients) END,
            client                   = CASE WHEN (excluded.started_at, excluded.first_interception_id) < (s.started_at, s.first_interception_id)
                                            THEN excluded.client ELSE s.client END,
            metadata                 = CASE WHEN (excluded.started_at, excluded.first_interception_id) < (s.started_at, s.first_interception_id)
                                            THEN excluded.metadata ELSE s.metadata END,
            first_interception_id    = CASE WHEN (excluded.started_at, excluded.first_interception_id) < (s.started_at, s.first_interception_id)
                                            THEN excluded.first_interception_id ELSE s.first_interception_id END,
            interceptions            = s.interceptions + excluded.interceptions,
            threads                  = s.threads + excluded.threads,
            input_tokens             = s.input_tokens + excluded.input_tokens,
            output_tokens            = s.output_tokens + excluded.output_tokens,
            cache_read_input_tokens  = s.cache_read_input_tokens + excluded.cache_read_input_tokens,
            cache_write_input_tokens = s.cache_write_input_tokens + excluded.cache_write_input_tokens,
            last_prompt              = CASE WHEN excluded.last_prompt_at IS NOT NULL AND (s.last_prompt_at IS NULL
                                                 OR (excluded.last_prompt_at, excluded.last_prompt_id) > (s.last_prompt_at, s.last_prompt_id))
                                            THEN excluded.last_prompt ELSE s.last_prompt END,
            last_prompt_id           = CASE WHEN excluded.last_prompt_at IS NOT NULL AND (s.last_prompt_at IS NULL
                                                 OR (excluded.last_prompt_at, excluded.last_prompt_id) > (s.last_prompt_at, s.last_prompt_id))
                                            THEN excluded.last_prompt_id ELSE s.last_prompt_id END,
            last_prompt_at           = greatest(s.last_prompt_at, excluded.last_prompt_at),
            last_active_at           = coalesce(greatest(s.last_prompt_at, excluded.last_prompt_at),
                                                least(s.started_at, excluded.started_at)),
            updated_at               = now()
        RETURNING s.session_id
    ),
    grown AS (
        UPDATE aibridge_sessions s SET
            threads                  = s.threads - d.unrooted,
            input_tokens             = s.input_tokens + d.input_tokens,
            output_tokens            = s.output_tokens + d.output_tokens,
            cache_read_input_tokens  = s.cache_read_input_tokens + d.cache_read_input_tokens,
            cache_write_input_tokens = s.cache_write_input_tokens + d.cache_write_input_tokens,
            last_prompt              = CASE WHEN d.prompt_at IS NOT NULL AND (s.last_prompt_at IS NULL
                                                 OR (d.prompt_at, d.prompt_id) > (s.last_prompt_at, s.last_prompt_id))
                                            THEN d.prompt ELSE s.last_prompt END,
            last_prompt_id           = CASE WHEN d.prompt_at IS NOT NULL AND (s.last_prompt_at IS NULL
                                                 OR (d.prompt_at, d.prompt_id) > (s.last_prompt_at, s.last_prompt_id))
                                            THEN d.prompt_id ELSE s.last_prompt_id END,
            last_prompt_at           = greatest(s.last_prompt_at, d.prompt_at),
            last_active_at           = coalesce(greatest(s.last_prompt_at, d.prompt_at), s.started_at),
            updated_at               = now()
        FROM d
        WHERE d.interceptions IS NULL
          AND s.session_id = d.session_id AND s.initiator_id = d.initiator_id
        RETURNING s.session_id, s.initiator_id
    )
    SELECT array_agg(d.session_id), array_agg(d.initiator_id)
    INTO full_session_ids, full_initiators
    FROM d
    WHERE d.interceptions IS NULL
      AND NOT EXISTS (SELECT 1 FROM grown g WHERE g.session_id = d.session_id AND g.initiator_id = d.initiator_id);

    full_session_ids := coalesce(refresh_session_ids, '{}') || coalesce(full_session_ids, '{}');
    full_initiators := coalesce(refresh_initiator_ids, '{}') || coalesce(full_initiators, '{}');
    -- Planning the refresh over every day partition costs tens of milliseconds: only when needed.
    IF cardinality(full_session_ids) > 0 THEN
        PERFORM aibridge_refresh_sessions(full_session_ids, full_initiators);
    END IF;
END
$$;

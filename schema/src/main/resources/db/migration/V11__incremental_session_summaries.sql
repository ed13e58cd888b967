-- AI Bridge schema, version 11 (recorder-service): session summaries kept current by deltas.
--
-- Why: aibridge_refresh_sessions recomputes a summary from every visible interception of the
-- session and their token usages and prompts. Called after every batch for every session the
-- batch touched, its cost grows with the length of the sessions, not with the batch: measured on
-- the project machine, 200 active sessions of 200 interceptions cost 1.7 s per batch, which capped
-- the recorder at about 1,300 events per second. A summary is made of sums, counts, minima,
-- maxima, set unions, a first and a last, so new facts can be added to it instead; the recorder
-- now does that (aibridge_update_sessions), and recomputes in full only what cannot be added: a
-- session an already visible interception left or joined (thread lineage found late), and a
-- missing summary. aibridge_refresh_sessions stays the one definition (retention and the recorder
-- call it for those cases, and the tests check every delta against it).
--
-- To add "the first interception" and "the last prompt" exactly, ties included, the summary
-- keeps their ids.

ALTER TABLE aibridge_sessions
    ADD COLUMN first_interception_id uuid,   -- the interception that gives client and metadata: the first by (started_at, id)
    ADD COLUMN last_prompt_id        uuid;   -- the prompt in last_prompt: the latest by (created_at, id)

-- Same definition as V1, plus the two ids; the visible rows carry only the columns it needs.
CREATE OR REPLACE FUNCTION aibridge_refresh_sessions(session_ids text[], initiator_ids uuid[]) RETURNS void
    LANGUAGE sql AS
$$
WITH keys AS (
    SELECT DISTINCT k.session_id, k.initiator_id
    FROM unnest(session_ids, initiator_ids) AS k(session_id, initiator_id)
),
visible AS (
    SELECT i.id, i.started_at, i.ended_at, i.session_id, i.initiator_id, i.provider, i.model, i.client, i.metadata,
           i.thread_root_id
    FROM keys k
    JOIN aibridge_interceptions i ON i.session_id = k.session_id AND i.initiator_id = k.initiator_id
    WHERE i.ended_at IS NOT NULL
),
agg AS (
    SELECT session_id, initiator_id,
           min(started_at)                                                          AS started_at,
           max(started_at)                                                          AS last_started_at,
           max(ended_at)                                                            AS ended_at,
           coalesce(array_agg(DISTINCT provider ORDER BY provider) FILTER (WHERE provider IS NOT NULL), '{}') AS providers,
           coalesce(array_agg(DISTINCT model ORDER BY model) FILTER (WHERE model IS NOT NULL), '{}')          AS models,
           array_agg(DISTINCT coalesce(client, 'Unknown') ORDER BY coalesce(client, 'Unknown'))              AS clients,
           count(*)                                                                 AS interceptions,
           count(*) FILTER (WHERE thread_root_id IS NULL)                           AS threads
    FROM visible
    GROUP BY session_id, initiator_id
),
firsts AS (
    SELECT DISTINCT ON (session_id, initiator_id) session_id, initiator_id, id, client, metadata
    FROM visible
    ORDER BY session_id, initiator_id, started_at, id
),
tokens AS (
    SELECT v.session_id, v.initiator_id,
           sum(t.input_tokens)             AS input_tokens,
           sum(t.output_tokens)            AS output_tokens,
           sum(t.cache_read_input_tokens)  AS cache_read_input_tokens,
           sum(t.cache_write_input_tokens) AS cache_write_input_tokens
    FROM visible v
    JOIN aibridge_token_usages t ON t.interception_id = v.id AND t.interception_started_at = v.started_at
    GROUP BY v.session_id, v.initiator_id
),
prompts AS (
    SELECT DISTINCT ON (v.session_id, v.initiator_id) v.session_id, v.initiator_id, p.id, p.prompt, p.created_at
    FROM visible v
    JOIN aibridge_user_prompts p ON p.interception_id = v.id AND p.interception_started_at = v.started_at
    ORDER BY v.session_id, v.initiator_id, p.created_at DESC, p.id DESC
),
upserted AS (
    INSERT INTO aibridge_sessions AS s (
        session_id, initiator_id, started_at, last_started_at, ended_at, last_active_at,
        providers, models, clients, client, metadata, interceptions, threads,
        input_tokens, output_tokens, cache_read_input_tokens, cache_write_input_tokens,
        last_prompt, last_prompt_at, updated_at, first_interception_id, last_prompt_id)
    SELECT a.session_id, a.initiator_id, a.started_at, a.last_started_at, a.ended_at,
           coalesce(p.created_at, a.started_at),
           a.providers, a.models, a.clients, f.client, f.metadata, a.interceptions, a.threads,
           coalesce(t.input_tokens, 0), coalesce(t.output_tokens, 0),
           coalesce(t.cache_read_input_tokens, 0), coalesce(t.cache_write_input_tokens, 0),
           p.prompt, p.created_at, now(), f.id, p.id
    FROM agg a
    JOIN firsts f USING (session_id, initiator_id)
    LEFT JOIN tokens t USING (session_id, initiator_id)
    LEFT JOIN prompts p USING (session_id, initiator_id)
    ON CONFLICT (session_id, initiator_id) DO UPDATE SET
        started_at               = excluded.started_at,
        last_started_at          = excluded.last_started_at,
        ended_at                 = excluded.ended_at,
        last_active_at           = excluded.last_active_at,
        providers                = excluded.providers,
        models                   = excluded.models,
        clients                  = excluded.clients,
        client                   = excluded.client,
        metadata                 = excluded.metadata,
        interceptions            = excluded.interceptions,
        threads                  = excluded.threads,
        input_tokens             = excluded.input_tokens,
        output_tokens            = excluded.output_tokens,
        cache_read_input_tokens  = excluded.cache_read_input_tokens,
        cache_write_input_tokens = excluded.cache_write_input_tokens,
        last_prompt              = excluded.last_prompt,
        last_prompt_at           = excluded.last_prompt_at,
        updated_at               = excluded.updated_at,
        first_interception_id    = excluded.first_interception_id,
        last_prompt_id           = excluded.last_prompt_id
    RETURNING s.session_id
)
DELETE FROM aibridge_sessions s
USING keys k
WHERE s.session_id = k.session_id
  AND s.initiator_id = k.initiator_id
  AND NOT EXISTS (SELECT 1 FROM agg a WHERE a.session_id = k.session_id AND a.initiator_id = k.initiator_id);
$$;

-- The sorted union of two sorted sets of text, as aibridge_refresh_sessions builds them.
CREATE FUNCTION aibridge_sorted_union(a text[], b text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT coalesce(array_agg(DISTINCT x ORDER BY x), '{}') FROM unnest(a || b) AS x $$;

-- Brings the summaries up to date after a writer stored new facts, in one call:
--   visible_ids/visible_starts  interceptions that became visible (start and end both stored) in
--                               this transaction, with their final lineage;
--   token_ids/token_starts      token usages inserted in this transaction (id, interception start);
--   prompt_ids/prompt_starts    prompts inserted in this transaction;
--   refresh_*                   sessions to recompute in full (an already visible interception
--                               joined or left them);
--   unrooted_*                  one entry per already visible interception that stayed in its
--                               session (a client session id) but stopped being a thread root.
-- A newly visible interception adds itself with all its token usages and prompts, whenever they
-- were stored; a token usage or prompt of an interception that was visible before adds itself; one
-- of an interception not yet visible waits for it. Sessions are locked first, all of them, in the
-- order of their lock key (aibridge_lock_sessions), so deltas and full refreshes
-- of concurrent writers serialise per session. A session with only late children and no summary
-- (which aibridge_refresh_sessions would have created) is recomputed in full.
CREATE FUNCTION aibridge_update_sessions(refresh_session_ids text[], refresh_initiator_ids uuid[],
                                         unrooted_session_ids text[], unrooted_initiator_ids uuid[],
                                         visible_ids uuid[], visible_starts timestamptz[],
                                         token_ids uuid[], token_starts timestamptz[],
                                         prompt_ids uuid[], prompt_starts timestamptz[]) RETURNS void
    LANGUAGE plpgsql AS
$$
DECLARE
    lock_session_ids  text[];
    lock_initiators   uuid[];
    full_session_ids  text[];
    full_initiators   uuid[];
BEGIN
    WITH touched AS (
        SELECT k.session_id, k.initiator_id FROM unnest(refresh_session_ids, refresh_initiator_ids) AS k(session_id, initiator_id)
        UNION
        SELECT k.session_id, k.initiator_id FROM unnest(unrooted_session_ids, unrooted_initiator_ids) AS k(session_id, initiator_id)
        UNION
        SELECT i.session_id, i.initiator_id
        FROM unnest(visible_ids, visible_starts) AS v(id, started_at)
        CROSS JOIN LATERAL (
            SELECT i.session_id, i.initiator_id FROM aibridge_interceptions i
            WHERE i.id = v.id AND i.started_at = v.started_at AND i.ended_at IS NOT NULL AND i.initiator_id IS NOT NULL
            LIMIT 1) i
        UNION
        SELECT i.session_id, i.initiator_id
        FROM unnest(token_ids, token_starts) AS n(id, started_at)
        CROSS JOIN LATERAL (
            SELECT t.interception_id, t.interception_started_at FROM aibridge_token_usages t
            WHERE t.id = n.id AND t.interception_started_at = n.started_at LIMIT 1) t
        CROSS JOIN LATERAL (
            SELECT i.session_id, i.initiator_id FROM aibridge_interceptions i
            WHERE i.id = t.interception_id AND i.started_at = t.interception_started_at
              AND i.ended_at IS NOT NULL AND i.initiator_id IS NOT NULL
            LIMIT 1) i
        UNION
        SELECT i.session_id, i.initiator_id
        FROM unnest(prompt_ids, prompt_starts) AS n(id, started_at)
        CROSS JOIN LATERAL (
            SELECT p.interception_id, p.interception_started_at FROM aibridge_user_prompts p
            WHERE p.id = n.id AND p.interception_started_at = n.started_at LIMIT 1) p
        CROSS JOIN LATERAL (
            SELECT i.session_id, i.initiator_id FROM aibridge_interceptions i
            WHERE i.id = p.interception_id AND i.started_at = p.interception_started_at
              AND i.ended_at IS NOT NULL AND i.initiator_id IS NOT NULL
            LIMIT 1) i
    )
    SELECT array_agg(session_id), array_agg(initiator_id) INTO lock_session_ids, lock_initiators FROM touched;
    PERFORM aibridge_lock_sessions(coalesce(lock_session_ids, '{}'), coalesce(lock_initiators, '{}'));

    -- Every look-up is a primary-key (or interception_id) probe with the partition key, one per id:
    -- a LATERAL with LIMIT or OFFSET is executed per row, so PostgreSQL reads exactly one partition
    -- per probe and never chooses to scan a growing partition on stale statistics.
    WITH skip AS (
        SELECT DISTINCT k.session_id, k.initiator_id
        FROM unnest(refresh_session_ids, refresh_initiator_ids) AS k(session_id, initiator_id)
    ),
    nv AS (
        SELECT i.*
        FROM unnest(visible_ids, visible_starts) AS v(id, started_at)
        CROSS JOIN LATERAL (
            SELECT i.id, i.started_at, i.ended_at, i.session_id, i.initiator_id, i.provider, i.model, i.client,
                   i.metadata, i.thread_root_id
            FROM aibridge_interceptions i
            WHERE i.id = v.id AND i.started_at = v.started_at
              AND i.ended_at IS NOT NULL AND i.initiator_id IS NOT NULL
            LIMIT 1) i
    ),
    tok AS (
        SELECT nv.session_id, nv.initiator_id, t.*
        FROM nv
        CROSS JOIN LATERAL (
            SELECT t.input_tokens, t.output_tokens, t.cache_read_input_tokens, t.cache_write_input_tokens
            FROM aibridge_token_usages t
            WHERE t.interception_id = nv.id AND t.interception_started_at = nv.started_at
            OFFSET 0) t
        UNION ALL
        SELECT i.session_id, i.initiator_id, t.input_tokens, t.output_tokens, t.cache_read_input_tokens,
               t.cache_write_input_tokens
        FROM unnest(token_ids, token_starts) AS n(id, started_at)
        CROSS JOIN LATERAL (
            SELECT t.interception_id, t.interception_started_at, t.input_tokens, t.output_tokens,
                   t.cache_read_input_tokens, t.cache_write_input_tokens
            FROM aibridge_token_usages t WHERE t.id = n.id AND t.interception_started_at = n.started_at
            LIMIT 1) t
        CROSS JOIN LATERAL (
            SELECT i.session_id, i.initiator_id FROM aibridge_interceptions i
            WHERE i.id = t.interception_id AND i.started_at = t.interception_started_at
              AND i.ended_at IS NOT NULL AND i.initiator_id IS NOT NULL
            LIMIT 1) i
        WHERE NOT (t.interception_id = ANY (visible_ids))
    ),
    pr AS (
        SELECT nv.session_id, nv.initiator_id, p.*
        FROM nv
        CROSS JOIN LATERAL (
            SELECT p.id, p.prompt, p.created_at FROM aibridge_user_prompts p
            WHERE p.interception_id = nv.id AND p.interception_started_at = nv.started_at
            ORDER BY p.created_at DESC, p.id DESC LIMIT 1) p
        UNION ALL
        SELECT i.session_id, i.initiator_id, p.id, p.prompt, p.created_at
        FROM unnest(prompt_ids, prompt_starts) AS n(id, started_at)
        CROSS JOIN LATERAL (
            SELECT p.id, p.interception_id, p.interception_started_at, p.prompt, p.created_at
            FROM aibridge_user_prompts p WHERE p.id = n.id AND p.interception_started_at = n.started_at
            LIMIT 1) p
        CROSS JOIN LATERAL (
            SELECT i.session_id, i.initiator_id FROM aibridge_interceptions i
            WHERE i.id = p.interception_id AND i.started_at = p.interception_started_at
              AND i.ended_at IS NOT NULL AND i.initiator_id IS NOT NULL
            LIMIT 1) i
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

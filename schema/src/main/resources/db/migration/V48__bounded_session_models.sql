-- AI Bridge schema, version 48 (recorder-service): a session summary's models array is bounded, so
-- the summary always fits its covering indexes whatever models a caller sends.
--
-- V20's covering indexes INCLUDE providers, models and clients, and a B-tree entry holds at most
-- 2,704 bytes (PostgreSQL refuses a longer one with SQLSTATE 54000). models held every distinct
-- model of the session, and the caller chooses the model (up to 256 characters): about ten long
-- random models in one session made the summary too large for the index, the recorder dead-lettered
-- the event that would add one more, and from then on every event of that session, so the caller
-- escaped recording. The interceptions keep their full model (cut to 256 characters as before);
-- only the summary's array is bounded.
--
-- The rule. A session's distinct models are taken in "budget order", shortest first (octet_length,
-- then the text), and the summary keeps the longest prefix of that order of at most 32 models and
-- at most 1,024 bytes of model text; it stores them sorted by text, as before. models_cut holds the
-- first model of that order that the summary leaves out (NULL: models holds every model of the
-- session). Shortest first, so that a session's ordinary model names stay in its summary (and the
-- sessions list's model filter finds them) when long ones are added.
--
-- Why a prefix and the cut: the summary must be the same whether it is built by deltas
-- (aibridge_update_sessions, batch by batch, in any order) or recomputed from the interceptions
-- (aibridge_refresh_sessions, after lineage moves and retention's purges). "Keep a model while it
-- fits" in arrival order would depend on the order. The prefix of a fixed order does not, and it
-- can be merged exactly: whether a model is kept depends only on the models before it in budget
-- order, so everything from the cut on stays out whatever is added later, and everything before the
-- cut is in the summary. Two summaries (a stored one, a batch's) therefore merge into the prefix of
-- the union of their models and cuts, up to the earlier cut (aibridge_bounded_models). Without the
-- cut, a summary that once left a long model out could later take a model after it and differ
-- from the recomputation.
--
-- The size. The activity index's entry, at worst: an 8-byte tuple header; last_active_at 8;
-- session_id 772 (the client session id is cut to 256 UTF-16 characters, at most 768 bytes, plus
-- a 4-byte length); initiator_id 16; started_at and last_started_at 16 plus at most 4 bytes of
-- alignment; providers 64 and clients 204 (every value of their fixed sets, below: a 24-byte array
-- header and a 4-byte length per element, each padded to 4 bytes); 3 x 3 bytes of alignment before
-- the arrays: about 1,100 bytes. models: a 24-byte array header and, per element, a 4-byte length
-- and up to 3 bytes of padding, so 24 + 32 x 7 + 1,024 = 1,272 bytes. In all about 2,370 bytes of
-- the 2,704 (the initiator index has the same columns in another order). Ordinary sessions never
-- reach the bound: model names are short (the longest real ones, Bedrock inference-profile ARNs,
-- are under 100 characters) and a session uses a handful.
--
-- providers and clients are not bounded: the proxy takes the provider type from its route
-- (anthropic, openai, copilot) and the client from its fixed list of detected agents (ClientDetector:
-- eleven names and Unknown), never from a caller's text, so their arrays stay within the sizes above.

ALTER TABLE aibridge_sessions ADD COLUMN models_cut text;
COMMENT ON COLUMN aibridge_sessions.models_cut IS
    'The first model, shortest first, that models leaves out (at most 32 models and 1,024 bytes); NULL when models holds every model of the session';

-- The summary's models and cut from a set of models that holds, in budget order, every model of the
-- session before the earliest of the cuts (which may be NULL): a session's distinct models with no
-- cut, or a stored summary's models and a batch's, with both their cuts.
CREATE FUNCTION aibridge_bounded_models(models text[], cuts text[], OUT kept text[], OUT cut text)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$
WITH bound AS (
    SELECT c FROM unnest(cuts) AS c WHERE c IS NOT NULL ORDER BY octet_length(c), c LIMIT 1
),
candidates AS (
    SELECT DISTINCT m FROM unnest(models || cuts) AS m
    WHERE m IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM bound b WHERE (octet_length(m), m) > (octet_length(b.c), b.c))
),
ranked AS (
    -- both running totals grow along the order, so the models within the bound are a prefix of it
    SELECT m, count(*) OVER w AS n, sum(octet_length(m)) OVER w AS bytes
    FROM candidates
    WINDOW w AS (ORDER BY octet_length(m), m ROWS UNBOUNDED PRECEDING)
)
SELECT coalesce(array_agg(m ORDER BY m) FILTER (WHERE n <= 32 AND bytes <= 1024), '{}'),
       (array_agg(m ORDER BY n) FILTER (WHERE n > 32 OR bytes > 1024))[1]
FROM ranked
$$;

-- Whether a set of models is within the bound as it stands, and so its own summary, without a cut:
-- the usual case, answered without calling aibridge_bounded_models (a duplicate counts twice, so a
-- set within the bound may be sent to it; it then gives the same answer).
CREATE FUNCTION aibridge_models_within_bound(models text[]) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT cardinality(models) <= 32 AND octet_length(array_to_string(models, '')) <= 1024 $$;

-- The definition of a summary (V11's), with the models bounded.
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
        last_prompt, last_prompt_at, updated_at, first_interception_id, last_prompt_id, models_cut)
    SELECT a.session_id, a.initiator_id, a.started_at, a.last_started_at, a.ended_at,
           coalesce(p.created_at, a.started_at),
           a.providers,
           CASE WHEN aibridge_models_within_bound(a.models) THEN a.models ELSE (aibridge_bounded_models(a.models, '{}')).kept END,
           a.clients, f.client, f.metadata, a.interceptions, a.threads,
           coalesce(t.input_tokens, 0), coalesce(t.output_tokens, 0),
           coalesce(t.cache_read_input_tokens, 0), coalesce(t.cache_write_input_tokens, 0),
           p.prompt, p.created_at, now(), f.id, p.id,
           CASE WHEN aibridge_models_within_bound(a.models) THEN NULL ELSE (aibridge_bounded_models(a.models, '{}')).cut END
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
        last_prompt_id           = excluded.last_prompt_id,
        models_cut               = excluded.models_cut
    RETURNING s.session_id
)
DELETE FROM aibridge_sessions s
USING keys k
WHERE s.session_id = k.session_id
  AND s.initiator_id = k.initiator_id
  AND NOT EXISTS (SELECT 1 FROM agg a WHERE a.session_id = k.session_id AND a.initiator_id = k.initiator_id);
$$;

-- V47's delta update, with the models bounded: a new summary keeps its batch's bounded models; a
-- stored one merges its models and cut with the batch's.
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
            last_prompt, last_prompt_at, updated_at, first_interception_id, last_prompt_id, models_cut)
        SELECT d.session_id, d.initiator_id, d.started_at, d.last_started_at, d.ended_at,
               coalesce(d.prompt_at, d.started_at),
               d.providers,
               CASE WHEN aibridge_models_within_bound(d.models) THEN d.models ELSE (aibridge_bounded_models(d.models, '{}')).kept END,
               d.clients, d.client, d.metadata, d.interceptions, d.threads - d.unrooted,
               d.input_tokens, d.output_tokens, d.cache_read_input_tokens, d.cache_write_input_tokens,
               d.prompt, d.prompt_at, now(), d.first_id, d.prompt_id,
               CASE WHEN aibridge_models_within_bound(d.models) THEN NULL ELSE (aibridge_bounded_models(d.models, '{}')).cut END
        FROM d
        WHERE d.interceptions IS NOT NULL
        ON CONFLICT (session_id, initiator_id) DO UPDATE SET
            started_at               = least(s.started_at, excluded.started_at),
            last_started_at          = greatest(s.last_started_at, excluded.last_started_at),
            ended_at                 = greatest(s.ended_at, excluded.ended_at),
            providers                = CASE WHEN excluded.providers <@ s.providers THEN s.providers ELSE aibridge_sorted_union(s.providers, excluded.providers) END,
            -- the batch left no model out and adds none (the usual case): nothing changes; both
            -- left none out and together stay within the bound: the union, as before V48
            models                   = CASE WHEN excluded.models_cut IS NULL AND excluded.models <@ s.models THEN s.models
                                            WHEN excluded.models_cut IS NULL AND s.models_cut IS NULL
                                                 AND aibridge_models_within_bound(s.models || excluded.models)
                                            THEN aibridge_sorted_union(s.models, excluded.models)
                                            ELSE (aibridge_bounded_models(s.models || excluded.models,
                                                                          ARRAY[s.models_cut, excluded.models_cut])).kept END,
            models_cut               = CASE WHEN excluded.models_cut IS NULL AND excluded.models <@ s.models THEN s.models_cut
                                            WHEN excluded.models_cut IS NULL AND s.models_cut IS NULL
                                                 AND aibridge_models_within_bound(s.models || excluded.models)
                                            THEN NULL
                                            ELSE (aibridge_bounded_models(s.models || excluded.models,
                                                                          ARRAY[s.models_cut, excluded.models_cut])).cut END,
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

-- Summaries stored before: those over the bound keep its prefix (the value counts follow through
-- their triggers). A summary within it holds every model of its session, so its cut stays NULL.
UPDATE aibridge_sessions s
SET (models, models_cut) = (SELECT b.kept, b.cut FROM aibridge_bounded_models(s.models, '{}') b)
WHERE NOT aibridge_models_within_bound(s.models);

-- Sessions whose summaries leave models out, per user: the members' models list reads their
-- interceptions (query-service). Such sessions are rare, so the index is small.
CREATE INDEX aibridge_sessions_models_cut ON aibridge_sessions (initiator_id) WHERE models_cut IS NOT NULL;

-- AI Bridge schema, version 1. Owned by recorder-service, which applies it with Flyway at start.
-- query-service and retention-service read it and never migrate. See schema/README.md for the why.
--
-- Interception data (five tables) is partitioned by day (UTC) on the start time of the interception
-- it belongs to, so that a retention purge drops whole partitions on all five tables at once: its
-- cost does not grow with the amount of data kept. No child table has a foreign key.
--
-- Rows are written idempotently: child rows use the event id as their primary key; interception
-- starts and ends are upserts (the first end wins). The columns an interception's start provides
-- are nullable because its end may be stored first; an interception is *visible* (in every list,
-- count and aggregate) only when both have been stored: ended_at IS NOT NULL AND initiator_id IS NOT NULL.

-- ---------------------------------------------------------------------------------------------
-- Interceptions
-- ---------------------------------------------------------------------------------------------
CREATE TABLE aibridge_interceptions (
    id                        uuid        NOT NULL,
    started_at                timestamptz NOT NULL,
    -- from the start event
    initiator_id              uuid,
    api_key_id                text,
    provider                  text,
    provider_name             text        NOT NULL DEFAULT '',
    model                     text,
    metadata                  jsonb       NOT NULL DEFAULT '{}',
    client                    varchar(64)          DEFAULT 'Unknown',
    client_session_id         varchar(256),
    user_agent                text,
    correlating_tool_call_id  text,
    credential_kind           text        NOT NULL DEFAULT 'centralized'
                                          CHECK (credential_kind IN ('centralized', 'byok')),
    credential_hint           varchar(15) NOT NULL DEFAULT '',
    streaming                 boolean,
    request_path              text,
    -- threads: resolved by the recorder from correlating_tool_call_id, possibly after the fact
    thread_parent_id          uuid,
    thread_root_id            uuid,
    session_id                text GENERATED ALWAYS AS (
                                  COALESCE(NULLIF(client_session_id, ''), thread_root_id::text, id::text)) STORED,
    -- from the end event
    ended_at                  timestamptz,
    end_status                text        CHECK (end_status IN ('completed', 'failed', 'cancelled')),
    http_status               integer,
    error_type                text,
    error_message             text,
    duration_ms               bigint,
    time_to_first_byte_ms     bigint,
    PRIMARY KEY (id, started_at)
) PARTITION BY RANGE (started_at);

COMMENT ON TABLE aibridge_interceptions IS
    'One client request on a bridged route. Visible only when ended_at and initiator_id are both set.';
COMMENT ON COLUMN aibridge_interceptions.client IS 'Detected client; NULL is read as Unknown everywhere';
COMMENT ON COLUMN aibridge_interceptions.session_id IS
    'First non-empty of client_session_id, thread_root_id, id. Sessions are keyed by (session_id, initiator_id).';

-- Interceptions list: ended, newest first, keyset on (started_at, id).
CREATE INDEX aibridge_interceptions_list ON aibridge_interceptions (started_at DESC, id DESC)
    WHERE ended_at IS NOT NULL AND initiator_id IS NOT NULL;
CREATE INDEX aibridge_interceptions_by_initiator ON aibridge_interceptions (initiator_id, started_at DESC, id DESC)
    WHERE ended_at IS NOT NULL;
-- Look-ups by id alone (cursors, end before start): one index probe per partition.
CREATE INDEX aibridge_interceptions_id ON aibridge_interceptions (id);
CREATE INDEX aibridge_interceptions_session ON aibridge_interceptions (session_id, initiator_id);
CREATE INDEX aibridge_interceptions_thread_root ON aibridge_interceptions (thread_root_id)
    WHERE thread_root_id IS NOT NULL;
-- Interceptions still waiting for the tool usage that makes them part of a thread.
CREATE INDEX aibridge_interceptions_unlinked ON aibridge_interceptions (correlating_tool_call_id)
    WHERE correlating_tool_call_id IS NOT NULL AND thread_parent_id IS NULL;

-- ---------------------------------------------------------------------------------------------
-- Children of an interception. interception_started_at is the partition key (from the events).
-- ---------------------------------------------------------------------------------------------
CREATE TABLE aibridge_token_usages (
    id                        uuid        NOT NULL,           -- the event id
    interception_id           uuid        NOT NULL,
    interception_started_at   timestamptz NOT NULL,
    provider_response_id      text        NOT NULL DEFAULT '',
    input_tokens              bigint      NOT NULL,           -- uncached input
    output_tokens             bigint      NOT NULL,
    cache_read_input_tokens   bigint      NOT NULL DEFAULT 0,
    cache_write_input_tokens  bigint      NOT NULL DEFAULT 0,
    metadata                  jsonb       NOT NULL DEFAULT '{}',  -- extra token types, integers
    created_at                timestamptz NOT NULL,
    PRIMARY KEY (id, interception_started_at)
) PARTITION BY RANGE (interception_started_at);
CREATE INDEX aibridge_token_usages_interception ON aibridge_token_usages (interception_id);
CREATE INDEX aibridge_token_usages_response ON aibridge_token_usages (provider_response_id);

CREATE TABLE aibridge_user_prompts (
    id                        uuid        NOT NULL,
    interception_id           uuid        NOT NULL,
    interception_started_at   timestamptz NOT NULL,
    provider_response_id      text        NOT NULL DEFAULT '',
    prompt                    text        NOT NULL,
    metadata                  jsonb       NOT NULL DEFAULT '{}',
    created_at                timestamptz NOT NULL,
    PRIMARY KEY (id, interception_started_at)
) PARTITION BY RANGE (interception_started_at);
CREATE INDEX aibridge_user_prompts_interception ON aibridge_user_prompts (interception_id, created_at DESC, id DESC);
CREATE INDEX aibridge_user_prompts_response ON aibridge_user_prompts (provider_response_id);

CREATE TABLE aibridge_tool_usages (
    id                        uuid        NOT NULL,
    interception_id           uuid        NOT NULL,
    interception_started_at   timestamptz NOT NULL,
    provider_response_id      text        NOT NULL DEFAULT '',
    provider_tool_call_id     text,
    server_url                text,                           -- NULL: a tool defined by the client
    tool                      text        NOT NULL,           -- original MCP name for injected tools
    input                     text        NOT NULL,
    injected                  boolean     NOT NULL DEFAULT false,
    invocation_error          text,
    metadata                  jsonb       NOT NULL DEFAULT '{}',
    created_at                timestamptz NOT NULL,
    PRIMARY KEY (id, interception_started_at)
) PARTITION BY RANGE (interception_started_at);
CREATE INDEX aibridge_tool_usages_interception ON aibridge_tool_usages (interception_id);
CREATE INDEX aibridge_tool_usages_response ON aibridge_tool_usages (provider_response_id);
CREATE INDEX aibridge_tool_usages_call ON aibridge_tool_usages (provider_tool_call_id, created_at DESC)
    WHERE provider_tool_call_id IS NOT NULL;

CREATE TABLE aibridge_model_thoughts (
    id                        uuid        NOT NULL,           -- ours; the reference has no key
    interception_id           uuid        NOT NULL,
    interception_started_at   timestamptz NOT NULL,
    provider_response_id      text        NOT NULL DEFAULT '',
    content                   text        NOT NULL,
    source                    text        NOT NULL CHECK (source IN ('thinking', 'reasoning_summary', 'commentary')),
    metadata                  jsonb       NOT NULL DEFAULT '{}',
    created_at                timestamptz NOT NULL,
    PRIMARY KEY (id, interception_started_at)
) PARTITION BY RANGE (interception_started_at);
CREATE INDEX aibridge_model_thoughts_interception ON aibridge_model_thoughts (interception_id);

-- ---------------------------------------------------------------------------------------------
-- Day partitions. Every writer calls aibridge_ensure_day_partitions(first, last) for the days it
-- is about to write (the recorder caches the days it has made sure of); retention drops them.
-- Partition names: <table>_pYYYYMMDD, bounds [day 00:00 UTC, next day 00:00 UTC).
-- There is deliberately no DEFAULT partition: it would block DETACH ... CONCURRENTLY.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION aibridge_partitioned_tables() RETURNS text[]
    LANGUAGE sql IMMUTABLE AS
$$ SELECT ARRAY['aibridge_interceptions', 'aibridge_token_usages', 'aibridge_user_prompts',
                'aibridge_tool_usages', 'aibridge_model_thoughts'] $$;

CREATE FUNCTION aibridge_ensure_day_partitions(first_day date, last_day date) RETURNS integer
    LANGUAGE plpgsql AS
$$
DECLARE
    day     date;
    parent  text;
    child   text;
    created integer := 0;
BEGIN
    IF last_day < first_day THEN
        RETURN 0;
    END IF;
    FOR day IN SELECT generate_series(first_day, last_day, interval '1 day')::date LOOP
        FOREACH parent IN ARRAY aibridge_partitioned_tables() LOOP
            child := parent || '_p' || to_char(day, 'YYYYMMDD');
            IF to_regclass(child) IS NULL THEN
                -- Two writers may race to create the same partition; serialise them and re-check.
                PERFORM pg_advisory_xact_lock(hashtext('aibridge_ensure_day_partitions'));
                IF to_regclass(child) IS NULL THEN
                    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                                   child, parent,
                                   (day::timestamp AT TIME ZONE 'UTC'),
                                   ((day + 1)::timestamp AT TIME ZONE 'UTC'));
                    created := created + 1;
                END IF;
            END IF;
        END LOOP;
    END LOOP;
    RETURN created;
END
$$;

-- The day partitions that exist, one row per day, with the tables that have it.
CREATE VIEW aibridge_day_partitions AS
SELECT to_date(substring(c.relname FROM '_p([0-9]{8})$'), 'YYYYMMDD') AS day,
       array_agg(p.relname::text ORDER BY p.relname)                  AS parents,
       array_agg(c.relname::text ORDER BY p.relname)                  AS partitions
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_class p ON p.oid = i.inhparent
WHERE p.relname = ANY (aibridge_partitioned_tables())
  AND c.relname ~ '_p[0-9]{8}$'
GROUP BY 1;

-- ---------------------------------------------------------------------------------------------
-- Session summaries, kept current by the recorder (and by retention after a purge), so the
-- sessions list never aggregates raw rows. One row per (session_id, initiator_id) with at least
-- one visible interception; every aggregate covers all visible interceptions of that pair.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE aibridge_sessions (
    session_id                text        NOT NULL,
    initiator_id              uuid        NOT NULL,
    started_at                timestamptz NOT NULL,   -- earliest start
    last_started_at           timestamptz NOT NULL,   -- latest start
    ended_at                  timestamptz,            -- latest end
    last_active_at            timestamptz NOT NULL,   -- latest prompt's created_at, else started_at
    providers                 text[]      NOT NULL DEFAULT '{}',  -- distinct provider types, sorted
    models                    text[]      NOT NULL DEFAULT '{}',  -- distinct models, sorted
    clients                   text[]      NOT NULL DEFAULT '{}',  -- distinct clients (NULL as Unknown), sorted
    client                    text,                   -- the first interception's client
    metadata                  jsonb       NOT NULL DEFAULT '{}',  -- the first interception's metadata
    interceptions             integer     NOT NULL,
    threads                   integer     NOT NULL,   -- roots: thread_root_id IS NULL
    input_tokens              bigint      NOT NULL DEFAULT 0,
    output_tokens             bigint      NOT NULL DEFAULT 0,
    cache_read_input_tokens   bigint      NOT NULL DEFAULT 0,
    cache_write_input_tokens  bigint      NOT NULL DEFAULT 0,
    last_prompt               text,
    last_prompt_at            timestamptz,
    updated_at                timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, initiator_id)
);
-- Sessions list order (last_active_at DESC, session_id DESC), keyset paging, all users and per user.
CREATE INDEX aibridge_sessions_activity ON aibridge_sessions (last_active_at DESC, session_id DESC, initiator_id DESC);
CREATE INDEX aibridge_sessions_initiator_activity ON aibridge_sessions (initiator_id, last_active_at DESC, session_id DESC);
CREATE INDEX aibridge_sessions_providers ON aibridge_sessions USING gin (providers);
CREATE INDEX aibridge_sessions_models ON aibridge_sessions USING gin (models);
CREATE INDEX aibridge_sessions_clients ON aibridge_sessions USING gin (clients);
CREATE INDEX aibridge_sessions_started ON aibridge_sessions (started_at);

-- ---------------------------------------------------------------------------------------------
-- Identity, from the compacted identity topic. Only hashes of key secrets.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE aibridge_users (
    id          uuid        PRIMARY KEY,
    username    text        NOT NULL,
    name        text        NOT NULL DEFAULT '',
    email       text,
    avatar_url  text        NOT NULL DEFAULT '',
    role        text        NOT NULL CHECK (role IN ('owner', 'auditor', 'member')),
    status      text        NOT NULL CHECK (status IN ('active', 'suspended')),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX aibridge_users_username ON aibridge_users (lower(username));

CREATE TABLE aibridge_api_keys (
    id           text        PRIMARY KEY,
    user_id      uuid        NOT NULL,
    name         text        NOT NULL DEFAULT '',
    secret_hash  char(64),                -- NULL when only the revocation was seen (compacted topic)
    created_at   timestamptz,
    expires_at   timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX aibridge_api_keys_user ON aibridge_api_keys (user_id);

-- ---------------------------------------------------------------------------------------------
-- The one definition of a session summary. Recomputes the summaries of the given
-- (session_id, initiator_id) pairs from the visible interceptions and their children, and deletes
-- the summaries of pairs with nothing visible left. Called by the recorder for the sessions a batch
-- touched (old and new session ids when lineage moved an interception), by retention after a purge,
-- and by tests that write rows directly. Cost is proportional to the sessions given, not to the data.
-- Callers that may run concurrently on the same sessions serialise with
-- pg_advisory_xact_lock(hashtextextended(session_id || '/' || initiator_id, 0)), in sorted order.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION aibridge_refresh_sessions(session_ids text[], initiator_ids uuid[]) RETURNS void
    LANGUAGE sql AS
$$
WITH keys AS (
    SELECT DISTINCT k.session_id, k.initiator_id
    FROM unnest(session_ids, initiator_ids) AS k(session_id, initiator_id)
),
visible AS (
    SELECT i.*
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
    SELECT DISTINCT ON (session_id, initiator_id) session_id, initiator_id, client, metadata
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
    SELECT DISTINCT ON (v.session_id, v.initiator_id) v.session_id, v.initiator_id, p.prompt, p.created_at
    FROM visible v
    JOIN aibridge_user_prompts p ON p.interception_id = v.id AND p.interception_started_at = v.started_at
    ORDER BY v.session_id, v.initiator_id, p.created_at DESC, p.id DESC
),
upserted AS (
    INSERT INTO aibridge_sessions AS s (
        session_id, initiator_id, started_at, last_started_at, ended_at, last_active_at,
        providers, models, clients, client, metadata, interceptions, threads,
        input_tokens, output_tokens, cache_read_input_tokens, cache_write_input_tokens,
        last_prompt, last_prompt_at, updated_at)
    SELECT a.session_id, a.initiator_id, a.started_at, a.last_started_at, a.ended_at,
           coalesce(p.created_at, a.started_at),
           a.providers, a.models, a.clients, f.client, f.metadata, a.interceptions, a.threads,
           coalesce(t.input_tokens, 0), coalesce(t.output_tokens, 0),
           coalesce(t.cache_read_input_tokens, 0), coalesce(t.cache_write_input_tokens, 0),
           p.prompt, p.created_at, now()
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
        updated_at               = excluded.updated_at
    RETURNING s.session_id
)
DELETE FROM aibridge_sessions s
USING keys k
WHERE s.session_id = k.session_id
  AND s.initiator_id = k.initiator_id
  AND NOT EXISTS (SELECT 1 FROM agg a WHERE a.session_id = k.session_id AND a.initiator_id = k.initiator_id);
$$;

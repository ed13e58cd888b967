-- AI Bridge schema, version 20 (query-service): indexes for the REST API's reads. See schema/README.md.
-- Measured with 1,000,000 interceptions in 100,000 sessions (query-service's SessionListBenchmark).

-- 1. Sessions list: index-only walks.
-- The list walks the summaries in activity order and filters them (time range, provider, model,
-- client arrays, and the per-session EXISTS probe, which needs only the keys and the first and last
-- start). With those columns INCLUDEd, the walk and the count read the index alone (heap rows hold
-- metadata and the last prompt and are ten times wider): a filter that matches little, or matches
-- only old sessions, skips non-matching entries without touching the table, so the first page and
-- a deep cursor page cost the same and stay cheap. These replace V1's plain activity indexes
-- (same keys, so nothing that used them loses anything).
CREATE INDEX aibridge_sessions_activity_covering ON aibridge_sessions
    (last_active_at DESC, session_id DESC, initiator_id DESC)
    INCLUDE (started_at, last_started_at, providers, models, clients);
CREATE INDEX aibridge_sessions_initiator_activity_covering ON aibridge_sessions
    (initiator_id, last_active_at DESC, session_id DESC)
    INCLUDE (started_at, last_started_at, providers, models, clients);
DROP INDEX aibridge_sessions_activity;
DROP INDEX aibridge_sessions_initiator_activity;

-- Index-only scans need the visibility map to be current. Summaries of active sessions are
-- rewritten with every batch, so vacuum this table far more often than the 20 % default.
ALTER TABLE aibridge_sessions SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02,
                                   autovacuum_analyze_scale_factor = 0.02);

-- 2. Interceptions list filters (the reference has the same three, §8.6 of the behaviour notes).
-- Each serves its filter in the list's own order (newest first, keyset on started_at and id), the
-- filtered count as an index-only scan, and the models and clients lists as a skip scan over the
-- distinct values (a few probes per value and day instead of reading every row).
CREATE INDEX aibridge_interceptions_model ON aibridge_interceptions (model, started_at DESC, id DESC)
    WHERE ended_at IS NOT NULL AND initiator_id IS NOT NULL;
CREATE INDEX aibridge_interceptions_provider ON aibridge_interceptions (provider, started_at DESC, id DESC)
    WHERE ended_at IS NOT NULL AND initiator_id IS NOT NULL;
-- NULL clients are read as Unknown everywhere; the expression is exactly the one the queries use.
CREATE INDEX aibridge_interceptions_client ON aibridge_interceptions ((coalesce(client, 'Unknown')), started_at DESC, id DESC)
    WHERE ended_at IS NOT NULL AND initiator_id IS NOT NULL;

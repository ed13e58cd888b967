-- =============================================================================================
-- Model prices for the Grafana dashboard's "Approximate cost" panel (deploy/grafana).
--
-- USD per million tokens, by provider type and model-name prefix: a recorded model is priced by
-- the row of its provider with the longest prefix it starts with, so dated snapshots
-- (claude-sonnet-4-5-20250929) and later point releases take their family's price, and
-- gpt-4o-mini is not priced as gpt-4o. The four prices match the four token columns of
-- aibridge_token_usages: input_tokens (uncached input), output_tokens (reasoning included),
-- cache_read_input_tokens and cache_write_input_tokens. OpenAI does not bill cache writes.
--
-- The rows are the providers' public list prices when this migration was written (standard tier,
-- 5-minute cache writes for Anthropic, short prompts). They are estimates: operators with other
-- prices or other models change them with plain SQL (the recorder never writes this table, and
-- later migrations only add models that are missing, never overwrite a row):
--   INSERT INTO aibridge_model_prices VALUES ('openai', 'gpt-5', 1.25, 10, 0.125, 0, now())
--   ON CONFLICT (provider, model_prefix) DO UPDATE SET input_usd_per_mtok = EXCLUDED.input_usd_per_mtok, ...;
-- =============================================================================================
CREATE TABLE aibridge_model_prices (
    provider                   text          NOT NULL,   -- provider type: anthropic, openai
    model_prefix               text          NOT NULL,
    input_usd_per_mtok         numeric(12,6) NOT NULL CHECK (input_usd_per_mtok >= 0),
    output_usd_per_mtok        numeric(12,6) NOT NULL CHECK (output_usd_per_mtok >= 0),
    cache_read_usd_per_mtok    numeric(12,6) NOT NULL CHECK (cache_read_usd_per_mtok >= 0),
    cache_write_usd_per_mtok   numeric(12,6) NOT NULL CHECK (cache_write_usd_per_mtok >= 0),
    updated_at                 timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, model_prefix),
    CHECK (model_prefix <> '')
);

COMMENT ON TABLE aibridge_model_prices IS
    'USD per million tokens by provider and model-name prefix (longest prefix wins); estimates for the Grafana cost panel, edit freely';

INSERT INTO aibridge_model_prices
    (provider, model_prefix, input_usd_per_mtok, output_usd_per_mtok, cache_read_usd_per_mtok, cache_write_usd_per_mtok)
VALUES
    ('anthropic', 'claude-opus-4-5',   5.00, 25.00, 0.50,  6.25),
    ('anthropic', 'claude-opus-4-1',  15.00, 75.00, 1.50, 18.75),
    ('anthropic', 'claude-opus-4',    15.00, 75.00, 1.50, 18.75),
    ('anthropic', 'claude-3-opus',    15.00, 75.00, 1.50, 18.75),
    ('anthropic', 'claude-sonnet-4',   3.00, 15.00, 0.30,  3.75),
    ('anthropic', 'claude-3-7-sonnet', 3.00, 15.00, 0.30,  3.75),
    ('anthropic', 'claude-3-5-sonnet', 3.00, 15.00, 0.30,  3.75),
    ('anthropic', 'claude-haiku-4-5',  1.00,  5.00, 0.10,  1.25),
    ('anthropic', 'claude-3-5-haiku',  0.80,  4.00, 0.08,  1.00),
    ('anthropic', 'claude-3-haiku',    0.25,  1.25, 0.03,  0.30),
    ('openai',    'gpt-5',             1.25, 10.00, 0.125, 0),
    ('openai',    'gpt-5-mini',        0.25,  2.00, 0.025, 0),
    ('openai',    'gpt-5-nano',        0.05,  0.40, 0.005, 0),
    ('openai',    'gpt-5-pro',        15.00, 120.00, 15.00, 0),
    ('openai',    'gpt-4.1',           2.00,  8.00, 0.50,  0),
    ('openai',    'gpt-4.1-mini',      0.40,  1.60, 0.10,  0),
    ('openai',    'gpt-4.1-nano',      0.10,  0.40, 0.025, 0),
    ('openai',    'gpt-4o',            2.50, 10.00, 1.25,  0),
    ('openai',    'gpt-4o-mini',       0.15,  0.60, 0.075, 0),
    ('openai',    'o1',               15.00, 60.00, 7.50,  0),
    ('openai',    'o3',                2.00,  8.00, 0.50,  0),
    ('openai',    'o3-mini',           1.10,  4.40, 0.55,  0),
    ('openai',    'o4-mini',           1.10,  4.40, 0.275, 0),
    ('openai',    'codex-mini',        1.50,  6.00, 0.375, 0);

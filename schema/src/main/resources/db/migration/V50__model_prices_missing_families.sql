-- AI Bridge schema, version 50 (observability): model families V40's price list lacked.
--
-- A model takes the price of the longest prefix of its provider that it starts with (V40), so a
-- family without a row of its own takes its parent's: o1-mini was priced as o1 (about 13 times
-- its list price), o1-pro as o1 and o3-pro as o3 (about a tenth of theirs), and the deep-research
-- models as o3 and o4-mini (a fifth and a quarter of theirs). Public list prices when this was
-- written, standard tier, USD per million tokens; the pro models have no cached-input discount.
-- As V40 promises, rows an operator already has are left as they are.
INSERT INTO aibridge_model_prices
    (provider, model_prefix, input_usd_per_mtok, output_usd_per_mtok, cache_read_usd_per_mtok, cache_write_usd_per_mtok)
VALUES
    ('openai', 'o1-mini',                 1.10,   4.40,   0.55,  0),
    ('openai', 'o1-pro',                150.00, 600.00, 150.00,  0),
    ('openai', 'o3-pro',                 20.00,  80.00,  20.00,  0),
    ('openai', 'o3-deep-research',       10.00,  40.00,   2.50,  0),
    ('openai', 'o4-mini-deep-research',   2.00,   8.00,   0.50,  0)
ON CONFLICT (provider, model_prefix) DO NOTHING;

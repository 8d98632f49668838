-- Pricing: list prices for the models the tiers route to, and the usage columns that
-- pricing needs (1-hour cache writes are billed at a different rate; the price row used
-- is kept so a later price change never re-prices history).
--
-- Prices are integer micro-USD per million tokens ($3 = 3000000). Cache write 5 min =
-- 1.25 x input, 1 h = 2 x input, cache read = 0.1 x input (see FACTS.md).

INSERT INTO price_book (model, effective_from, input_micros_per_mtok, output_micros_per_mtok,
                        cache_write_5m_micros_per_mtok, cache_write_1h_micros_per_mtok, cache_read_micros_per_mtok)
VALUES
  ('claude-opus-4-5',   '2025-01-01T00:00:00Z', 5000000, 25000000, 6250000, 10000000, 500000),
  ('claude-opus-4-6',   '2025-01-01T00:00:00Z', 5000000, 25000000, 6250000, 10000000, 500000),
  ('claude-opus-4-7',   '2025-01-01T00:00:00Z', 5000000, 25000000, 6250000, 10000000, 500000),
  ('claude-opus-4-8',   '2025-01-01T00:00:00Z', 5000000, 25000000, 6250000, 10000000, 500000),
  ('claude-sonnet-4-5', '2025-01-01T00:00:00Z', 3000000, 15000000, 3750000,  6000000, 300000),
  ('claude-sonnet-4-6', '2025-01-01T00:00:00Z', 3000000, 15000000, 3750000,  6000000, 300000),
  ('claude-haiku-4-5',  '2025-01-01T00:00:00Z', 1000000,  5000000, 1250000,  2000000, 100000)
ON CONFLICT (model, effective_from) DO NOTHING;

-- cache_write_tokens stays the total of cache writes; cache_write_1h_tokens is the 1-hour
-- share of it (the rest are 5-minute writes).
ALTER TABLE usage_events
  ADD COLUMN cache_write_1h_tokens integer NOT NULL DEFAULT 0,
  ADD COLUMN price_id uuid REFERENCES price_book (id),
  ADD CONSTRAINT usage_events_cache_write_1h_tokens_range
    CHECK (cache_write_1h_tokens >= 0 AND cache_write_1h_tokens <= cache_write_tokens);

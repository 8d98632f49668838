-- The exact ledger: one usage_events row per upstream request, written before the request
-- leaves (status 'started', with the quota it reserved) and settled once afterwards with
-- the upstream's usage, or with an estimate (estimated = true). Settlement is idempotent:
-- it updates only a row still 'started', and the quota moves only for rows it settled.
--
-- Rollups no longer update shared rows inside the request's transaction (every call of a
-- tenant queued on its (day, model) row until commit). Events append their changes to
-- usage_rollup_queue (INSERT, UPDATE and DELETE alike, settled rows only); fold_usage_rollups()
-- moves them into usage_daily (tenant-local days), usage_daily_tenant (UTC days) and
-- usage_monthly_tenant (UTC months, the provider's invoice month). Readers fold first, so
-- what a dashboard shows always equals the events.

-- ---------------------------------------------------------------------------
-- Ledger columns
-- ---------------------------------------------------------------------------

ALTER TABLE usage_events
  ADD COLUMN started_at      timestamptz(3),
  -- Defaults to now() so a row inserted already settled (seeds, bulk loads) is consistent;
  -- the reservation writes NULL explicitly.
  ADD COLUMN settled_at      timestamptz(3) DEFAULT now(),
  ADD COLUMN reserved_tokens bigint NOT NULL DEFAULT 0 CHECK (reserved_tokens >= 0),
  ADD COLUMN quota_period    date,
  ADD COLUMN max_tokens      integer CHECK (max_tokens >= 0),
  ADD COLUMN estimated       boolean NOT NULL DEFAULT false;

UPDATE usage_events SET started_at = created_at - latency_ms * interval '1 millisecond', settled_at = created_at;
ALTER TABLE usage_events ALTER COLUMN started_at SET DEFAULT now(), ALTER COLUMN started_at SET NOT NULL;
ALTER TABLE usage_events ADD CONSTRAINT usage_events_settled_when_final CHECK ((status = 'started') = (settled_at IS NULL));
-- The sweeper's scan: only rows in flight, a handful at any time.
CREATE INDEX usage_events_in_flight ON usage_events (started_at) WHERE status = 'started';

-- The app may settle (UPDATE) or withdraw (DELETE, a call that never left the queue) a row
-- that is still in flight, never a settled one.
GRANT UPDATE (status, settled_at, input_tokens, output_tokens, cache_write_tokens, cache_write_1h_tokens,
              cache_read_tokens, latency_ms, ttft_ms, cost_micros, price_missing, price_id, error_type,
              estimated, created_at, model),
      DELETE ON usage_events TO bh_tenant;
-- WITH CHECK (true): the settled row itself is of course no longer 'started'.
CREATE POLICY usage_events_settle_in_flight ON usage_events AS RESTRICTIVE FOR UPDATE TO bh_tenant
  USING (status = 'started') WITH CHECK (true);
CREATE POLICY usage_events_withdraw_in_flight ON usage_events AS RESTRICTIVE FOR DELETE TO bh_tenant
  USING (status = 'started');

-- ---------------------------------------------------------------------------
-- Rollup columns: 1-hour cache writes, estimated and unpriced events
-- ---------------------------------------------------------------------------

ALTER TABLE usage_daily
  ADD COLUMN cache_write_1h_tokens bigint NOT NULL DEFAULT 0,
  ADD COLUMN estimated             bigint NOT NULL DEFAULT 0,
  ADD COLUMN price_missing         bigint NOT NULL DEFAULT 0;
ALTER TABLE usage_daily_tenant
  ADD COLUMN estimated     bigint NOT NULL DEFAULT 0,
  ADD COLUMN price_missing bigint NOT NULL DEFAULT 0;
ALTER TABLE usage_monthly_tenant
  ADD COLUMN estimated     bigint NOT NULL DEFAULT 0,
  ADD COLUMN price_missing bigint NOT NULL DEFAULT 0;

-- The staff rollups are a billing ledger: they outlive a deleted tenant (its id is all that
-- remains, a pseudonym), so a past month's cost is never rewritten.
ALTER TABLE usage_daily_tenant DROP CONSTRAINT IF EXISTS usage_daily_tenant_tenant_id_fkey;
ALTER TABLE usage_monthly_tenant DROP CONSTRAINT IF EXISTS usage_monthly_tenant_tenant_id_fkey;
DROP TRIGGER usage_daily_tenant_on_insert ON usage_daily;
DROP TRIGGER usage_daily_tenant_on_update ON usage_daily;
DROP TRIGGER usage_daily_tenant_on_delete ON usage_daily;
DROP FUNCTION usage_daily_tenant_sync();
DROP FUNCTION usage_daily_tenant_add(usage_daily_tenant[]);
DROP TRIGGER usage_events_rollup ON usage_events;
DROP FUNCTION usage_daily_apply_inserts();

-- ---------------------------------------------------------------------------
-- The queue: one row per settled event change, +1 when it appears, -1 when it goes.
-- No foreign key: a deleted tenant's queued changes still reach the staff ledger.
-- ---------------------------------------------------------------------------

CREATE TABLE usage_rollup_queue (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id             uuid NOT NULL,
  sign                  smallint NOT NULL CHECK (sign IN (-1, 1)),
  created_at            timestamptz(3) NOT NULL,
  model                 text NOT NULL,
  request_type          "RequestType" NOT NULL,
  user_id               uuid NOT NULL,
  status                "UsageStatus" NOT NULL,
  input_tokens          bigint NOT NULL,
  output_tokens         bigint NOT NULL,
  cache_write_tokens    bigint NOT NULL,
  cache_write_1h_tokens bigint NOT NULL,
  cache_read_tokens     bigint NOT NULL,
  cost_micros           bigint NOT NULL,
  latency_ms            integer NOT NULL,
  ttft_ms               integer,
  estimated             boolean NOT NULL,
  price_missing         boolean NOT NULL
);
CREATE INDEX usage_rollup_queue_by_tenant ON usage_rollup_queue (tenant_id, id);
ALTER TABLE usage_rollup_queue ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_rollup_queue FORCE ROW LEVEL SECURITY;
-- No app role touches the queue directly: the trigger and fold run as the owner.
CREATE POLICY usage_rollup_queue_owner ON usage_rollup_queue FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);

CREATE FUNCTION usage_hist_neg(h integer[]) RETURNS integer[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN h IS NULL THEN NULL ELSE ARRAY(SELECT -x FROM unnest(h) WITH ORDINALITY AS u(x, i) ORDER BY i) END $$;

-- Settled rows only; rows of a tenant that is being deleted are not taken back (the cascade
-- from tenants deletes its events, but the billing ledger keeps what they cost).
CREATE FUNCTION usage_events_enqueue_rollup() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  -- Shared with every other writer, exclusive against a rebuild of the same tenant (so a
  -- rebuild never counts a change that is also queued). Class id 'USGD', as in 0005.
  -- Each branch reads only the transition tables its event has (UPDATE keeps tenant_id).
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_advisory_xact_lock_shared(1431521092, usage_daily_lock_key(s.tenant_id))
       FROM (SELECT DISTINCT tenant_id FROM old_rows ORDER BY tenant_id) s;
  ELSE
    PERFORM pg_advisory_xact_lock_shared(1431521092, usage_daily_lock_key(s.tenant_id))
       FROM (SELECT DISTINCT tenant_id FROM new_rows ORDER BY tenant_id) s;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO usage_rollup_queue (tenant_id, sign, created_at, model, request_type, user_id, status,
      input_tokens, output_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens, cost_micros,
      latency_ms, ttft_ms, estimated, price_missing)
    SELECT e.tenant_id, 1, e.created_at, e.model, e.request_type,
           coalesce(e.user_id, '00000000-0000-0000-0000-000000000000'::uuid), e.status,
           e.input_tokens, e.output_tokens, e.cache_write_tokens, e.cache_write_1h_tokens, e.cache_read_tokens,
           e.cost_micros, e.latency_ms, e.ttft_ms, e.estimated, e.price_missing
      FROM new_rows e WHERE e.status <> 'started';
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO usage_rollup_queue (tenant_id, sign, created_at, model, request_type, user_id, status,
      input_tokens, output_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens, cost_micros,
      latency_ms, ttft_ms, estimated, price_missing)
    SELECT e.tenant_id, -1, e.created_at, e.model, e.request_type,
           coalesce(e.user_id, '00000000-0000-0000-0000-000000000000'::uuid), e.status,
           e.input_tokens, e.output_tokens, e.cache_write_tokens, e.cache_write_1h_tokens, e.cache_read_tokens,
           e.cost_micros, e.latency_ms, e.ttft_ms, e.estimated, e.price_missing
      FROM old_rows e
     WHERE e.status <> 'started'
       AND (TG_OP = 'UPDATE' OR EXISTS (SELECT 1 FROM tenants t WHERE t.id = e.tenant_id));
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER usage_events_rollup_on_insert AFTER INSERT ON usage_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION usage_events_enqueue_rollup();
CREATE TRIGGER usage_events_rollup_on_update AFTER UPDATE ON usage_events
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION usage_events_enqueue_rollup();
CREATE TRIGGER usage_events_rollup_on_delete AFTER DELETE ON usage_events
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION usage_events_enqueue_rollup();

-- ---------------------------------------------------------------------------
-- Fold: takes queued changes (one tenant's, or everyone's with NULL) and applies them to
-- the three rollups in key order. Concurrent folds take disjoint rows (DELETE locks them).
-- Returns the number of queue rows folded.
-- ---------------------------------------------------------------------------

CREATE FUNCTION fold_usage_rollups(p_tenant uuid) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  folded bigint;
  queued uuid[];
BEGIN
  -- A tenant's members may fold their own tenant; staff and the owner anyone.
  IF current_user = 'bh_tenant' AND (p_tenant IS NULL OR p_tenant IS DISTINCT FROM app_tenant_id()) THEN
    RAISE EXCEPTION 'fold_usage_rollups: a tenant scope folds only its own tenant' USING ERRCODE = '42501';
  END IF;

  SELECT array_agg(DISTINCT q.tenant_id ORDER BY q.tenant_id) INTO queued
    FROM usage_rollup_queue q WHERE p_tenant IS NULL OR q.tenant_id = p_tenant;
  IF queued IS NULL THEN
    RETURN 0;
  END IF;
  -- Excludes a concurrent rebuild of these tenants (rebuild_usage_daily), in key order.
  PERFORM pg_advisory_xact_lock_shared(1431521092, usage_daily_lock_key(x)) FROM unnest(queued) AS x ORDER BY x;

  CREATE TEMP TABLE IF NOT EXISTS usage_fold_batch (LIKE usage_rollup_queue) ON COMMIT DELETE ROWS;
  TRUNCATE usage_fold_batch;
  WITH taken AS (
    DELETE FROM usage_rollup_queue q WHERE q.tenant_id = ANY (queued) RETURNING q.*
  )
  INSERT INTO usage_fold_batch SELECT * FROM taken;
  GET DIAGNOSTICS folded = ROW_COUNT;
  IF folded = 0 THEN
    RETURN 0;
  END IF;

  INSERT INTO usage_daily AS d (
    tenant_id, day, model, request_type, user_id, requests, errors, aborted,
    input_tokens, output_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens, cost_micros,
    latency_ms_sum, ttft_ms_sum, ttft_count, latency_hist, ttft_hist, estimated, price_missing)
  SELECT b.tenant_id, (b.created_at AT TIME ZONE t.time_zone)::date, b.model, b.request_type, b.user_id,
         sum(b.sign),
         coalesce(sum(b.sign) FILTER (WHERE b.status = 'error'), 0),
         coalesce(sum(b.sign) FILTER (WHERE b.status = 'aborted'), 0),
         sum(b.sign * b.input_tokens), sum(b.sign * b.output_tokens), sum(b.sign * b.cache_write_tokens),
         sum(b.sign * b.cache_write_1h_tokens), sum(b.sign * b.cache_read_tokens), sum(b.sign * b.cost_micros),
         sum(b.sign * b.latency_ms), coalesce(sum(b.sign * b.ttft_ms), 0),
         coalesce(sum(b.sign) FILTER (WHERE b.ttft_ms IS NOT NULL), 0),
         usage_hist_add(usage_hist(usage_hist_bucket(b.latency_ms)) FILTER (WHERE b.sign > 0),
                        usage_hist_neg(usage_hist(usage_hist_bucket(b.latency_ms)) FILTER (WHERE b.sign < 0))),
         usage_hist_add(usage_hist(usage_hist_bucket(b.ttft_ms)) FILTER (WHERE b.sign > 0),
                        usage_hist_neg(usage_hist(usage_hist_bucket(b.ttft_ms)) FILTER (WHERE b.sign < 0))),
         coalesce(sum(b.sign) FILTER (WHERE b.estimated), 0),
         coalesce(sum(b.sign) FILTER (WHERE b.price_missing), 0)
    FROM usage_fold_batch b
    JOIN tenants t ON t.id = b.tenant_id
   GROUP BY 1, 2, 3, 4, 5
   ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (tenant_id, day, model, request_type, user_id) DO UPDATE SET
    requests              = d.requests + EXCLUDED.requests,
    errors                = d.errors + EXCLUDED.errors,
    aborted               = d.aborted + EXCLUDED.aborted,
    input_tokens          = d.input_tokens + EXCLUDED.input_tokens,
    output_tokens         = d.output_tokens + EXCLUDED.output_tokens,
    cache_write_tokens    = d.cache_write_tokens + EXCLUDED.cache_write_tokens,
    cache_write_1h_tokens = d.cache_write_1h_tokens + EXCLUDED.cache_write_1h_tokens,
    cache_read_tokens     = d.cache_read_tokens + EXCLUDED.cache_read_tokens,
    cost_micros           = d.cost_micros + EXCLUDED.cost_micros,
    latency_ms_sum        = d.latency_ms_sum + EXCLUDED.latency_ms_sum,
    ttft_ms_sum           = d.ttft_ms_sum + EXCLUDED.ttft_ms_sum,
    ttft_count            = d.ttft_count + EXCLUDED.ttft_count,
    latency_hist          = usage_hist_add(d.latency_hist, EXCLUDED.latency_hist),
    ttft_hist             = usage_hist_add(d.ttft_hist, EXCLUDED.ttft_hist),
    estimated             = d.estimated + EXCLUDED.estimated,
    price_missing         = d.price_missing + EXCLUDED.price_missing;

  INSERT INTO usage_daily_tenant AS s (day, tenant_id, model, requests, tokens, cost_micros, estimated, price_missing)
  SELECT (b.created_at AT TIME ZONE 'UTC')::date, b.tenant_id, b.model, sum(b.sign),
         sum(b.sign * (b.input_tokens + b.output_tokens + b.cache_write_tokens + b.cache_read_tokens)),
         sum(b.sign * b.cost_micros),
         coalesce(sum(b.sign) FILTER (WHERE b.estimated), 0), coalesce(sum(b.sign) FILTER (WHERE b.price_missing), 0)
    FROM usage_fold_batch b
   GROUP BY 1, 2, 3
   ORDER BY 1, 2, 3
  ON CONFLICT (day, tenant_id, model) DO UPDATE SET
    requests = s.requests + EXCLUDED.requests, tokens = s.tokens + EXCLUDED.tokens,
    cost_micros = s.cost_micros + EXCLUDED.cost_micros, estimated = s.estimated + EXCLUDED.estimated,
    price_missing = s.price_missing + EXCLUDED.price_missing;

  INSERT INTO usage_monthly_tenant AS s (month, tenant_id, model, requests, tokens, cost_micros, estimated, price_missing)
  SELECT date_trunc('month', b.created_at AT TIME ZONE 'UTC')::date, b.tenant_id, b.model, sum(b.sign),
         sum(b.sign * (b.input_tokens + b.output_tokens + b.cache_write_tokens + b.cache_read_tokens)),
         sum(b.sign * b.cost_micros),
         coalesce(sum(b.sign) FILTER (WHERE b.estimated), 0), coalesce(sum(b.sign) FILTER (WHERE b.price_missing), 0)
    FROM usage_fold_batch b
   GROUP BY 1, 2, 3
   ORDER BY 1, 2, 3
  ON CONFLICT (month, tenant_id, model) DO UPDATE SET
    requests = s.requests + EXCLUDED.requests, tokens = s.tokens + EXCLUDED.tokens,
    cost_micros = s.cost_micros + EXCLUDED.cost_micros, estimated = s.estimated + EXCLUDED.estimated,
    price_missing = s.price_missing + EXCLUDED.price_missing;

  -- Rows brought back to nothing (an event deleted) go, as if they had never been.
  DELETE FROM usage_daily d USING (SELECT DISTINCT tenant_id FROM usage_fold_batch WHERE sign < 0) n
   WHERE d.tenant_id = n.tenant_id AND d.requests = 0;
  DELETE FROM usage_daily_tenant d USING (SELECT DISTINCT tenant_id FROM usage_fold_batch WHERE sign < 0) n
   WHERE d.tenant_id = n.tenant_id AND d.requests = 0;
  DELETE FROM usage_monthly_tenant d USING (SELECT DISTINCT tenant_id FROM usage_fold_batch WHERE sign < 0) n
   WHERE d.tenant_id = n.tenant_id AND d.requests = 0;

  TRUNCATE usage_fold_batch;
  RETURN folded;
END
$$;

-- ---------------------------------------------------------------------------
-- Rebuild one tenant's usage_daily (time-zone change, bulk loads), now over settled rows,
-- after folding what is queued (so the staff ledger keeps it).
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION rebuild_usage_daily(p_tenant uuid) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  written bigint;
BEGIN
  -- Exclusive: every writer of this tenant's events has committed, and new ones wait, so the
  -- queue folded here and the recount below see the same events.
  PERFORM pg_advisory_xact_lock(1431521092, usage_daily_lock_key(p_tenant));
  PERFORM fold_usage_rollups(p_tenant);
  DELETE FROM usage_daily WHERE tenant_id = p_tenant;

  INSERT INTO usage_daily (
    tenant_id, day, model, request_type, user_id, requests, errors, aborted,
    input_tokens, output_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens, cost_micros,
    latency_ms_sum, ttft_ms_sum, ttft_count, latency_hist, ttft_hist, estimated, price_missing)
  SELECT e.tenant_id, (e.created_at AT TIME ZONE t.time_zone)::date, e.model, e.request_type,
         coalesce(e.user_id, '00000000-0000-0000-0000-000000000000'::uuid),
         count(*), count(*) FILTER (WHERE e.status = 'error'), count(*) FILTER (WHERE e.status = 'aborted'),
         sum(e.input_tokens), sum(e.output_tokens), sum(e.cache_write_tokens), sum(e.cache_write_1h_tokens),
         sum(e.cache_read_tokens), sum(e.cost_micros), sum(e.latency_ms), coalesce(sum(e.ttft_ms), 0), count(e.ttft_ms),
         usage_hist(usage_hist_bucket(e.latency_ms)), usage_hist(usage_hist_bucket(e.ttft_ms)),
         count(*) FILTER (WHERE e.estimated), count(*) FILTER (WHERE e.price_missing)
    FROM usage_events e
    JOIN tenants t ON t.id = e.tenant_id
   WHERE e.tenant_id = p_tenant AND e.status <> 'started'
   GROUP BY 1, 2, 3, 4, 5;
  GET DIAGNOSTICS written = ROW_COUNT;
  RETURN written;
END
$$;

REVOKE EXECUTE ON FUNCTION usage_events_enqueue_rollup() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION fold_usage_rollups(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION fold_usage_rollups(uuid) TO bh_tenant, bh_staff;

-- ---------------------------------------------------------------------------
-- Existing data: staff rollups recomputed in UTC days and months; usage_daily gains the
-- new columns by a rebuild.
-- ---------------------------------------------------------------------------

TRUNCATE usage_daily_tenant, usage_monthly_tenant;
INSERT INTO usage_daily_tenant (day, tenant_id, model, requests, tokens, cost_micros, estimated, price_missing)
SELECT (created_at AT TIME ZONE 'UTC')::date, tenant_id, model, count(*),
       sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens), sum(cost_micros),
       count(*) FILTER (WHERE estimated), count(*) FILTER (WHERE price_missing)
  FROM usage_events WHERE status <> 'started' GROUP BY 1, 2, 3;
INSERT INTO usage_monthly_tenant (month, tenant_id, model, requests, tokens, cost_micros, estimated, price_missing)
SELECT date_trunc('month', day)::date, tenant_id, model, sum(requests), sum(tokens), sum(cost_micros), sum(estimated), sum(price_missing)
  FROM usage_daily_tenant GROUP BY 1, 2, 3;
SELECT rebuild_usage_daily(id) FROM tenants;

-- ---------------------------------------------------------------------------
-- Quota months follow the tenant's time zone (as its dashboards do). The quota row of a
-- period is keyed by the tenant-local first day of the month.
-- ---------------------------------------------------------------------------

CREATE FUNCTION tenant_quota_period(p_tenant uuid, p_at timestamptz) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT date_trunc('month', p_at AT TIME ZONE t.time_zone)::date FROM tenants t WHERE t.id = p_tenant $$;

-- Usage rollups for the tenant usage dashboard: one row per tenant, local day (in the
-- tenant's time zone), model, request type and user, kept current as usage events arrive.
--
-- usage_events is append-only (no UPDATE or DELETE grants), so an AFTER INSERT trigger is
-- all that keeps usage_daily right. The trigger is statement-level with a transition table:
-- a batch insert (createMany, an outbox replay) is aggregated once and upserted in key
-- order, so two writers touching the same rows lock them in the same order.
--
-- rebuild_usage_daily(tenant) recomputes one tenant's rows from the raw events: after a
-- time-zone change (done by the trigger on tenants below) and for bulk loads.

-- ---------------------------------------------------------------------------
-- Latency histograms: fixed log-spaced buckets (ratio sqrt 2), mirrored by
-- lib/usage/percentiles.ts (a test compares the two). Element i of a histogram counts
-- values v with bounds[i] <= v < bounds[i + 1]; the last bucket is open-ended.
-- Changing the bounds means rebuilding every tenant's rollups.
-- ---------------------------------------------------------------------------

CREATE FUNCTION usage_hist_bounds() RETURNS integer[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT '{0,10,14,20,28,40,57,80,113,160,226,320,453,640,905,1280,1810,2560,3620,5120,7241,10240,14482,20480,28963,40960,57926,81920,115852,163840,231705,327680}'::integer[] $$;

-- 1-based bucket of a latency in ms; NULL stays NULL (a call without a first token).
CREATE FUNCTION usage_hist_bucket(ms integer) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT width_bucket(ms, usage_hist_bounds()) $$;

-- Aggregate state: counts one bucket per row (NULL buckets leave the counts alone).
CREATE FUNCTION usage_hist_accum(state integer[], bucket integer) RETURNS integer[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  IF state IS NULL THEN
    state := array_fill(0, ARRAY[cardinality(usage_hist_bounds())]);
  END IF;
  IF bucket IS NOT NULL THEN
    state[bucket] := state[bucket] + 1;
  END IF;
  RETURN state;
END
$$;

-- Element-wise sum of two histograms (a NULL side is the other side).
CREATE FUNCTION usage_hist_add(a integer[], b integer[]) RETURNS integer[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  IF a IS NULL THEN RETURN b; END IF;
  IF b IS NULL THEN RETURN a; END IF;
  FOR i IN 1 .. cardinality(b) LOOP
    a[i] := coalesce(a[i], 0) + b[i];
  END LOOP;
  RETURN a;
END
$$;

-- usage_hist(bucket): a histogram from bucket numbers; usage_hist_merge(hist): merged histograms.
CREATE AGGREGATE usage_hist(integer) (SFUNC = usage_hist_accum, STYPE = integer[], COMBINEFUNC = usage_hist_add, PARALLEL = SAFE);
CREATE AGGREGATE usage_hist_merge(integer[]) (SFUNC = usage_hist_add, STYPE = integer[], COMBINEFUNC = usage_hist_add, PARALLEL = SAFE);

-- ---------------------------------------------------------------------------
-- The rollup table. user_id uses the nil uuid for events without a user (background
-- work) so that it can be part of the primary key.
-- ---------------------------------------------------------------------------

CREATE TABLE usage_daily (
  tenant_id           uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  day                 date NOT NULL,
  model               text NOT NULL,
  request_type        "RequestType" NOT NULL,
  user_id             uuid NOT NULL,
  requests            bigint NOT NULL,
  errors              bigint NOT NULL,
  aborted             bigint NOT NULL,
  input_tokens        bigint NOT NULL,
  output_tokens       bigint NOT NULL,
  cache_write_tokens  bigint NOT NULL,
  cache_read_tokens   bigint NOT NULL,
  cost_micros         bigint NOT NULL,
  latency_ms_sum      bigint NOT NULL,
  ttft_ms_sum         bigint NOT NULL,
  ttft_count          bigint NOT NULL,
  latency_hist        integer[] NOT NULL,
  ttft_hist           integer[] NOT NULL,
  PRIMARY KEY (tenant_id, day, model, request_type, user_id)
);

GRANT SELECT ON usage_daily TO bh_tenant, bh_staff;

ALTER TABLE usage_daily ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_daily FORCE ROW LEVEL SECURITY;

CREATE POLICY usage_daily_tenant_read ON usage_daily FOR SELECT TO bh_tenant
  USING (tenant_id = app_tenant_id());
CREATE POLICY usage_daily_staff_read ON usage_daily FOR SELECT TO bh_staff USING (true);

-- The functions below run as the migration owner. Where that owner is not a superuser
-- (a managed PostgreSQL), FORCE ROW LEVEL SECURITY applies to it too: these policies let
-- it maintain the rollups and read what they are built from. No app role is the owner.
CREATE POLICY usage_daily_rollup_owner ON usage_daily FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY usage_events_rollup_owner_read ON usage_events FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY tenants_rollup_owner_read ON tenants FOR SELECT TO CURRENT_USER USING (true);

-- A time zone PostgreSQL cannot resolve would make every usage insert of that tenant fail
-- in the trigger; refuse it where it is written instead.
CREATE FUNCTION is_valid_time_zone(tz text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  PERFORM timestamptz '2000-01-01 00:00:00+00' AT TIME ZONE tz;
  RETURN true;
EXCEPTION WHEN invalid_parameter_value OR feature_not_supported THEN
  RETURN false;
END
$$;
ALTER TABLE tenants ADD CONSTRAINT tenants_time_zone_valid CHECK (is_valid_time_zone(time_zone));

-- Rebuilds and inserts of one tenant exclude each other: an insert's trigger takes this
-- lock shared, a rebuild exclusive, so a rebuild never misses or double-counts an event
-- that is being inserted while it runs (READ COMMITTED: each statement sees what the lock
-- holders committed). Class id 'USGD'.
CREATE FUNCTION usage_daily_lock_key(p_tenant uuid) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT hashtext(p_tenant::text) $$;

-- ---------------------------------------------------------------------------
-- Maintenance. The aggregation appears twice (trigger and rebuild) so that both are
-- static, plan-cached SQL; tests/integration/usage-dashboard.test.ts checks that a
-- rebuild gives exactly the rows the trigger kept.
-- ---------------------------------------------------------------------------

CREATE FUNCTION usage_daily_apply_inserts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(1431521092, usage_daily_lock_key(s.tenant_id))
     FROM (SELECT DISTINCT tenant_id FROM new_rows ORDER BY tenant_id) s;

  INSERT INTO usage_daily AS d (
    tenant_id, day, model, request_type, user_id, requests, errors, aborted,
    input_tokens, output_tokens, cache_write_tokens, cache_read_tokens, cost_micros,
    latency_ms_sum, ttft_ms_sum, ttft_count, latency_hist, ttft_hist)
  SELECT e.tenant_id,
         (e.created_at AT TIME ZONE t.time_zone)::date,
         e.model,
         e.request_type,
         coalesce(e.user_id, '00000000-0000-0000-0000-000000000000'::uuid),
         count(*),
         count(*) FILTER (WHERE e.status = 'error'),
         count(*) FILTER (WHERE e.status = 'aborted'),
         sum(e.input_tokens), sum(e.output_tokens), sum(e.cache_write_tokens), sum(e.cache_read_tokens),
         sum(e.cost_micros),
         sum(e.latency_ms),
         coalesce(sum(e.ttft_ms), 0),
         count(e.ttft_ms),
         usage_hist(usage_hist_bucket(e.latency_ms)),
         usage_hist(usage_hist_bucket(e.ttft_ms))
    FROM new_rows e
    JOIN tenants t ON t.id = e.tenant_id
   GROUP BY 1, 2, 3, 4, 5
   ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (tenant_id, day, model, request_type, user_id) DO UPDATE SET
    requests           = d.requests + EXCLUDED.requests,
    errors             = d.errors + EXCLUDED.errors,
    aborted            = d.aborted + EXCLUDED.aborted,
    input_tokens       = d.input_tokens + EXCLUDED.input_tokens,
    output_tokens      = d.output_tokens + EXCLUDED.output_tokens,
    cache_write_tokens = d.cache_write_tokens + EXCLUDED.cache_write_tokens,
    cache_read_tokens  = d.cache_read_tokens + EXCLUDED.cache_read_tokens,
    cost_micros        = d.cost_micros + EXCLUDED.cost_micros,
    latency_ms_sum     = d.latency_ms_sum + EXCLUDED.latency_ms_sum,
    ttft_ms_sum        = d.ttft_ms_sum + EXCLUDED.ttft_ms_sum,
    ttft_count         = d.ttft_count + EXCLUDED.ttft_count,
    latency_hist       = usage_hist_add(d.latency_hist, EXCLUDED.latency_hist),
    ttft_hist          = usage_hist_add(d.ttft_hist, EXCLUDED.ttft_hist);
  RETURN NULL;
END
$$;

CREATE TRIGGER usage_events_rollup
  AFTER INSERT ON usage_events
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION usage_daily_apply_inserts();

-- Returns the number of rollup rows written. Run it in READ COMMITTED (the default).
CREATE FUNCTION rebuild_usage_daily(p_tenant uuid) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  written bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(1431521092, usage_daily_lock_key(p_tenant));
  DELETE FROM usage_daily WHERE tenant_id = p_tenant;

  INSERT INTO usage_daily (
    tenant_id, day, model, request_type, user_id, requests, errors, aborted,
    input_tokens, output_tokens, cache_write_tokens, cache_read_tokens, cost_micros,
    latency_ms_sum, ttft_ms_sum, ttft_count, latency_hist, ttft_hist)
  SELECT e.tenant_id,
         (e.created_at AT TIME ZONE t.time_zone)::date,
         e.model,
         e.request_type,
         coalesce(e.user_id, '00000000-0000-0000-0000-000000000000'::uuid),
         count(*),
         count(*) FILTER (WHERE e.status = 'error'),
         count(*) FILTER (WHERE e.status = 'aborted'),
         sum(e.input_tokens), sum(e.output_tokens), sum(e.cache_write_tokens), sum(e.cache_read_tokens),
         sum(e.cost_micros),
         sum(e.latency_ms),
         coalesce(sum(e.ttft_ms), 0),
         count(e.ttft_ms),
         usage_hist(usage_hist_bucket(e.latency_ms)),
         usage_hist(usage_hist_bucket(e.ttft_ms))
    FROM usage_events e
    JOIN tenants t ON t.id = e.tenant_id
   WHERE e.tenant_id = p_tenant
   GROUP BY 1, 2, 3, 4, 5;
  GET DIAGNOSTICS written = ROW_COUNT;
  RETURN written;
END
$$;

-- Rollup days follow the tenant's time zone: when it changes, the tenant's days move.
CREATE FUNCTION usage_daily_on_time_zone_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  PERFORM rebuild_usage_daily(NEW.id);
  RETURN NULL;
END
$$;

CREATE TRIGGER tenants_time_zone_rollup
  AFTER UPDATE OF time_zone ON tenants
  FOR EACH ROW WHEN (NEW.time_zone IS DISTINCT FROM OLD.time_zone)
  EXECUTE FUNCTION usage_daily_on_time_zone_change();

-- SECURITY DEFINER functions are executable by PUBLIC unless revoked. Staff may rebuild a
-- tenant by hand; the triggers run them as the owner whoever inserts.
REVOKE EXECUTE ON FUNCTION usage_daily_apply_inserts() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION usage_daily_on_time_zone_change() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION rebuild_usage_daily(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rebuild_usage_daily(uuid) TO bh_staff;

-- Events recorded before this migration.
SELECT rebuild_usage_daily(id) FROM tenants;

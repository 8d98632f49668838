-- No hot row on the ledger's write path (issue 9, item 12).
--
-- Before: every reservation AND every settlement updated the tenant's quota_usage row for
-- the month, and held its lock until commit, so one tenant's calls queued on that row at
-- the speed of a commit (178 settled calls/s measured by `npm run bench -- ledger`).
--
-- Now:
-- - Settlements and withdrawals APPEND to quota_settlements (reservation released, tokens
--   used) and touch no shared row.
-- - Reservations go through reserve_requests(): one call reserves a whole batch of a
--   tenant's concurrent requests (lib/ledger/reserve.ts gathers them) under one lock of the
--   quota row, and first folds the settlements queued for that row.
-- - Readers and a background job fold too (fold_usage_rollups folds quota first).
--
-- A settlement not yet folded still counts its whole reservation, never its smaller actual
-- use, so admission stays conservative: used + reserved can only over-state what is spent,
-- and concurrent calls still cannot take `used` past the quota. After a fold, used equals
-- the settled events of the month exactly.

CREATE TABLE quota_settlements (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  period     date NOT NULL,
  released   bigint NOT NULL CHECK (released >= 0),
  used       bigint NOT NULL CHECK (used >= 0)
);
CREATE INDEX quota_settlements_by_row ON quota_settlements (tenant_id, period);
GRANT INSERT ON quota_settlements TO bh_tenant;
ALTER TABLE quota_settlements ENABLE ROW LEVEL SECURITY;
ALTER TABLE quota_settlements FORCE ROW LEVEL SECURITY;
CREATE POLICY quota_settlements_tenant_append ON quota_settlements FOR INSERT TO bh_tenant
  WITH CHECK (tenant_id = app_tenant_id());
CREATE POLICY quota_settlements_owner ON quota_settlements FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY quota_usage_owner ON quota_usage FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY tenant_notices_owner ON tenant_notices FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY plans_owner_read ON plans FOR SELECT TO CURRENT_USER USING (true);

-- Folds queued settlements into quota_usage: one tenant and period, one tenant (p_period
-- NULL) or everyone (both NULL). Quota rows are locked first, in key order, and only then
-- are their settlements taken, so a fold and a reservation (which holds one quota row and
-- folds only that row) can never wait on each other in a circle. Leaves the 80 % and
-- 100 % notices for the rows it moves past a level. Returns the settlements folded.
CREATE FUNCTION fold_quota(p_tenant uuid, p_period date) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  folded bigint;
  v_tenants uuid[];
  v_periods date[];
BEGIN
  IF current_setting('role', true) = 'bh_tenant' AND (p_tenant IS NULL OR p_tenant IS DISTINCT FROM app_tenant_id()) THEN
    RAISE EXCEPTION 'fold_quota: a tenant scope folds only its own tenant' USING ERRCODE = '42501';
  END IF;
  SELECT array_agg(l.tenant_id ORDER BY l.tenant_id, l.period), array_agg(l.period ORDER BY l.tenant_id, l.period)
    INTO v_tenants, v_periods
    FROM (SELECT q.tenant_id, q.period FROM quota_usage q
           WHERE (q.tenant_id, q.period) IN (
                   SELECT DISTINCT s.tenant_id, s.period FROM quota_settlements s
                    WHERE (p_tenant IS NULL OR s.tenant_id = p_tenant) AND (p_period IS NULL OR s.period = p_period))
           ORDER BY q.tenant_id, q.period
           FOR UPDATE) l;
  IF v_tenants IS NULL THEN
    RETURN 0;
  END IF;

  WITH taken AS (
    DELETE FROM quota_settlements s
     WHERE (s.tenant_id, s.period) IN (SELECT * FROM unnest(v_tenants, v_periods))
    RETURNING s.tenant_id, s.period, s.released, s.used
  ), sums AS (
    SELECT tenant_id, period, sum(released) AS released, sum(used) AS used, count(*) AS n FROM taken GROUP BY 1, 2
  ), moved AS (
    UPDATE quota_usage q
       SET reserved_tokens = GREATEST(q.reserved_tokens - s.released, 0), used_tokens = q.used_tokens + s.used, updated_at = now()
      FROM sums s
     WHERE q.tenant_id = s.tenant_id AND q.period = s.period
    RETURNING q.tenant_id, q.period, q.used_tokens, s.used AS added
  ), notices AS (
    INSERT INTO tenant_notices (tenant_id, kind, period, message)
    SELECT m.tenant_id, l.kind, m.period, l.message
      FROM moved m
      JOIN tenants t ON t.id = m.tenant_id
      JOIN plans p ON p.id = t.plan_id
      CROSS JOIN (VALUES
        ('quota_80', 0.8::float8, 'Your workspace has used 80% of this month''s token quota.'),
        ('quota_100', 1::float8, 'Your workspace has used all of this month''s token quota. Chat is paused until next month or a plan upgrade.')
      ) AS l(kind, fraction, message)
     WHERE m.used_tokens >= p.monthly_token_quota * l.fraction AND m.used_tokens - m.added < p.monthly_token_quota * l.fraction
    ON CONFLICT (tenant_id, kind, period) DO NOTHING
    RETURNING 1
  )
  SELECT coalesce(sum(n), 0) INTO folded FROM sums, (SELECT count(*) FROM notices) AS _;
  RETURN folded;
END
$$;
REVOKE EXECUTE ON FUNCTION fold_quota(uuid, date) FROM PUBLIC;

-- Reserves a batch of one tenant's requests: each gets its ledger row ('started') when the
-- running sum of the batch's reservations still fits, in the order given. One lock of the
-- quota row per batch. Runs as the caller (bh_tenant, under row-level security); only the
-- fold runs as the owner. p_requests: a JSON array of
--   {ord, request_id, user_id, conversation_id, request_type, model, estimated_input, max_tokens, reserve}
CREATE FUNCTION reserve_requests(p_tenant uuid, p_at timestamptz, p_quota bigint, p_requests json)
RETURNS TABLE (r_request_id text, r_admitted boolean, r_next_period_at timestamptz)
LANGUAGE plpgsql SET search_path = public AS $$
DECLARE
  v_period date;
  v_next timestamptz;
  v_room bigint;
  v_taken bigint;
BEGIN
  SELECT tenant_quota_period(t.id, p_at),
         (date_trunc('month', p_at AT TIME ZONE t.time_zone) + interval '1 month') AT TIME ZONE t.time_zone
    INTO v_period, v_next
    FROM tenants t WHERE t.id = p_tenant;
  IF v_period IS NULL THEN
    RAISE EXCEPTION 'reserve_requests: no such tenant in this scope' USING ERRCODE = '42501';
  END IF;

  INSERT INTO quota_usage (tenant_id, period) VALUES (p_tenant, v_period) ON CONFLICT DO NOTHING;
  PERFORM 1 FROM quota_usage WHERE tenant_id = p_tenant AND period = v_period FOR UPDATE;
  PERFORM fold_quota(p_tenant, v_period);
  SELECT p_quota - used_tokens - reserved_tokens INTO v_room FROM quota_usage WHERE tenant_id = p_tenant AND period = v_period;

  -- The batch in order with its running sum: a request is admitted while the sum still fits.
  SELECT coalesce(max(x.running) FILTER (WHERE x.running <= v_room), 0) INTO v_taken
    FROM (SELECT sum(j.reserve) OVER (ORDER BY j.ord) AS running FROM json_to_recordset(p_requests) AS j(ord int, reserve bigint)) x;

  INSERT INTO usage_events (tenant_id, request_id, user_id, conversation_id, request_type, model, input_tokens,
                            output_tokens, latency_ms, cost_micros, status, started_at, created_at, settled_at,
                            reserved_tokens, quota_period, max_tokens)
  SELECT p_tenant, b.request_id, b.user_id, b.conversation_id, b.request_type, b.model, b.estimated_input,
         0, 0, 0, 'started', p_at, p_at, NULL, b.reserve, v_period, b.max_tokens
    FROM (SELECT j.*, sum(j.reserve) OVER (ORDER BY j.ord) AS running
            FROM json_to_recordset(p_requests) AS j(ord int, request_id text, user_id uuid, conversation_id uuid, request_type "RequestType",
                                                    model text, estimated_input int, max_tokens int, reserve bigint)) b
   WHERE b.running <= v_room;

  IF v_taken > 0 THEN
    UPDATE quota_usage SET reserved_tokens = reserved_tokens + v_taken, updated_at = now()
     WHERE tenant_id = p_tenant AND period = v_period;
  END IF;

  RETURN QUERY
    SELECT b.request_id, b.running <= v_room, v_next
      FROM (SELECT j.ord, j.request_id, sum(j.reserve) OVER (ORDER BY j.ord) AS running
              FROM json_to_recordset(p_requests) AS j(ord int, request_id text, reserve bigint)) b
     ORDER BY b.ord;
END
$$;
REVOKE EXECUTE ON FUNCTION reserve_requests(uuid, timestamptz, bigint, json) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reserve_requests(uuid, timestamptz, bigint, json) TO bh_tenant;
-- The caller's fold of its own row: fold_quota runs as the owner, reached only from here,
-- from the rollup fold below, and from the owner's jobs.
GRANT EXECUTE ON FUNCTION fold_quota(uuid, date) TO bh_tenant;

-- Readers fold the quota with the rollups: what a dashboard shows is current.
CREATE OR REPLACE FUNCTION fold_usage_rollups(p_tenant uuid) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  caller text := current_setting('role', true);
BEGIN
  IF caller = 'bh_tenant' AND (p_tenant IS NULL OR p_tenant IS DISTINCT FROM app_tenant_id()) THEN
    RAISE EXCEPTION 'fold_usage_rollups: a tenant scope folds only its own tenant' USING ERRCODE = '42501';
  END IF;
  IF caller NOT IN ('bh_tenant', 'bh_staff', 'none') THEN
    RAISE EXCEPTION 'fold_usage_rollups: not for this role' USING ERRCODE = '42501';
  END IF;
  PERFORM fold_quota(p_tenant, NULL);
  RETURN fold_usage_rollups_any(p_tenant);
END
$$;

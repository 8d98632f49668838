-- Cost-aware routing within each plan's tier cap (issue 14).
--
-- tenant_configs.routing_mode: 'fixed' sends every request to the configured tier (what
-- every tenant had before); 'auto' lets the router (lib/routing) pick the cheapest adequate
-- tier up to the configured one. Part of each configuration version, like the tier itself.
-- Existing tenants stay on 'fixed'.
ALTER TABLE tenant_configs ADD COLUMN routing_mode text NOT NULL DEFAULT 'fixed'
  CHECK (routing_mode IN ('fixed', 'auto'));

-- Every routing decision on its usage event. `model` already holds the routed model; these
-- say what the router chose, what the tenant would have had without it (the tier default,
-- and that tier's model at the time, so a savings estimate prices the same tokens at the
-- model that would really have answered), the score and the reason code (a rule of
-- lib/routing/rules.ts, or fixed_tier / capped / no_signal). NULL where no decision was
-- made (rows from before routing, requests that do not route).
ALTER TABLE usage_events
  ADD COLUMN route_tier "ModelTier",
  ADD COLUMN route_default_tier "ModelTier",
  ADD COLUMN route_default_model text,
  ADD COLUMN route_score smallint CHECK (route_score BETWEEN 0 AND 100),
  ADD COLUMN route_reason text CHECK (char_length(route_reason) <= 40);

-- reserve_requests() as in 0012_quota_settlements, storing the decision from each request
-- of the JSON payload with the ledger row: no second statement on the hot path. Fields a
-- caller does not send are NULL. p_requests: a JSON array of
--   {ord, request_id, user_id, conversation_id, request_type, model, estimated_input, max_tokens, reserve,
--    route_tier, route_default_tier, route_default_model, route_score, route_reason}
CREATE OR REPLACE FUNCTION reserve_requests(p_tenant uuid, p_at timestamptz, p_quota bigint, p_requests json)
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
                            reserved_tokens, quota_period, max_tokens,
                            route_tier, route_default_tier, route_default_model, route_score, route_reason)
  SELECT p_tenant, b.request_id, b.user_id, b.conversation_id, b.request_type, b.model, b.estimated_input,
         0, 0, 0, 'started', p_at, p_at, NULL, b.reserve, v_period, b.max_tokens,
         b.route_tier, b.route_default_tier, b.route_default_model, b.route_score, b.route_reason
    FROM (SELECT j.*, sum(j.reserve) OVER (ORDER BY j.ord) AS running
            FROM json_to_recordset(p_requests) AS j(ord int, request_id text, user_id uuid, conversation_id uuid, request_type "RequestType",
                                                    model text, estimated_input int, max_tokens int, reserve bigint,
                                                    route_tier "ModelTier", route_default_tier "ModelTier", route_default_model text,
                                                    route_score smallint, route_reason text)) b
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

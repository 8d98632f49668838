-- The ledger's reservation in fewer statements (issue 11, gateway speed): the one write that
-- must finish before a request leaves for the upstream. Same contract as 0022's
-- reserve_requests() (arguments, result, locks, admission rule, rows written); what changed:
--
-- - The tenant is read once: its time zone, then the period and the next period's start are
--   computed here (tenant_quota_period() read the tenant a second time, in a nested call).
-- - The quota row is locked and its room read in one statement; the row is inserted only for a
--   period that has none yet (the insert was attempted on every call).
-- - fold_quota() is still called on every reservation, as before; the room is read again only
--   when it folded something.
-- - The batch's running sums are computed once, and the ledger rows, the quota row's new
--   reservation and the answer come from one statement (three more statements and two more
--   parses of the JSON argument before).
--
-- Measured by track_functions on the gateway bench's sequential calls (one settlement folded per
-- reservation): see README, "The tenant API". The scoped wrapper (0023) is unchanged.
CREATE OR REPLACE FUNCTION reserve_requests(p_tenant uuid, p_at timestamptz, p_quota bigint, p_requests json)
RETURNS TABLE (r_request_id text, r_admitted boolean, r_next_period_at timestamptz)
LANGUAGE plpgsql SET search_path = public SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  v_zone text;
  v_period date;
  v_next timestamptz;
  v_room bigint;
BEGIN
  SELECT t.time_zone INTO v_zone FROM tenants t WHERE t.id = p_tenant;
  -- No time (which the caller never sends) is refused here, as before, not by a constraint later.
  IF NOT FOUND OR p_at IS NULL THEN
    RAISE EXCEPTION 'reserve_requests: no such tenant in this scope' USING ERRCODE = '42501';
  END IF;
  v_period := date_trunc('month', p_at AT TIME ZONE v_zone)::date;
  v_next := (v_period + interval '1 month') AT TIME ZONE v_zone;

  SELECT p_quota - q.used_tokens - q.reserved_tokens INTO v_room
    FROM quota_usage q WHERE q.tenant_id = p_tenant AND q.period = v_period FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO quota_usage (tenant_id, period) VALUES (p_tenant, v_period) ON CONFLICT DO NOTHING;
    SELECT p_quota - q.used_tokens - q.reserved_tokens INTO v_room
      FROM quota_usage q WHERE q.tenant_id = p_tenant AND q.period = v_period FOR UPDATE;
  END IF;
  IF fold_quota(p_tenant, v_period) > 0 THEN
    SELECT p_quota - q.used_tokens - q.reserved_tokens INTO v_room
      FROM quota_usage q WHERE q.tenant_id = p_tenant AND q.period = v_period;
  END IF;

  -- The batch in order with its running sum: a request is admitted while the sum still fits.
  -- Data-modifying CTEs run to completion whether or not the answer reads them.
  RETURN QUERY
    WITH b AS MATERIALIZED (
      SELECT j.*, sum(j.reserve) OVER (ORDER BY j.ord) AS running
        FROM json_to_recordset(p_requests) AS j(ord int, request_id text, user_id uuid, conversation_id uuid, request_type "RequestType",
                                                model text, estimated_input int, max_tokens int, reserve bigint,
                                                route_tier "ModelTier", route_default_tier "ModelTier", route_default_model text,
                                                route_score smallint, route_reason text, api_key_id uuid)
    ), rows AS (
      INSERT INTO usage_events (tenant_id, request_id, user_id, conversation_id, request_type, model, input_tokens,
                                output_tokens, latency_ms, cost_micros, status, started_at, created_at, settled_at,
                                reserved_tokens, quota_period, max_tokens,
                                route_tier, route_default_tier, route_default_model, route_score, route_reason, api_key_id)
      SELECT p_tenant, b.request_id, b.user_id, b.conversation_id, b.request_type, b.model, b.estimated_input,
             0, 0, 0, 'started', p_at, p_at, NULL, b.reserve, v_period, b.max_tokens,
             b.route_tier, b.route_default_tier, b.route_default_model, b.route_score, b.route_reason, b.api_key_id
        FROM b WHERE b.running <= v_room
    ), taken AS (
      UPDATE quota_usage q SET reserved_tokens = q.reserved_tokens + t.total, updated_at = now()
        FROM (SELECT max(b.running) AS total FROM b WHERE b.running <= v_room) t
       WHERE t.total > 0 AND q.tenant_id = p_tenant AND q.period = v_period
    )
    SELECT b.request_id, b.running <= v_room, v_next FROM b ORDER BY b.ord;
END
$$;

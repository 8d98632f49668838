-- The tenant API's ledger rows (issue 11): reserve_requests() as in 0014_routing, also
-- storing the API key a request came through (usage_events.api_key_id, added in
-- 0015_api_keys), so usage can be split by key and a key's rows found without a join.
-- p_requests: a JSON array of
--   {ord, request_id, user_id, conversation_id, request_type, model, estimated_input, max_tokens, reserve,
--    route_tier, route_default_tier, route_default_model, route_score, route_reason, api_key_id}
-- A caller that sends no api_key_id stores NULL, as before.
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
                            route_tier, route_default_tier, route_default_model, route_score, route_reason, api_key_id)
  SELECT p_tenant, b.request_id, b.user_id, b.conversation_id, b.request_type, b.model, b.estimated_input,
         0, 0, 0, 'started', p_at, p_at, NULL, b.reserve, v_period, b.max_tokens,
         b.route_tier, b.route_default_tier, b.route_default_model, b.route_score, b.route_reason, b.api_key_id
    FROM (SELECT j.*, sum(j.reserve) OVER (ORDER BY j.ord) AS running
            FROM json_to_recordset(p_requests) AS j(ord int, request_id text, user_id uuid, conversation_id uuid, request_type "RequestType",
                                                    model text, estimated_input int, max_tokens int, reserve bigint,
                                                    route_tier "ModelTier", route_default_tier "ModelTier", route_default_model text,
                                                    route_score smallint, route_reason text, api_key_id uuid)) b
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

-- Whether an owner of the scoped tenant has verified their email (a free workspace's quota
-- starts only then, issue 10), for the tenant API's snapshot (lib/pipeline/tenant-snapshot.ts),
-- which reads as the platform acting for the tenant: that scope has no user, so it cannot
-- read users itself. Only for the tenant in scope; any other tenant answers false.
CREATE FUNCTION tenant_owner_verified(p_tenant uuid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER AS $$
  SELECT p_tenant = public.app_tenant_id() AND EXISTS (
    SELECT 1 FROM public.memberships m JOIN public.users u ON u.id = m.user_id
     WHERE m.tenant_id = p_tenant AND m.role = 'owner' AND u.email_verified_at IS NOT NULL)
$$;
REVOKE EXECUTE ON FUNCTION tenant_owner_verified(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_owner_verified(uuid) TO bh_tenant;

-- resolve_api_key() as in 0015_api_keys, also returning who created the key: the tenant API's
-- knowledge writes (POST /v1/knowledge/documents, scope knowledge:write) act with the
-- authority of the admin who created the key, checked at each write (a creator who is no
-- longer an admin or owner makes the key's writes fail with a 403).
DROP FUNCTION resolve_api_key(text);
CREATE FUNCTION resolve_api_key(p_key_hash text)
RETURNS TABLE (tenant_id uuid, key_id uuid, scopes text[], plan_id text, expires_at timestamptz, created_by_id uuid)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  v_key record;
BEGIN
  SELECT k.tenant_id, k.id, k.scopes, k.expires_at, k.last_used_at, k.created_by_id, t.plan_id AS plan_id INTO v_key
    FROM public.api_keys k
    JOIN public.tenants t ON t.id = k.tenant_id
   WHERE k.key_hash = p_key_hash
     AND k.revoked_at IS NULL
     AND (k.expires_at IS NULL OR k.expires_at > now());
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF v_key.last_used_at IS NULL OR v_key.last_used_at < now() - interval '1 minute' THEN
    UPDATE public.api_keys k SET last_used_at = now() WHERE k.tenant_id = v_key.tenant_id AND k.id = v_key.id;
  END IF;
  RETURN QUERY SELECT v_key.tenant_id, v_key.id, v_key.scopes, v_key.plan_id, v_key.expires_at::timestamptz, v_key.created_by_id;
END
$$;
REVOKE EXECUTE ON FUNCTION resolve_api_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION resolve_api_key(text) TO bh_auth;

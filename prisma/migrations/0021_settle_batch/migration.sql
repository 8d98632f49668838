-- Group commit for settlements (issue 9, item 12: ≥ 1,000 settled calls/s for one tenant).
--
-- Before: every turn settled in a transaction of its own (BEGIN, scope, one statement,
-- COMMIT and its WAL flush), and one tenant's write path (reserve + settle) was CPU-bound
-- at ~800 settled calls/s on the bench machine. Now lib/ledger/write-turn.ts gathers a
-- tenant's concurrent settlements (as lib/ledger/reserve.ts gathers its reservations) and
-- settles them with ONE call of settle_turns(): one transaction, one role switch, one UPDATE
-- of all their ledger rows, one quota_settlements row per quota period of the batch, one
-- commit. The rest of this file removes per-statement costs that a backend CPU profile of
-- the write path showed (each section says which).
--
-- The same function settles a single turn (a batch of one): the turn, every outbox replay
-- and the sweeper share one statement. Its guarantees are those of the statement it
-- replaces (WRITE_TURN_SQL, until now in lib/ledger/write-turn.ts), per turn:
-- - only ledger rows still 'started' are settled, and quota moves only by what this call
--   settled, so any turn can be replayed any number of times;
-- - conversations and messages carry ids chosen up front (ON CONFLICT DO NOTHING); a turn's
--   conversation is "found" when this call created it (a new conversation) or touched it;
--   a turn whose conversation is gone (deleted while the reply streamed) still settles;
-- - one tenant per call: p_tenant must be the scope's tenant, and every turn and event must
--   carry it, or the whole call is refused (never silently skipped);
-- - conversations and messages stay private to their user: each user's turns are written
--   with app.user_id set to that user (restored afterwards), under the same row-level
--   policies as before. A scope with a user may settle only that user's turns; the
--   platform's tenant scope (no user) may settle any member's.
-- It runs as the caller (bh_tenant, under row-level security).
--
-- p_turns: a JSON array, one element per turn that has messages:
--   {ord, tenant_id, user_id, conversation_id, new_conversation, title, conversation_created_at,
--    at, user_message_id, user_content, user_created_at, assistant_message_id,
--    assistant_content, assistant_status}
-- p_events: a JSON array of ledger rows to settle (usage_events columns, snake_case), each
--   with its tenant_id.
-- Returns one row: the ords of turns whose conversation was found, and the request ids
-- settled by this call.

CREATE TYPE settle_turn_message AS (
  ord                     int,
  tenant_id               uuid,
  user_id                 uuid,
  conversation_id         uuid,
  new_conversation        boolean,
  title                   text,
  conversation_created_at timestamptz,
  at                      timestamptz,
  user_message_id         uuid,
  user_content            text,
  user_created_at         timestamptz,
  assistant_message_id    uuid,
  assistant_content       text,
  assistant_status        text
);

CREATE FUNCTION settle_turns(p_tenant uuid, p_turns json, p_events json)
RETURNS TABLE (r_found int[], r_settled text[])
LANGUAGE plpgsql SET search_path = public
-- Ledger rows are found by primary key (request_id = ANY (...)), conversations one by one
-- by primary key. Without statistics yet (a new database; autovacuum has not analysed it),
-- the planner preferred a bitmap AND of the in-flight index and the (tenant_id, created_at)
-- index for the ledger rows: both keep an entry for every settled row until a vacuum, so
-- each call read every row the tenant had settled since (10 ms per call after ~50,000
-- settlements, growing). Bitmap scans are no use to these few-row lookups, and the
-- in-flight index no longer matches a settlement (below).
SET enable_bitmapscan = off
-- One plan per statement and connection. With custom plans (the default for the first five
-- calls, and whenever the generic plan looks dearer) every call planned its statements
-- again: ~1 ms of backend time per call, as much as a batch of ten settlements.
-- A plan made while the tables are nearly empty (the first minute of a new database) can
-- still read the tenant's rows through the (tenant_id, created_at) index until autovacuum
-- first analyses usage_events, which replaces every cached plan.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_scope_user text := coalesce(current_setting('app.user_id', true), '');
  v_turns settle_turn_message[];
  v_users uuid[];
  v_user uuid;
  v_created uuid[];
  v_touched uuid[];
  v_conversation record;
  v_found int[] := '{}';
  v_ids text[];
  v_same_tenant boolean;
  v_settled text[];
BEGIN
  -- (current_setting, not app_tenant_id(), which needs a query.)
  IF p_tenant IS NULL OR p_tenant IS DISTINCT FROM NULLIF(current_setting('app.tenant_id', true), '')::uuid THEN
    RAISE EXCEPTION 'settle_turns: not this scope''s tenant' USING ERRCODE = '42501';
  END IF;

  -- ---- messages: per user, under that user's row-level policies ----
  IF p_turns IS NOT NULL AND json_array_length(p_turns) > 0 THEN
    v_turns := ARRAY(
      SELECT ROW(j.*)::settle_turn_message
        FROM json_populate_recordset(NULL::settle_turn_message, p_turns) AS j
       ORDER BY j.ord);
    IF EXISTS (SELECT 1 FROM unnest(v_turns) t WHERE t.tenant_id IS DISTINCT FROM p_tenant) THEN
      RAISE EXCEPTION 'settle_turns: a turn of another tenant' USING ERRCODE = '42501';
    END IF;
    v_users := ARRAY(SELECT DISTINCT t.user_id FROM unnest(v_turns) t ORDER BY 1);
    IF v_scope_user <> '' AND v_users <> ARRAY[v_scope_user::uuid] THEN
      RAISE EXCEPTION 'settle_turns: a user scope settles only its own turns' USING ERRCODE = '42501';
    END IF;

    FOREACH v_user IN ARRAY v_users LOOP
      PERFORM set_config('app.user_id', coalesce(v_user::text, ''), true);

      -- New conversations first (the first turn claiming one creates it), so a later turn
      -- of the same batch in that conversation finds it, as it would one commit later.
      WITH created AS (
        INSERT INTO conversations (tenant_id, id, user_id, title, created_at, updated_at)
        SELECT DISTINCT ON (t.conversation_id) p_tenant, t.conversation_id, v_user, t.title, t.conversation_created_at, t.at
          FROM unnest(v_turns) t
         WHERE t.user_id IS NOT DISTINCT FROM v_user AND t.new_conversation
         ORDER BY t.conversation_id, t.ord
        ON CONFLICT DO NOTHING
        RETURNING id
      )
      SELECT coalesce(array_agg(id), '{}') INTO v_created FROM created;

      -- Conversations continued by this batch, in key order, each to its latest turn's time.
      v_touched := '{}';
      FOR v_conversation IN
        SELECT t.conversation_id AS id, max(t.at) AS at FROM unnest(v_turns) t
         WHERE t.user_id IS NOT DISTINCT FROM v_user AND NOT t.new_conversation
         GROUP BY 1 ORDER BY 1
      LOOP
        UPDATE conversations c SET updated_at = v_conversation.at
         WHERE c.tenant_id = p_tenant AND c.id = v_conversation.id;
        IF FOUND THEN
          v_touched := v_touched || v_conversation.id;
        END IF;
      END LOOP;

      WITH found AS (
        SELECT t.* FROM unnest(v_turns) t
         WHERE t.user_id IS NOT DISTINCT FROM v_user
           AND ((NOT t.new_conversation AND t.conversation_id = ANY (v_touched))
             OR (t.new_conversation AND t.conversation_id = ANY (v_created)
                 AND t.ord = (SELECT min(o.ord) FROM unnest(v_turns) o
                               WHERE o.new_conversation AND o.conversation_id = t.conversation_id)))
      ), written AS (
        INSERT INTO messages (tenant_id, id, conversation_id, user_id, role, content, status, created_at)
        SELECT p_tenant, w.id, f.conversation_id, v_user, w.role, w.content, w.status, w.created_at
          FROM found f
         CROSS JOIN LATERAL (VALUES
           (f.user_message_id, 'user', f.user_content, 'complete', f.user_created_at),
           (f.assistant_message_id, 'assistant', f.assistant_content, f.assistant_status, f.at)
         ) AS w(id, role, content, status, created_at)
         WHERE w.content IS NOT NULL
        ON CONFLICT DO NOTHING
      )
      -- (written runs to completion whether or not it is read, as every data-modifying CTE)
      SELECT v_found || coalesce(array_agg(f.ord), '{}') INTO v_found FROM found f;
    END LOOP;
    PERFORM set_config('app.user_id', v_scope_user, true);
  END IF;

  -- ---- the ledger rows and the quota settlement, for the whole batch at once ----
  SELECT coalesce(array_agg(j.request_id), '{}'), coalesce(bool_and(j.tenant_id IS NOT DISTINCT FROM p_tenant), true)
    INTO v_ids, v_same_tenant
    FROM json_to_recordset(p_events) AS j(tenant_id uuid, request_id text);
  IF NOT v_same_tenant THEN
    RAISE EXCEPTION 'settle_turns: an event of another tenant' USING ERRCODE = '42501';
  END IF;
  WITH v AS (
    SELECT * FROM json_to_recordset(p_events) AS j(
      request_id text, status "UsageStatus", settled_at timestamptz, model text, input_tokens int, output_tokens int,
      cache_write_tokens int, cache_write_1h_tokens int, cache_read_tokens int, latency_ms int, ttft_ms int,
      cost_micros bigint, price_missing boolean, price_id uuid, error_type text, estimated boolean, created_at timestamptz)
  ), ue AS (
    UPDATE usage_events e
       SET status = v.status, settled_at = v.settled_at, model = v.model, input_tokens = v.input_tokens,
           output_tokens = v.output_tokens, cache_write_tokens = v.cache_write_tokens,
           cache_write_1h_tokens = v.cache_write_1h_tokens, cache_read_tokens = v.cache_read_tokens,
           latency_ms = v.latency_ms, ttft_ms = v.ttft_ms, cost_micros = v.cost_micros, price_missing = v.price_missing,
           price_id = v.price_id, error_type = v.error_type, estimated = v.estimated, created_at = v.created_at
      FROM v
     WHERE e.tenant_id = p_tenant AND e.request_id = ANY (v_ids) AND e.request_id = v.request_id AND e.status = 'started'
    RETURNING e.request_id, e.quota_period, e.reserved_tokens,
              e.input_tokens + e.output_tokens + e.cache_write_tokens + e.cache_read_tokens AS used
  ), qs AS (
    INSERT INTO quota_settlements (tenant_id, period, released, used)
    SELECT p_tenant, ue.quota_period, sum(ue.reserved_tokens), sum(ue.used) FROM ue GROUP BY ue.quota_period
  )
  SELECT coalesce(array_agg(ue.request_id), '{}') INTO v_settled FROM ue;

  RETURN QUERY SELECT v_found, v_settled;
END
$$;
REVOKE EXECUTE ON FUNCTION settle_turns(uuid, json, json) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION settle_turns(uuid, json, json) TO bh_tenant;

-- ---------------------------------------------------------------------------
-- The in-flight index (0009) by `settled_at IS NULL` instead of `status = 'started'`: the
-- same rows (usage_events_settled_when_final makes the two equivalent), but no longer a
-- match for the `status = 'started'` of a settlement or a withdrawal (their own and their
-- row-level policy's), for which the planner could prefer a scan of the whole index to the
-- primary key. Every settled row leaves a dead entry in it until a vacuum. Only the sweeper
-- reads it (lib/ledger/sweeper.ts asks for settled_at IS NULL).
-- ---------------------------------------------------------------------------
DROP INDEX usage_events_in_flight;
CREATE INDEX usage_events_in_flight ON usage_events (started_at) WHERE settled_at IS NULL;

-- ---------------------------------------------------------------------------
-- app_tenant_id() (0010_security) in PL/pgSQL, same logic. As a SECURITY DEFINER SQL
-- function it is never inlined, and PostgreSQL parses and plans a SQL function's body again
-- in every statement that calls it: every statement under a tenant policy paid that, about
-- a third of the backend time of a reservation (reserve_requests runs seven such
-- statements) and a fifth of a batch settlement's (CPU profile of the backend: fmgr_sql
-- → pg_parse_query / pg_plan_query). PL/pgSQL plans its one query once per connection.
-- Still schema-qualified and without SET search_path (see 0010).
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION app_tenant_id() RETURNS uuid
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER AS $$
DECLARE
  t pg_catalog.uuid := NULLIF(pg_catalog.current_setting('app.tenant_id', true), '')::pg_catalog.uuid;
  u pg_catalog.uuid := NULLIF(pg_catalog.current_setting('app.user_id', true), '')::pg_catalog.uuid;
BEGIN
  IF u IS NULL THEN
    RETURN t;
  END IF;
  RETURN (SELECT m.tenant_id FROM public.memberships m WHERE m.tenant_id = t AND m.user_id = u);
END
$$;

-- ---------------------------------------------------------------------------
-- The reservation's fixed cost (reserve_requests, 0012/0014; one call per batch of a
-- tenant's concurrent requests), which the write path pays as often as the settlement's.
-- A backend CPU profile of a reservation loop showed three avoidable parts; none changes a
-- result.
-- ---------------------------------------------------------------------------

-- 1. tenant_quota_period (0009) was a SQL function with a FROM clause: never inlined, so
--    parsed and planned again in every statement that called it. PL/pgSQL, same query.
CREATE OR REPLACE FUNCTION tenant_quota_period(p_tenant uuid, p_at timestamptz) RETURNS date
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
  RETURN (SELECT date_trunc('month', p_at AT TIME ZONE t.time_zone)::date FROM tenants t WHERE t.id = p_tenant);
END
$$;

-- 2. Reservations insert ledger rows as 'started', which the rollups never count, yet 0009's
--    statement-level INSERT trigger planned its transition-table queries on every
--    reservation. Row-level with a WHEN clause (as 0016 did for UPDATE): rows inserted
--    already settled (seeds, bulk loads, tests) queue exactly as before; a reservation
--    fires nothing. Same name, so `ALTER TABLE usage_events DISABLE TRIGGER
--    usage_events_rollup_on_insert` (bench/dashboard-queries.ts, bulk loads) still works.
--    The row function of 0016/0017 now also serves INSERT (no OLD row then).
CREATE OR REPLACE FUNCTION usage_events_enqueue_rollup_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  -- Shared with every writer, exclusive against a rebuild of this tenant (as in 0009).
  PERFORM pg_advisory_xact_lock_shared(1431521092, usage_daily_lock_key(NEW.tenant_id));
  IF TG_OP = 'UPDATE' AND OLD.status <> 'started' THEN
    INSERT INTO usage_rollup_queue (tenant_id, sign, created_at, model, request_type, user_id, status,
      input_tokens, output_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens, cost_micros,
      latency_ms, ttft_ms, estimated, price_missing, route_tier, route_default_tier, route_default_model)
    VALUES (OLD.tenant_id, -1, OLD.created_at, OLD.model, OLD.request_type,
            coalesce(OLD.user_id, '00000000-0000-0000-0000-000000000000'::uuid), OLD.status,
            OLD.input_tokens, OLD.output_tokens, OLD.cache_write_tokens, OLD.cache_write_1h_tokens, OLD.cache_read_tokens,
            OLD.cost_micros, OLD.latency_ms, OLD.ttft_ms, OLD.estimated, OLD.price_missing,
            OLD.route_tier, OLD.route_default_tier, OLD.route_default_model);
  END IF;
  IF NEW.status <> 'started' THEN
    INSERT INTO usage_rollup_queue (tenant_id, sign, created_at, model, request_type, user_id, status,
      input_tokens, output_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens, cost_micros,
      latency_ms, ttft_ms, estimated, price_missing, route_tier, route_default_tier, route_default_model)
    VALUES (NEW.tenant_id, 1, NEW.created_at, NEW.model, NEW.request_type,
            coalesce(NEW.user_id, '00000000-0000-0000-0000-000000000000'::uuid), NEW.status,
            NEW.input_tokens, NEW.output_tokens, NEW.cache_write_tokens, NEW.cache_write_1h_tokens, NEW.cache_read_tokens,
            NEW.cost_micros, NEW.latency_ms, NEW.ttft_ms, NEW.estimated, NEW.price_missing,
            NEW.route_tier, NEW.route_default_tier, NEW.route_default_model);
  END IF;
  RETURN NULL;
END
$$;

DROP TRIGGER usage_events_rollup_on_insert ON usage_events;
CREATE TRIGGER usage_events_rollup_on_insert AFTER INSERT ON usage_events
  FOR EACH ROW WHEN (NEW.status <> 'started')
  EXECUTE FUNCTION usage_events_enqueue_rollup_row();

-- 3. fold_quota (0012) as called by every reservation, for its one (tenant, period): the
--    same fold by primary key. Other calls (a tenant, or everyone) are unchanged.
CREATE OR REPLACE FUNCTION fold_quota(p_tenant uuid, p_period date) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  folded bigint;
  v_tenants uuid[];
  v_periods date[];
BEGIN
  IF current_setting('role', true) = 'bh_tenant' AND (p_tenant IS NULL OR p_tenant IS DISTINCT FROM app_tenant_id()) THEN
    RAISE EXCEPTION 'fold_quota: a tenant scope folds only its own tenant' USING ERRCODE = '42501';
  END IF;

  -- One quota row (the reservation's own call): every lookup by key. The general form
  -- below, `(p_tenant IS NULL OR s.tenant_id = p_tenant)`, planned a scan of every queued
  -- and every not yet vacuumed settlement, and a hash join, on each reservation.
  IF p_tenant IS NOT NULL AND p_period IS NOT NULL THEN
    PERFORM 1 FROM quota_usage q WHERE q.tenant_id = p_tenant AND q.period = p_period FOR UPDATE;
    IF NOT FOUND THEN
      RETURN 0;
    END IF;
    WITH taken AS (
      DELETE FROM quota_settlements s WHERE s.tenant_id = p_tenant AND s.period = p_period
      RETURNING s.released, s.used
    ), sums AS (
      SELECT sum(released) AS released, sum(used) AS used, count(*) AS n FROM taken
    ), moved AS (
      UPDATE quota_usage q
         SET reserved_tokens = GREATEST(q.reserved_tokens - s.released, 0), used_tokens = q.used_tokens + s.used, updated_at = now()
        FROM sums s
       WHERE q.tenant_id = p_tenant AND q.period = p_period AND s.n > 0
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
    )
    SELECT n INTO folded FROM sums;
    RETURN folded;
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

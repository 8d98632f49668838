-- The ledger's two hot statements, each in ONE statement of its own implicit transaction
-- (issue 11, gateway speed): the tenant API's reservation before the call and the group
-- commit of settlements after it. Until now each went as BEGIN, the scope's set_config(),
-- the call and COMMIT: four protocol messages with a Sync each, which PostgreSQL answers
-- (and flushes) one by one, so one reservation cost the app several socket reads and the
-- server four flushes. These wrappers set the same scope (role bh_tenant, app.tenant_id,
-- app.user_id; transaction-local, as SET_SCOPE_SQL in lib/db/roles.ts does) and call the
-- function as before; the statement is its own transaction, so the scope ends with it.
--
-- They live in a schema of their own, `scoped`, the only one the login (bh_app, which has no
-- USAGE on public: it must take a role first, 0001_init) can reach, and which holds nothing
-- else. They are invoker's-rights functions WITHOUT a SET clause on purpose: a function with SET
-- clauses restores every setting changed inside it when it returns, and the scope must last
-- for the call that follows it. Hence every name below is schema-qualified. They grant
-- nothing the login could not do itself (it may already set role bh_tenant and any tenant
-- id): they only save round trips. Row-level security applies inside as before, to
-- bh_tenant with the tenant in app.tenant_id.

CREATE SCHEMA scoped;
REVOKE ALL ON SCHEMA scoped FROM PUBLIC;
GRANT USAGE ON SCHEMA scoped TO bh_app;

CREATE FUNCTION scoped.reserve_requests(p_tenant uuid, p_at timestamptz, p_quota bigint, p_requests json)
RETURNS TABLE (r_request_id text, r_admitted boolean, r_next_period_at timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_catalog.set_config('role', 'bh_tenant', true),
          pg_catalog.set_config('app.tenant_id', p_tenant::text, true),
          pg_catalog.set_config('app.user_id', '', true);
  RETURN QUERY SELECT r.r_request_id, r.r_admitted, r.r_next_period_at FROM public.reserve_requests(p_tenant, p_at, p_quota, p_requests) r;
END
$$;
REVOKE EXECUTE ON FUNCTION scoped.reserve_requests(uuid, timestamptz, bigint, json) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION scoped.reserve_requests(uuid, timestamptz, bigint, json) TO bh_app;

-- p_user: the scope's user ('' for the platform acting for the tenant), as scopeOf() in
-- lib/ledger/write-turn.ts chooses it.
CREATE FUNCTION scoped.settle_turns(p_tenant uuid, p_user text, p_turns json, p_events json)
RETURNS TABLE (r_found int[], r_settled text[])
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_catalog.set_config('role', 'bh_tenant', true),
          pg_catalog.set_config('app.tenant_id', p_tenant::text, true),
          pg_catalog.set_config('app.user_id', coalesce(p_user, ''), true);
  RETURN QUERY SELECT s.r_found, s.r_settled FROM public.settle_turns(p_tenant, p_turns, p_events) s;
END
$$;
REVOKE EXECUTE ON FUNCTION scoped.settle_turns(uuid, text, json, json) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION scoped.settle_turns(uuid, text, json, json) TO bh_app;

-- One plan per statement and connection for the reservation too, as settle_turns has had
-- since 0021: custom plans (the first five calls, and whenever the generic plan looks
-- dearer) planned its statements again on every call (measured 10–15 % of its cost).
ALTER FUNCTION public.reserve_requests(uuid, timestamptz, bigint, json) SET plan_cache_mode = force_generic_plan;

-- Tenant API keys (issue 11, item 1): the foundation of the /v1 front door.
--
-- A key is `bh_live_` + 32 random bytes (base64url). Only its SHA-256 (hex) is stored; the
-- full key is shown once, at creation. `prefix` (the first characters of the key) is what
-- lists show so an admin can tell keys apart. Keys are never deleted: usage events and the
-- audit log keep naming them, and a revoked key stays listed as revoked.
--
-- Who sees what:
--   bh_tenant  admins and owners of the tenant read, create and revoke its keys (the policy
--              style of 0010: app_tenant_id() requires the membership, app_member_role()
--              gives the role). Members see nothing. No role reads key_hash.
--   bh_auth    resolve_api_key() only: a presented key's hash → tenant, key, scopes, plan.
--   bh_staff   nothing (yet).

CREATE TABLE api_keys (
  tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id             uuid NOT NULL DEFAULT gen_random_uuid(),
  name           text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  prefix         text NOT NULL CHECK (prefix ~ '^bh_live_[A-Za-z0-9_-]{4,16}$'),
  key_hash       text NOT NULL CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  scopes         text[] NOT NULL
                 CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['messages', 'usage:read', 'knowledge:write']::text[]),
  created_by_id  uuid NOT NULL,
  created_at     timestamptz(3) NOT NULL DEFAULT now(),
  expires_at     timestamptz(3),
  last_used_at   timestamptz(3),
  revoked_at     timestamptz(3),
  revoked_by_id  uuid,
  PRIMARY KEY (tenant_id, id),
  CONSTRAINT api_keys_expires_after_created CHECK (expires_at IS NULL OR expires_at > created_at),
  CONSTRAINT api_keys_revoked_by CHECK ((revoked_at IS NULL) = (revoked_by_id IS NULL))
);
-- The gateway looks a key up by its hash alone (it does not know the tenant yet), as
-- invites are looked up by token_hash.
CREATE UNIQUE INDEX api_keys_key_hash_key ON api_keys (key_hash);
CREATE INDEX api_keys_tenant_id_created_at_idx ON api_keys (tenant_id, created_at DESC);

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;

-- Every column but the hash; INSERT writes the hash but RETURNING it would be refused.
GRANT SELECT (tenant_id, id, name, prefix, scopes, created_by_id, created_at, expires_at, last_used_at, revoked_at, revoked_by_id)
  ON api_keys TO bh_tenant;
GRANT INSERT (tenant_id, id, name, prefix, key_hash, scopes, created_by_id, expires_at) ON api_keys TO bh_tenant;
-- Revocation is the only change a key undergoes (the trigger below makes it final).
GRANT UPDATE (revoked_at, revoked_by_id) ON api_keys TO bh_tenant;

CREATE POLICY api_keys_tenant_read ON api_keys FOR SELECT TO bh_tenant
  USING (tenant_id = app_tenant_id() AND app_member_role() IN ('owner', 'admin'));
CREATE POLICY api_keys_tenant_insert ON api_keys FOR INSERT TO bh_tenant
  WITH CHECK (tenant_id = app_tenant_id() AND app_member_role() IN ('owner', 'admin') AND created_by_id = app_user_id());
CREATE POLICY api_keys_tenant_revoke ON api_keys FOR UPDATE TO bh_tenant
  USING (tenant_id = app_tenant_id() AND app_member_role() IN ('owner', 'admin'))
  WITH CHECK (tenant_id = app_tenant_id() AND app_member_role() IN ('owner', 'admin')
              AND revoked_at IS NOT NULL AND revoked_by_id = app_user_id());

-- A revoked key stays revoked: no role may clear or move its revocation.
CREATE FUNCTION api_keys_revocation_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.revoked_at IS NOT NULL AND (NEW.revoked_at IS DISTINCT FROM OLD.revoked_at OR NEW.revoked_by_id IS DISTINCT FROM OLD.revoked_by_id) THEN
    RAISE EXCEPTION 'an API key''s revocation is final' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER api_keys_revocation_is_final BEFORE UPDATE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION api_keys_revocation_is_final();

-- ---------------------------------------------------------------------------
-- The gateway's one door: the hash of a presented key → (tenant, key, scopes, plan, and the
-- key's expiry so a cache never serves it past that), or no
-- row at all for an unknown, revoked or expired key (the caller answers 401 alike). It
-- also records last_used_at, at most once a minute per key, so a busy key does not write
-- on every resolve (the gateway resolves on a cache miss, lib/api-keys/cache.ts).
-- Runs as the owner, who reads and touches keys through this policy only.
-- ---------------------------------------------------------------------------
CREATE POLICY api_keys_definer_all ON api_keys FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);

CREATE FUNCTION resolve_api_key(p_key_hash text)
RETURNS TABLE (tenant_id uuid, key_id uuid, scopes text[], plan_id text, expires_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  v_key record;
BEGIN
  SELECT k.tenant_id, k.id, k.scopes, k.expires_at, k.last_used_at, t.plan_id AS plan_id INTO v_key
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
  RETURN QUERY SELECT v_key.tenant_id, v_key.id, v_key.scopes, v_key.plan_id, v_key.expires_at::timestamptz;
END
$$;
REVOKE EXECUTE ON FUNCTION resolve_api_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION resolve_api_key(text) TO bh_auth;

-- ---------------------------------------------------------------------------
-- The ledger row names the key a tenant-API request came through (NULL for chat and
-- background work). Nothing writes it yet; the /v1 front door will, through
-- reserve_requests. No foreign key: usage events outlive what they refer to.
-- ---------------------------------------------------------------------------
ALTER TABLE usage_events ADD COLUMN api_key_id uuid;
CREATE INDEX usage_events_tenant_id_api_key_id_created_at_idx ON usage_events (tenant_id, api_key_id, created_at)
  WHERE api_key_id IS NOT NULL;

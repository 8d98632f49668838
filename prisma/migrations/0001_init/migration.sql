-- Bulkhead initial schema: tables, roles, grants and row-level security.
--
-- Roles (cluster-wide, created once):
--   bh_app     the application's LOGIN. No table privileges of its own and NOINHERIT:
--              a query that does not first switch role (lib/db/scope.ts) fails closed.
--   bh_tenant  one tenant's people: every row filtered by app.tenant_id / app.user_id.
--   bh_auth    sign-in, sign-up and invite acceptance, before a tenant is chosen.
--   bh_staff   platform staff: tenants, plans, usage, prices; never message content.

-- Roles are cluster-wide: several databases (tests) may create them at once, so a
-- duplicate is not an error.
DO $$
DECLARE
  spec text;
BEGIN
  FOREACH spec IN ARRAY ARRAY[
    'bh_tenant NOLOGIN NOSUPERUSER NOBYPASSRLS',
    'bh_auth NOLOGIN NOSUPERUSER NOBYPASSRLS',
    'bh_staff NOLOGIN NOSUPERUSER NOBYPASSRLS',
    'bh_app LOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'
  ] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = split_part(spec, ' ', 1)) THEN
      BEGIN
        EXECUTE 'CREATE ROLE ' || spec;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
      END;
    END IF;
  END LOOP;
END
$$;

GRANT bh_tenant, bh_auth, bh_staff TO bh_app;

REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO bh_tenant, bh_auth, bh_staff;

-- Scope readers. NULLIF because a pooled connection that once ran set_config(..., true)
-- returns '' (not NULL) after that transaction ends.
CREATE FUNCTION app_tenant_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
  $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;
CREATE FUNCTION app_user_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
  $$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$;

CREATE TYPE "Role" AS ENUM ('owner', 'admin', 'member');
CREATE TYPE "ModelTier" AS ENUM ('economy', 'standard', 'premium');
CREATE TYPE "UsageStatus" AS ENUM ('completed', 'aborted', 'error');
CREATE TYPE "RequestType" AS ENUM ('chat', 'background', 'api');

-- ---------------------------------------------------------------------------
-- Global tables
-- ---------------------------------------------------------------------------

CREATE TABLE plans (
  id                    text PRIMARY KEY,
  name                  text NOT NULL,
  requests_per_minute   integer NOT NULL CHECK (requests_per_minute > 0),
  tokens_per_minute     integer NOT NULL CHECK (tokens_per_minute > 0),
  monthly_token_quota   bigint NOT NULL CHECK (monthly_token_quota > 0),
  monthly_price_micros  bigint NOT NULL CHECK (monthly_price_micros >= 0),
  user_share_pct        integer NOT NULL CHECK (user_share_pct BETWEEN 1 AND 100),
  max_tokens_cap        integer NOT NULL CHECK (max_tokens_cap > 0),
  allowed_tiers         "ModelTier"[] NOT NULL
);

CREATE TABLE users (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email          text NOT NULL,
  name           text NOT NULL,
  password_hash  text NOT NULL,
  is_staff       boolean NOT NULL DEFAULT false,
  created_at     timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT users_email_lower CHECK (email = lower(email))
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE price_book (
  id                              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  model                           text NOT NULL,
  effective_from                  timestamptz(3) NOT NULL,
  input_micros_per_mtok           bigint NOT NULL CHECK (input_micros_per_mtok >= 0),
  output_micros_per_mtok          bigint NOT NULL CHECK (output_micros_per_mtok >= 0),
  cache_write_5m_micros_per_mtok  bigint NOT NULL CHECK (cache_write_5m_micros_per_mtok >= 0),
  cache_write_1h_micros_per_mtok  bigint NOT NULL CHECK (cache_write_1h_micros_per_mtok >= 0),
  cache_read_micros_per_mtok      bigint NOT NULL CHECK (cache_read_micros_per_mtok >= 0),
  created_at                      timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX price_book_model_effective_from_key ON price_book (model, effective_from);

-- ---------------------------------------------------------------------------
-- Tenant-owned tables: tenant_id leads every key and index.
-- ---------------------------------------------------------------------------

CREATE TABLE tenants (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug        text NOT NULL,
  name        text NOT NULL,
  plan_id     text NOT NULL REFERENCES plans (id),
  time_zone   text NOT NULL DEFAULT 'UTC',
  created_at  timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT tenants_slug_format CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$')
);
CREATE UNIQUE INDEX tenants_slug_key ON tenants (slug);

CREATE TABLE tenant_configs (
  tenant_id            uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  version              integer NOT NULL CHECK (version > 0),
  company_name         text NOT NULL,
  persona              text NOT NULL,
  allowed_topics       text[] NOT NULL DEFAULT '{}',
  restricted_topics    text[] NOT NULL DEFAULT '{}',
  custom_instructions  text NOT NULL DEFAULT '',
  model_tier           "ModelTier" NOT NULL,
  max_tokens           integer NOT NULL CHECK (max_tokens > 0),
  created_by_id        uuid,
  created_at           timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, version)
);

CREATE TABLE memberships (
  tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role        "Role" NOT NULL,
  created_at  timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX memberships_user_id_idx ON memberships (user_id);

CREATE TABLE invites (
  tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  email           text,
  role            "Role" NOT NULL CHECK (role <> 'owner'),
  token_hash      text NOT NULL,
  created_by_id   uuid NOT NULL,
  expires_at      timestamptz(3) NOT NULL,
  accepted_at     timestamptz(3),
  accepted_by_id  uuid,
  created_at      timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX invites_token_hash_key ON invites (token_hash);

CREATE TABLE conversations (
  tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL,
  title       text NOT NULL,
  created_at  timestamptz(3) NOT NULL DEFAULT now(),
  updated_at  timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE
);
CREATE INDEX conversations_tenant_id_user_id_updated_at_idx ON conversations (tenant_id, user_id, updated_at DESC);

CREATE TABLE messages (
  tenant_id        uuid NOT NULL,
  id               uuid NOT NULL DEFAULT gen_random_uuid(),
  conversation_id  uuid NOT NULL,
  user_id          uuid NOT NULL,
  role             text NOT NULL CHECK (role IN ('user', 'assistant')),
  content          text NOT NULL,
  status           text NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'aborted', 'error')),
  created_at       timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX messages_tenant_id_conversation_id_created_at_idx ON messages (tenant_id, conversation_id, created_at);

CREATE TABLE usage_events (
  tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  request_id         text NOT NULL,
  user_id            uuid,
  conversation_id    uuid,
  request_type       "RequestType" NOT NULL,
  model              text NOT NULL,
  input_tokens       integer NOT NULL CHECK (input_tokens >= 0),
  output_tokens      integer NOT NULL CHECK (output_tokens >= 0),
  cache_write_tokens integer NOT NULL DEFAULT 0 CHECK (cache_write_tokens >= 0),
  cache_read_tokens  integer NOT NULL DEFAULT 0 CHECK (cache_read_tokens >= 0),
  latency_ms         integer NOT NULL CHECK (latency_ms >= 0),
  ttft_ms            integer CHECK (ttft_ms >= 0),
  cost_micros        bigint NOT NULL CHECK (cost_micros >= 0),
  price_missing      boolean NOT NULL DEFAULT false,
  status             "UsageStatus" NOT NULL,
  error_type         text,
  created_at         timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, request_id)
);
CREATE INDEX usage_events_tenant_id_created_at_idx ON usage_events (tenant_id, created_at);

CREATE TABLE audit_logs (
  tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id          bigint GENERATED BY DEFAULT AS IDENTITY,
  actor_id    uuid,
  action      text NOT NULL,
  target      text,
  details     jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_logs_tenant_id_created_at_idx ON audit_logs (tenant_id, created_at DESC);

-- ---------------------------------------------------------------------------
-- Privileges. bh_app gets none: it must SET ROLE first.
-- ---------------------------------------------------------------------------

GRANT SELECT ON plans, price_book TO bh_tenant, bh_auth, bh_staff;
GRANT INSERT ON price_book TO bh_staff;

GRANT SELECT, UPDATE (name, password_hash) ON users TO bh_tenant;
GRANT SELECT, INSERT ON users TO bh_auth;
GRANT SELECT (id, email, name, is_staff, created_at) ON users TO bh_staff;

GRANT SELECT, UPDATE (name, time_zone) ON tenants TO bh_tenant;
GRANT SELECT, INSERT ON tenants TO bh_auth;
GRANT SELECT, UPDATE (plan_id) ON tenants TO bh_staff;

GRANT SELECT, INSERT ON tenant_configs TO bh_tenant, bh_auth;
GRANT SELECT, INSERT, UPDATE (role), DELETE ON memberships TO bh_tenant;
GRANT SELECT, INSERT ON memberships TO bh_auth;
GRANT SELECT ON memberships TO bh_staff;

GRANT SELECT, INSERT, UPDATE, DELETE ON invites TO bh_tenant;
GRANT SELECT, UPDATE (accepted_at, accepted_by_id) ON invites TO bh_auth;

GRANT SELECT, INSERT, UPDATE (title, updated_at), DELETE ON conversations TO bh_tenant;
GRANT SELECT, INSERT, UPDATE (content, status), DELETE ON messages TO bh_tenant;

GRANT SELECT, INSERT ON usage_events TO bh_tenant;
GRANT SELECT ON usage_events TO bh_staff;

GRANT SELECT, INSERT ON audit_logs TO bh_tenant;
GRANT SELECT ON audit_logs TO bh_staff;

-- ---------------------------------------------------------------------------
-- Row-level security: ENABLE and FORCE on every table holding tenant or user data.
-- ---------------------------------------------------------------------------

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
ALTER TABLE tenant_configs ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_configs FORCE ROW LEVEL SECURITY;
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
ALTER TABLE invites ENABLE ROW LEVEL SECURITY;
ALTER TABLE invites FORCE ROW LEVEL SECURITY;
ALTER TABLE conversations ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversations FORCE ROW LEVEL SECURITY;
ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages FORCE ROW LEVEL SECURITY;
ALTER TABLE usage_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_events FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_logs FORCE ROW LEVEL SECURITY;

-- users: yourself, and the members of the tenant you are acting in.
CREATE POLICY users_tenant_read ON users FOR SELECT TO bh_tenant
  USING (id = app_user_id()
         OR id IN (SELECT m.user_id FROM memberships m WHERE m.tenant_id = app_tenant_id()));
CREATE POLICY users_tenant_update_self ON users FOR UPDATE TO bh_tenant
  USING (id = app_user_id()) WITH CHECK (id = app_user_id());
CREATE POLICY users_auth_all ON users FOR ALL TO bh_auth USING (true) WITH CHECK (true);
CREATE POLICY users_staff_read ON users FOR SELECT TO bh_staff USING (true);

-- tenants: the one you act in, and those you belong to (workspace switcher, slug lookup).
CREATE POLICY tenants_tenant_read ON tenants FOR SELECT TO bh_tenant
  USING (id = app_tenant_id()
         OR id IN (SELECT m.tenant_id FROM memberships m WHERE m.user_id = app_user_id()));
CREATE POLICY tenants_tenant_update ON tenants FOR UPDATE TO bh_tenant
  USING (id = app_tenant_id()) WITH CHECK (id = app_tenant_id());
CREATE POLICY tenants_auth_all ON tenants FOR ALL TO bh_auth USING (true) WITH CHECK (true);
CREATE POLICY tenants_staff_all ON tenants FOR ALL TO bh_staff USING (true) WITH CHECK (true);

CREATE POLICY tenant_configs_tenant ON tenant_configs FOR ALL TO bh_tenant
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
CREATE POLICY tenant_configs_auth_insert ON tenant_configs FOR INSERT TO bh_auth WITH CHECK (true);
CREATE POLICY tenant_configs_auth_read ON tenant_configs FOR SELECT TO bh_auth USING (true);

-- memberships: the tenant's roster, plus your own memberships elsewhere (read only).
CREATE POLICY memberships_tenant_read ON memberships FOR SELECT TO bh_tenant
  USING (tenant_id = app_tenant_id() OR user_id = app_user_id());
CREATE POLICY memberships_tenant_write ON memberships FOR INSERT TO bh_tenant
  WITH CHECK (tenant_id = app_tenant_id());
CREATE POLICY memberships_tenant_update ON memberships FOR UPDATE TO bh_tenant
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
CREATE POLICY memberships_tenant_delete ON memberships FOR DELETE TO bh_tenant
  USING (tenant_id = app_tenant_id());
CREATE POLICY memberships_auth_all ON memberships FOR ALL TO bh_auth USING (true) WITH CHECK (true);
CREATE POLICY memberships_staff_read ON memberships FOR SELECT TO bh_staff USING (true);

CREATE POLICY invites_tenant ON invites FOR ALL TO bh_tenant
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
CREATE POLICY invites_auth_all ON invites FOR ALL TO bh_auth USING (true) WITH CHECK (true);

-- conversations and messages: private to their user inside the tenant.
CREATE POLICY conversations_owner ON conversations FOR ALL TO bh_tenant
  USING (tenant_id = app_tenant_id() AND user_id = app_user_id())
  WITH CHECK (tenant_id = app_tenant_id() AND user_id = app_user_id());
CREATE POLICY messages_owner ON messages FOR ALL TO bh_tenant
  USING (tenant_id = app_tenant_id() AND user_id = app_user_id())
  WITH CHECK (tenant_id = app_tenant_id() AND user_id = app_user_id());

CREATE POLICY usage_events_tenant ON usage_events FOR ALL TO bh_tenant
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
CREATE POLICY usage_events_staff_read ON usage_events FOR SELECT TO bh_staff USING (true);

CREATE POLICY audit_logs_tenant ON audit_logs FOR ALL TO bh_tenant
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
CREATE POLICY audit_logs_staff_read ON audit_logs FOR SELECT TO bh_staff USING (true);

-- Plans and prices are reference data the migration owns.
INSERT INTO plans (id, name, requests_per_minute, tokens_per_minute, monthly_token_quota, monthly_price_micros, user_share_pct, max_tokens_cap, allowed_tiers) VALUES
  ('free',         'Free',            10,    10000,     2000000,          0, 100,  1024, '{economy,standard}'),
  ('starter',      'Starter',         60,   100000,    20000000,   49000000,  50,  2048, '{economy,standard}'),
  ('professional', 'Professional',   300,   500000,   150000000,  299000000,  25,  4096, '{economy,standard,premium}'),
  ('enterprise',   'Enterprise',    1000,  2000000,  1000000000, 1499000000,  10,  8192, '{economy,standard,premium}');

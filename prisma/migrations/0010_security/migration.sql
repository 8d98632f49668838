-- Roles enforced by the database, not only by the application (issue 10).
--
-- Before this migration a bh_tenant scope could read every co-member's password_hash,
-- promote itself with UPDATE memberships SET role = 'owner', write tenant_configs
-- versions as a plain member, and see another tenant's rows just by naming it in
-- app.tenant_id; bh_auth could insert an owner membership into any tenant. Each rule the
-- application already checks is now also a policy, so a wrongly scoped or buggy query
-- fails closed instead of crossing a tenant or raising a role.

-- ---------------------------------------------------------------------------
-- Sessions that end: a per-user counter carried in the session token and compared on
-- every identify; bumping it (sign out everywhere, password change) ends every session.
-- ---------------------------------------------------------------------------
ALTER TABLE users ADD COLUMN session_version integer NOT NULL DEFAULT 0 CHECK (session_version >= 0);

-- Email verification: set when the user follows a link mailed to the address (or resets
-- their password through one). Accounts from before verification existed keep working.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz(3);
UPDATE users SET email_verified_at = created_at;

-- ---------------------------------------------------------------------------
-- Membership-checked scope. app_tenant_id() now returns the tenant only when
-- (app.tenant_id, app.user_id) is a membership, so every existing policy written as
-- `tenant_id = app_tenant_id()` also requires membership: a scope naming a tenant the
-- user does not belong to sees and writes nothing.
--
-- A tenant scope with no user at all (app.user_id '') is the platform acting for the
-- tenant (background jobs, the usage outbox's replay): it keeps the tenant, but with no
-- user it has no role (no admin writes) and sees no conversation or message.
--
-- SECURITY DEFINER reads memberships as the owner (below: the owner's own read policy),
-- which also avoids policy recursion. Names are schema-qualified instead of
-- `SET search_path`, which would make every call, once per row on a sequential scan, pay
-- for a configuration change.
-- ---------------------------------------------------------------------------
CREATE POLICY memberships_definer_read ON memberships FOR SELECT TO CURRENT_USER USING (true);

CREATE OR REPLACE FUNCTION app_tenant_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER AS $$
  SELECT CASE
           WHEN s.u IS NULL THEN s.t
           ELSE (SELECT m.tenant_id FROM public.memberships m WHERE m.tenant_id = s.t AND m.user_id = s.u)
         END
    FROM (SELECT NULLIF(pg_catalog.current_setting('app.tenant_id', true), '')::uuid AS t,
                 NULLIF(pg_catalog.current_setting('app.user_id', true), '')::uuid AS u) s
$$;

-- The acting user's role in the scoped tenant (NULL when not a member).
CREATE FUNCTION app_member_role() RETURNS "Role"
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER AS $$
  SELECT m.role
    FROM public.memberships m
   WHERE m.tenant_id = NULLIF(pg_catalog.current_setting('app.tenant_id', true), '')::uuid
     AND m.user_id = NULLIF(pg_catalog.current_setting('app.user_id', true), '')::uuid
$$;

-- Whether anyone belongs to a tenant: a new tenant, mid-sign-up, has nobody yet.
CREATE FUNCTION tenant_has_members(p_tenant uuid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER AS $$
  SELECT EXISTS (SELECT 1 FROM public.memberships m WHERE m.tenant_id = p_tenant)
$$;

REVOKE EXECUTE ON FUNCTION app_member_role() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION tenant_has_members(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_member_role() TO bh_tenant;
GRANT EXECUTE ON FUNCTION tenant_has_members(uuid) TO bh_auth;
-- app_tenant_id() stays executable by PUBLIC: every role's policies call it.

-- ---------------------------------------------------------------------------
-- users: nobody in the app reads password_hash through SELECT any more.
-- ---------------------------------------------------------------------------
REVOKE SELECT ON users FROM bh_tenant, bh_auth;
GRANT SELECT (id, email, name, is_staff, created_at, session_version, email_verified_at) ON users TO bh_tenant, bh_auth;
GRANT SELECT (session_version, email_verified_at) ON users TO bh_staff;
-- A password change writes the hash and bumps the version; the self-only policy
-- (users_tenant_update_self) keeps it to the user's own row.
GRANT UPDATE (session_version) ON users TO bh_tenant;

-- Sign-in: one user's credentials by exact (lower-cased) email, nothing else.
CREATE FUNCTION auth_credentials(p_email text)
RETURNS TABLE (id uuid, email text, name text, is_staff boolean, password_hash text, session_version integer)
LANGUAGE sql STABLE SECURITY DEFINER AS $$
  SELECT u.id, u.email, u.name, u.is_staff, u.password_hash, u.session_version
    FROM public.users u
   WHERE u.email = p_email
$$;
REVOKE EXECUTE ON FUNCTION auth_credentials(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_credentials(text) TO bh_auth;

-- Password change: the acting user's own hash, to check the current password.
CREATE FUNCTION own_password_hash() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER AS $$
  SELECT u.password_hash FROM public.users u
   WHERE u.id = NULLIF(pg_catalog.current_setting('app.user_id', true), '')::uuid
$$;
REVOKE EXECUTE ON FUNCTION own_password_hash() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION own_password_hash() TO bh_tenant;

-- The owner reads users inside those definer functions even where it is not a superuser.
CREATE POLICY users_definer_read ON users FOR SELECT TO CURRENT_USER USING (true);

-- ---------------------------------------------------------------------------
-- tenant_configs: everyone in the tenant reads; only admins and owners add versions.
-- bh_auth writes only a brand-new tenant's first version (sign-up, create workspace).
-- ---------------------------------------------------------------------------
DROP POLICY tenant_configs_tenant ON tenant_configs;
CREATE POLICY tenant_configs_tenant_read ON tenant_configs FOR SELECT TO bh_tenant
  USING (tenant_id = app_tenant_id());
CREATE POLICY tenant_configs_tenant_insert ON tenant_configs FOR INSERT TO bh_tenant
  WITH CHECK (tenant_id = app_tenant_id() AND app_member_role() IN ('owner', 'admin'));

DROP POLICY tenant_configs_auth_insert ON tenant_configs;
CREATE POLICY tenant_configs_auth_insert ON tenant_configs FOR INSERT TO bh_auth
  WITH CHECK (version = 1 AND NOT tenant_has_members(tenant_id));

-- ---------------------------------------------------------------------------
-- memberships. Admins manage members and admins; only owners grant, change or remove
-- the owner role; anyone may remove themselves (leave). Members change nothing, so they
-- cannot raise their own role. The last-owner rule stays in lib/admin/members.ts, which
-- locks the rows it counts.
-- ---------------------------------------------------------------------------
DROP POLICY memberships_tenant_write ON memberships;
DROP POLICY memberships_tenant_update ON memberships;
DROP POLICY memberships_tenant_delete ON memberships;
CREATE POLICY memberships_tenant_insert ON memberships FOR INSERT TO bh_tenant
  WITH CHECK (tenant_id = app_tenant_id()
              AND (app_member_role() = 'owner' OR (app_member_role() = 'admin' AND role <> 'owner')));
-- SELECT ... FOR UPDATE (lib/admin/members.ts locks the rows it counts) is filtered by
-- this USING clause too, so it lets everyone lock their own row and admins lock every
-- row; WITH CHECK then refuses any change made by a member, and any row becoming owner
-- unless an owner makes it. WITH CHECK sees only the new row: the trigger below refuses
-- an admin changing an existing owner's role.
CREATE POLICY memberships_tenant_update ON memberships FOR UPDATE TO bh_tenant
  USING (tenant_id = app_tenant_id() AND (user_id = app_user_id() OR app_member_role() IN ('owner', 'admin')))
  WITH CHECK (tenant_id = app_tenant_id()
              AND app_member_role() IN ('owner', 'admin')
              AND (role <> 'owner' OR app_member_role() = 'owner'));

CREATE FUNCTION memberships_guard_owner_role() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- current_user is the scoped role here (the function is not SECURITY DEFINER).
  IF current_user = 'bh_tenant' AND OLD.role = 'owner' AND NEW.role IS DISTINCT FROM OLD.role
     AND app_member_role() IS DISTINCT FROM 'owner' THEN
    RAISE EXCEPTION 'only an owner may change an owner''s role' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER memberships_guard_owner_role BEFORE UPDATE OF role ON memberships
  FOR EACH ROW EXECUTE FUNCTION memberships_guard_owner_role();

CREATE POLICY memberships_tenant_delete ON memberships FOR DELETE TO bh_tenant
  USING (tenant_id = app_tenant_id()
         AND (user_id = app_user_id()
              OR app_member_role() = 'owner'
              OR (app_member_role() = 'admin' AND role <> 'owner')));

-- bh_auth: only the first member of a tenant that has none, as its owner (sign-up and
-- create workspace). Joining an existing tenant goes through accept_invite().
DROP POLICY memberships_auth_all ON memberships;
CREATE POLICY memberships_auth_read ON memberships FOR SELECT TO bh_auth USING (true);
CREATE POLICY memberships_auth_first_owner ON memberships FOR INSERT TO bh_auth
  WITH CHECK (role = 'owner' AND NOT tenant_has_members(tenant_id));

-- ---------------------------------------------------------------------------
-- invites: only admins and owners see (the bound emails), create, change or revoke them.
-- bh_auth only reads (the invite page's preview).
-- ---------------------------------------------------------------------------
DROP POLICY invites_tenant ON invites;
CREATE POLICY invites_tenant_read ON invites FOR SELECT TO bh_tenant
  USING (tenant_id = app_tenant_id() AND app_member_role() IN ('owner', 'admin'));
CREATE POLICY invites_tenant_insert ON invites FOR INSERT TO bh_tenant
  WITH CHECK (tenant_id = app_tenant_id() AND app_member_role() IN ('owner', 'admin') AND created_by_id = app_user_id());
CREATE POLICY invites_tenant_update ON invites FOR UPDATE TO bh_tenant
  USING (tenant_id = app_tenant_id() AND app_member_role() IN ('owner', 'admin'))
  WITH CHECK (tenant_id = app_tenant_id() AND app_member_role() IN ('owner', 'admin'));
CREATE POLICY invites_tenant_delete ON invites FOR DELETE TO bh_tenant
  USING (tenant_id = app_tenant_id() AND app_member_role() IN ('owner', 'admin'));

DROP POLICY invites_auth_all ON invites;
REVOKE UPDATE ON invites FROM bh_auth;
CREATE POLICY invites_auth_read ON invites FOR SELECT TO bh_auth USING (true);

-- ---------------------------------------------------------------------------
-- Invite acceptance: one narrow function, run by the signed-in user (bh_tenant, user
-- scope: app.user_id set, no tenant). It claims the invite once, checks the bound email
-- against the accepting user's own, and inserts a membership with the invite's role
-- (never owner: the invites table's CHECK on role). Statuses mirror lib/tenancy/invites.ts.
-- ---------------------------------------------------------------------------
CREATE POLICY invites_definer_all ON invites FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY memberships_definer_insert ON memberships FOR INSERT TO CURRENT_USER WITH CHECK (true);
CREATE POLICY tenants_definer_read ON tenants FOR SELECT TO CURRENT_USER USING (true);

CREATE FUNCTION accept_invite(p_token_hash text)
RETURNS TABLE (status text, tenant_id uuid, slug text, role "Role", invite_id uuid)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  v_user uuid := NULLIF(current_setting('app.user_id', true), '')::uuid;
  v_invite public.invites%ROWTYPE;
  v_slug text;
  v_email text;
  v_verified timestamptz;
  v_existing "Role";
BEGIN
  IF v_user IS NULL THEN
    RAISE EXCEPTION 'accept_invite needs app.user_id' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO v_invite FROM public.invites i WHERE i.token_hash = p_token_hash FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'unknown'::text, NULL::uuid, NULL::text, NULL::"Role", NULL::uuid;
    RETURN;
  END IF;
  SELECT t.slug INTO v_slug FROM public.tenants t WHERE t.id = v_invite.tenant_id;
  IF v_invite.accepted_at IS NOT NULL THEN
    RETURN QUERY SELECT 'used'::text, v_invite.tenant_id, v_slug, v_invite.role, v_invite.id;
    RETURN;
  END IF;
  IF v_invite.expires_at <= now() THEN
    RETURN QUERY SELECT 'expired'::text, v_invite.tenant_id, v_slug, v_invite.role, v_invite.id;
    RETURN;
  END IF;
  SELECT m.role INTO v_existing FROM public.memberships m WHERE m.tenant_id = v_invite.tenant_id AND m.user_id = v_user;
  IF v_existing IS NOT NULL THEN
    RETURN QUERY SELECT 'already_member'::text, v_invite.tenant_id, v_slug, v_existing, v_invite.id;
    RETURN;
  END IF;
  SELECT u.email, u.email_verified_at INTO v_email, v_verified FROM public.users u WHERE u.id = v_user;
  IF v_email IS NULL THEN
    RAISE EXCEPTION 'accept_invite: unknown user' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF v_invite.email IS NOT NULL AND v_invite.email <> v_email THEN
    RETURN QUERY SELECT 'wrong_email'::text, v_invite.tenant_id, v_slug, v_invite.role, v_invite.id;
    RETURN;
  END IF;
  -- Signing up with the invited address is not enough: the invitee must prove the mailbox.
  IF v_invite.email IS NOT NULL AND v_verified IS NULL THEN
    RETURN QUERY SELECT 'unverified'::text, v_invite.tenant_id, v_slug, v_invite.role, v_invite.id;
    RETURN;
  END IF;
  UPDATE public.invites i SET accepted_at = now(), accepted_by_id = v_user
   WHERE i.tenant_id = v_invite.tenant_id AND i.id = v_invite.id;
  INSERT INTO public.memberships (tenant_id, user_id, role) VALUES (v_invite.tenant_id, v_user, v_invite.role);
  RETURN QUERY SELECT 'accepted'::text, v_invite.tenant_id, v_slug, v_invite.role, v_invite.id;
END
$$;
REVOKE EXECUTE ON FUNCTION accept_invite(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION accept_invite(text) TO bh_tenant;

-- ---------------------------------------------------------------------------
-- Email tokens: verification and password reset links. Only hashes are stored; each token
-- is single-use and expires. No role touches the table: issue_email_token() and
-- redeem_email_token() are the only doors, both for bh_auth (the visitor is not signed in).
-- ---------------------------------------------------------------------------
CREATE TABLE email_tokens (
  token_hash  text PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose     text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
  -- The address the link went to: a token proves that address only, not a later one.
  email       text NOT NULL,
  expires_at  timestamptz(3) NOT NULL,
  used_at     timestamptz(3),
  created_at  timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX email_tokens_user_id_idx ON email_tokens (user_id);
ALTER TABLE email_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE email_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY email_tokens_definer_all ON email_tokens FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY users_definer_update ON users FOR UPDATE TO CURRENT_USER USING (true) WITH CHECK (true);

-- The user id the token was issued for, or NULL when no account has that email (the
-- caller answers the same either way, so the form does not reveal who has an account).
CREATE FUNCTION issue_email_token(p_email text, p_purpose text, p_token_hash text, p_ttl_seconds integer)
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  v_user uuid;
BEGIN
  IF p_ttl_seconds NOT BETWEEN 60 AND 7 * 24 * 3600 THEN
    RAISE EXCEPTION 'issue_email_token: ttl out of range' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT u.id INTO v_user FROM public.users u WHERE u.email = p_email;
  IF v_user IS NULL THEN
    RETURN NULL;
  END IF;
  INSERT INTO public.email_tokens (token_hash, user_id, purpose, email, expires_at)
  VALUES (p_token_hash, v_user, p_purpose, p_email, now() + make_interval(secs => p_ttl_seconds));
  RETURN v_user;
END
$$;

-- Spends a token once. 'verify_email' marks the address verified; 'reset_password' sets
-- the new hash, marks the address verified (the mailbox was proven), ends every session
-- (session_version) and spends the user's other reset tokens.
CREATE FUNCTION redeem_email_token(p_purpose text, p_token_hash text, p_password_hash text DEFAULT NULL)
RETURNS TABLE (status text, user_id uuid)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  v_token public.email_tokens%ROWTYPE;
  v_email text;
BEGIN
  SELECT * INTO v_token FROM public.email_tokens t WHERE t.token_hash = p_token_hash AND t.purpose = p_purpose FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'unknown'::text, NULL::uuid;
    RETURN;
  END IF;
  IF v_token.used_at IS NOT NULL THEN
    RETURN QUERY SELECT 'used'::text, v_token.user_id;
    RETURN;
  END IF;
  IF v_token.expires_at <= now() THEN
    RETURN QUERY SELECT 'expired'::text, v_token.user_id;
    RETURN;
  END IF;
  SELECT u.email INTO v_email FROM public.users u WHERE u.id = v_token.user_id;
  IF v_email IS DISTINCT FROM v_token.email THEN
    RETURN QUERY SELECT 'unknown'::text, NULL::uuid;
    RETURN;
  END IF;
  IF p_purpose = 'reset_password' AND (p_password_hash IS NULL OR p_password_hash NOT LIKE 'scrypt$%') THEN
    RAISE EXCEPTION 'redeem_email_token: a reset needs the new password hash' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  UPDATE public.email_tokens t SET used_at = now() WHERE t.token_hash = p_token_hash;
  IF p_purpose = 'verify_email' THEN
    UPDATE public.users u SET email_verified_at = COALESCE(u.email_verified_at, now()) WHERE u.id = v_token.user_id;
  ELSE
    UPDATE public.users u
       SET password_hash = p_password_hash,
           session_version = u.session_version + 1,
           email_verified_at = COALESCE(u.email_verified_at, now())
     WHERE u.id = v_token.user_id;
    UPDATE public.email_tokens t SET used_at = now()
     WHERE t.user_id = v_token.user_id AND t.purpose = 'reset_password' AND t.used_at IS NULL;
  END IF;
  RETURN QUERY SELECT 'ok'::text, v_token.user_id;
END
$$;
REVOKE EXECUTE ON FUNCTION issue_email_token(text, text, text, integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION redeem_email_token(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION issue_email_token(text, text, text, integer) TO bh_auth;
GRANT EXECUTE ON FUNCTION redeem_email_token(text, text, text) TO bh_auth;

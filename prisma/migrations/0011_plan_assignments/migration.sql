-- Revenue a finance person can trust, and tenant deletion that keeps the billing ledger.
--
-- plan_assignments: which plan (at which monthly price) a tenant was on, effective-dated.
-- Revenue of a UTC month is prorated by day from these rows (lib/staff/revenue.ts), so a
-- plan change never rewrites a past month and a tenant created on the 20th pays from the
-- 20th. No foreign key to tenants: a deleted tenant's assignments stay (closed at the
-- deletion), as its staff usage rollups do (0009), so its past months keep their revenue.
--
-- The rows follow tenants.plan_id through triggers on tenants, whoever writes it (sign-up
-- and workspace creation in lib/auth, staff plan changes in lib/staff/plans.ts, seeds,
-- imports): the assignment opens, closes or moves in the same transaction as the write,
-- and no app role may write the table itself, so no path can leave the two disagreeing.
--
-- Also here: delete_tenant() (staff, or the tenant's owner), and a fix of 0009's
-- fold_usage_rollups scope check (see the end of this file).

-- ---------------------------------------------------------------------------
-- Assignments
-- ---------------------------------------------------------------------------

CREATE TABLE plan_assignments (
  tenant_id             uuid NOT NULL,
  effective_from        timestamptz(3) NOT NULL,
  -- NULL while current. Exclusive: the next assignment starts at this instant.
  effective_to          timestamptz(3),
  plan_id               text NOT NULL REFERENCES plans (id),
  -- The plan's price when the assignment opened: a later edit of plans.monthly_price_micros
  -- does not reprice months already billed.
  monthly_price_micros  bigint NOT NULL CHECK (monthly_price_micros >= 0),
  PRIMARY KEY (tenant_id, effective_from),
  CONSTRAINT plan_assignments_ordered CHECK (effective_to IS NULL OR effective_to > effective_from)
);
-- At most one current assignment per tenant.
CREATE UNIQUE INDEX plan_assignments_one_open ON plan_assignments (tenant_id) WHERE effective_to IS NULL;

GRANT SELECT ON plan_assignments TO bh_staff, bh_tenant;
ALTER TABLE plan_assignments ENABLE ROW LEVEL SECURITY;
ALTER TABLE plan_assignments FORCE ROW LEVEL SECURITY;
CREATE POLICY plan_assignments_staff_read ON plan_assignments FOR SELECT TO bh_staff USING (true);
CREATE POLICY plan_assignments_tenant_read ON plan_assignments FOR SELECT TO bh_tenant USING (tenant_id = app_tenant_id());
-- The triggers below run as the owner (as in 0005: FORCE applies to a non-superuser owner).
CREATE POLICY plan_assignments_owner ON plan_assignments FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);

-- Existing tenants: their current plan since they were created (there is no older history).
INSERT INTO plan_assignments (tenant_id, effective_from, effective_to, plan_id, monthly_price_micros)
SELECT t.id, t.created_at, NULL, t.plan_id, p.monthly_price_micros
  FROM tenants t JOIN plans p ON p.id = t.plan_id;

CREATE FUNCTION plan_assignments_follow_tenant() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  at timestamptz(3) := now();
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO plan_assignments (tenant_id, effective_from, plan_id, monthly_price_micros)
    SELECT NEW.id, NEW.created_at, NEW.plan_id, p.monthly_price_micros FROM plans p WHERE p.id = NEW.plan_id;
    RETURN NULL;
  END IF;

  IF TG_OP = 'DELETE' THEN
    -- The tenant's last assignment ends now; one that began in this same instant never ran.
    DELETE FROM plan_assignments WHERE tenant_id = OLD.id AND effective_to IS NULL AND effective_from >= at;
    UPDATE plan_assignments SET effective_to = at WHERE tenant_id = OLD.id AND effective_to IS NULL;
    RETURN NULL;
  END IF;

  -- UPDATE. created_at is written only by the owner (fixtures, imports): the first
  -- assignment starts with the tenant.
  IF NEW.created_at IS DISTINCT FROM OLD.created_at THEN
    UPDATE plan_assignments a SET effective_from = NEW.created_at
     WHERE a.tenant_id = NEW.id
       AND a.effective_from = (SELECT min(b.effective_from) FROM plan_assignments b WHERE b.tenant_id = NEW.id);
  END IF;

  IF NEW.plan_id IS DISTINCT FROM OLD.plan_id THEN
    -- A change in the same instant as the current assignment's start (created and moved in
    -- one transaction) replaces it; otherwise it closes now and the new one opens now.
    UPDATE plan_assignments a SET plan_id = NEW.plan_id, monthly_price_micros = p.monthly_price_micros
      FROM plans p
     WHERE p.id = NEW.plan_id AND a.tenant_id = NEW.id AND a.effective_to IS NULL AND a.effective_from >= at;
    IF NOT FOUND THEN
      UPDATE plan_assignments SET effective_to = at WHERE tenant_id = NEW.id AND effective_to IS NULL;
      INSERT INTO plan_assignments (tenant_id, effective_from, plan_id, monthly_price_micros)
      SELECT NEW.id, at, NEW.plan_id, p.monthly_price_micros FROM plans p WHERE p.id = NEW.plan_id;
    END IF;
  END IF;
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION plan_assignments_follow_tenant() FROM PUBLIC;

CREATE TRIGGER tenants_plan_assignment_open AFTER INSERT ON tenants
  FOR EACH ROW EXECUTE FUNCTION plan_assignments_follow_tenant();
CREATE TRIGGER tenants_plan_assignment_change AFTER UPDATE OF plan_id, created_at ON tenants
  FOR EACH ROW WHEN (NEW.plan_id IS DISTINCT FROM OLD.plan_id OR NEW.created_at IS DISTINCT FROM OLD.created_at)
  EXECUTE FUNCTION plan_assignments_follow_tenant();
CREATE TRIGGER tenants_plan_assignment_close AFTER DELETE ON tenants
  FOR EACH ROW EXECUTE FUNCTION plan_assignments_follow_tenant();

-- ---------------------------------------------------------------------------
-- Deleting a tenant. Its own data goes (ON DELETE CASCADE from tenants); what stays is the
-- billing ledger keyed by its uuid alone: usage_daily_tenant, usage_monthly_tenant (0009)
-- and plan_assignments. Queued usage is folded first, so the ledger holds every event.
-- Staff may delete any tenant (lib/staff checks the actor is staff, and so does this
-- function); a tenant's owner may delete their own. One staff_audit_logs entry records it
-- (the tenant's own audit_logs go with it), naming the tenant for the record.
-- ---------------------------------------------------------------------------

CREATE POLICY tenants_owner_delete ON tenants FOR DELETE TO CURRENT_USER USING (true);
CREATE POLICY memberships_owner_read ON memberships FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY users_owner_read ON users FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY staff_audit_logs_owner_insert ON staff_audit_logs FOR INSERT TO CURRENT_USER WITH CHECK (true);

CREATE FUNCTION delete_tenant(p_tenant uuid) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  -- The session's role (current_user is this function's owner in here).
  caller text := current_setting('role', true);
  actor uuid := app_user_id();
  t record;
BEGIN
  IF caller = 'bh_staff' THEN
    IF NOT EXISTS (SELECT 1 FROM users u WHERE u.id = actor AND u.is_staff) THEN
      RAISE EXCEPTION 'delete_tenant: not staff' USING ERRCODE = '42501';
    END IF;
  ELSIF caller = 'bh_tenant' THEN
    IF p_tenant IS DISTINCT FROM app_tenant_id()
       OR NOT EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = p_tenant AND m.user_id = actor AND m.role = 'owner') THEN
      RAISE EXCEPTION 'delete_tenant: only the workspace''s owner may delete it' USING ERRCODE = '42501';
    END IF;
  ELSE
    RAISE EXCEPTION 'delete_tenant: staff or the owner only' USING ERRCODE = '42501';
  END IF;

  SELECT id, name, slug, plan_id INTO t FROM tenants WHERE id = p_tenant FOR UPDATE;
  IF NOT FOUND THEN
    RETURN false;
  END IF;

  PERFORM fold_usage_rollups_any(p_tenant);
  INSERT INTO staff_audit_logs (actor_id, action, tenant_id, target, details)
  VALUES (actor, 'tenant.deleted', NULL, p_tenant::text,
          jsonb_build_object('name', t.name, 'slug', t.slug, 'planId', t.plan_id,
                             'by', CASE WHEN caller = 'bh_staff' THEN 'staff' ELSE 'owner' END));
  DELETE FROM tenants WHERE id = p_tenant;
  RETURN true;
END
$$;
REVOKE EXECUTE ON FUNCTION delete_tenant(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION delete_tenant(uuid) TO bh_staff, bh_tenant;

-- ---------------------------------------------------------------------------
-- Fix of 0009: fold_usage_rollups compared current_user with 'bh_tenant', but inside a
-- SECURITY DEFINER function current_user is the function's owner, so a tenant scope could
-- fold every tenant (and any other one). The session's role is current_setting('role').
-- 0009's function keeps its body under another name, callable by the owner's functions
-- only; the public name checks the caller first.
-- ---------------------------------------------------------------------------

ALTER FUNCTION fold_usage_rollups(uuid) RENAME TO fold_usage_rollups_any;
REVOKE EXECUTE ON FUNCTION fold_usage_rollups_any(uuid) FROM PUBLIC, bh_tenant, bh_staff;

CREATE FUNCTION fold_usage_rollups(p_tenant uuid) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  caller text := current_setting('role', true);
BEGIN
  -- A tenant's members fold their own tenant only; staff (and the owner) any, or all (NULL).
  IF caller = 'bh_tenant' AND (p_tenant IS NULL OR p_tenant IS DISTINCT FROM app_tenant_id()) THEN
    RAISE EXCEPTION 'fold_usage_rollups: a tenant scope folds only its own tenant' USING ERRCODE = '42501';
  END IF;
  IF caller NOT IN ('bh_tenant', 'bh_staff', 'none') THEN
    RAISE EXCEPTION 'fold_usage_rollups: not for this role' USING ERRCODE = '42501';
  END IF;
  RETURN fold_usage_rollups_any(p_tenant);
END
$$;
REVOKE EXECUTE ON FUNCTION fold_usage_rollups(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION fold_usage_rollups(uuid) TO bh_tenant, bh_staff;

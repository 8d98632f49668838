-- Rollups for the staff console, summed over request types and users. usage_daily is keyed
-- (tenant, day, model, request type, user) for the tenant dashboard; at 1,000 tenants a
-- quarter of it is millions of rows, and the margin page's "every tenant, 90 days" read
-- scanned all of them (3.7 s cold at 10M events). Two small tables instead:
--
--   usage_daily_tenant   (day, tenant, model)    the chart (one day-led range scan)
--   usage_monthly_tenant (month, tenant, model)  the month's table and cost mix
--
-- Both are keyed by tenant as well: a table of totals across tenants (per day and model)
-- would be one row that every tenant's usage insert updates, a lock all of them queue on.
-- They are derived from usage_daily, not from usage_events: statement-level triggers with
-- transition tables apply the difference of every INSERT, UPDATE and DELETE on usage_daily
-- (the usage_events trigger's upserts; rebuild_usage_daily's delete and re-insert after a
-- time-zone change). So they cannot drift from it, and 0005's functions stay as they are.
-- Months and days are the tenant's local ones, as in usage_daily.
-- tests/integration/staff-console.test.ts holds both to usage_daily.

CREATE TABLE usage_daily_tenant (
  day          date NOT NULL,
  tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  model        text NOT NULL,
  requests     bigint NOT NULL,
  tokens       bigint NOT NULL,
  cost_micros  bigint NOT NULL,
  PRIMARY KEY (day, tenant_id, model)
);
-- One tenant's days (and ON DELETE CASCADE from tenants).
CREATE INDEX usage_daily_tenant_by_tenant ON usage_daily_tenant (tenant_id, day);

CREATE TABLE usage_monthly_tenant (
  month        date NOT NULL CHECK (month = date_trunc('month', month)::date),
  tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  model        text NOT NULL,
  requests     bigint NOT NULL,
  tokens       bigint NOT NULL,
  cost_micros  bigint NOT NULL,
  PRIMARY KEY (month, tenant_id, model)
);
CREATE INDEX usage_monthly_tenant_by_tenant ON usage_monthly_tenant (tenant_id);

GRANT SELECT ON usage_daily_tenant, usage_monthly_tenant TO bh_staff;

ALTER TABLE usage_daily_tenant ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_daily_tenant FORCE ROW LEVEL SECURITY;
ALTER TABLE usage_monthly_tenant ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_monthly_tenant FORCE ROW LEVEL SECURITY;

CREATE POLICY usage_daily_tenant_staff_read ON usage_daily_tenant FOR SELECT TO bh_staff USING (true);
CREATE POLICY usage_monthly_tenant_staff_read ON usage_monthly_tenant FOR SELECT TO bh_staff USING (true);
-- As in 0005: the migration owner maintains the tables through the functions below.
CREATE POLICY usage_daily_tenant_rollup_owner ON usage_daily_tenant FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY usage_monthly_tenant_rollup_owner ON usage_monthly_tenant FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);

-- Adds signed (day, tenant, model) differences to both tables, each in key order
-- (concurrent writers lock rows in the same order), and drops the rows they bring back to
-- nothing.
--
-- On the chat path (one event, its usage_daily row upserted) both the INSERT and the UPDATE
-- trigger fire and one of them has no rows, and every difference is positive: the early
-- return and the guarded deletes keep that to the two upserts.
CREATE FUNCTION usage_daily_tenant_add(deltas usage_daily_tenant[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  IF deltas IS NULL OR cardinality(deltas) = 0 THEN
    RETURN;
  END IF;

  INSERT INTO usage_daily_tenant AS s (day, tenant_id, model, requests, tokens, cost_micros)
  SELECT d.day, d.tenant_id, d.model, d.requests, d.tokens, d.cost_micros
    FROM unnest(deltas) d
   WHERE d.requests <> 0 OR d.tokens <> 0 OR d.cost_micros <> 0
   ORDER BY 1, 2, 3
  ON CONFLICT (day, tenant_id, model) DO UPDATE SET
    requests    = s.requests + EXCLUDED.requests,
    tokens      = s.tokens + EXCLUDED.tokens,
    cost_micros = s.cost_micros + EXCLUDED.cost_micros;

  INSERT INTO usage_monthly_tenant AS s (month, tenant_id, model, requests, tokens, cost_micros)
  SELECT date_trunc('month', d.day)::date, d.tenant_id, d.model, sum(d.requests), sum(d.tokens), sum(d.cost_micros)
    FROM unnest(deltas) d
   GROUP BY 1, 2, 3
  HAVING sum(d.requests) <> 0 OR sum(d.tokens) <> 0 OR sum(d.cost_micros) <> 0
   ORDER BY 1, 2, 3
  ON CONFLICT (month, tenant_id, model) DO UPDATE SET
    requests    = s.requests + EXCLUDED.requests,
    tokens      = s.tokens + EXCLUDED.tokens,
    cost_micros = s.cost_micros + EXCLUDED.cost_micros;

  IF NOT EXISTS (SELECT 1 FROM unnest(deltas) d WHERE d.requests < 0 OR d.tokens < 0 OR d.cost_micros < 0) THEN
    RETURN;
  END IF;
  DELETE FROM usage_daily_tenant s
   USING unnest(deltas) d
   WHERE (s.day, s.tenant_id, s.model) = (d.day, d.tenant_id, d.model)
     AND s.requests = 0 AND s.tokens = 0 AND s.cost_micros = 0;
  DELETE FROM usage_monthly_tenant s
   USING unnest(deltas) d
   WHERE (s.month, s.tenant_id, s.model) = (date_trunc('month', d.day)::date, d.tenant_id, d.model)
     AND s.requests = 0 AND s.tokens = 0 AND s.cost_micros = 0;
END
$$;

-- One function for the three triggers (a trigger with transition tables has one event);
-- each branch reads only the transition tables its event has.
CREATE FUNCTION usage_daily_tenant_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM usage_daily_tenant_add(array_agg(ROW(day, tenant_id, model, requests, tokens, cost_micros)::usage_daily_tenant))
       FROM (SELECT day, tenant_id, model, sum(requests) AS requests,
                    sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens) AS tokens,
                    sum(cost_micros) AS cost_micros
               FROM new_rows GROUP BY 1, 2, 3) g;
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM usage_daily_tenant_add(array_agg(ROW(day, tenant_id, model, requests, tokens, cost_micros)::usage_daily_tenant))
       FROM (SELECT day, tenant_id, model, sum(requests) AS requests, sum(tokens) AS tokens, sum(cost_micros) AS cost_micros
               FROM (SELECT day, tenant_id, model, requests,
                            input_tokens + output_tokens + cache_write_tokens + cache_read_tokens AS tokens, cost_micros
                       FROM new_rows
                     UNION ALL
                     SELECT day, tenant_id, model, -requests,
                            -(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens), -cost_micros
                       FROM old_rows) c
              GROUP BY 1, 2, 3) g;
  ELSE
    PERFORM usage_daily_tenant_add(array_agg(ROW(day, tenant_id, model, requests, tokens, cost_micros)::usage_daily_tenant))
       FROM (SELECT day, tenant_id, model, -sum(requests) AS requests,
                    -sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens) AS tokens,
                    -sum(cost_micros) AS cost_micros
               FROM old_rows GROUP BY 1, 2, 3) g;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER usage_daily_tenant_on_insert AFTER INSERT ON usage_daily
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION usage_daily_tenant_sync();
CREATE TRIGGER usage_daily_tenant_on_update AFTER UPDATE ON usage_daily
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION usage_daily_tenant_sync();
CREATE TRIGGER usage_daily_tenant_on_delete AFTER DELETE ON usage_daily
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION usage_daily_tenant_sync();

REVOKE EXECUTE ON FUNCTION usage_daily_tenant_add(usage_daily_tenant[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION usage_daily_tenant_sync() FROM PUBLIC;

-- Days rolled up before this migration.
SELECT usage_daily_tenant_add(array_agg(ROW(day, tenant_id, model, requests, tokens, cost_micros)::usage_daily_tenant))
  FROM (SELECT day, tenant_id, model, sum(requests) AS requests,
               sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens) AS tokens,
               sum(cost_micros) AS cost_micros
          FROM usage_daily GROUP BY 1, 2, 3) g;

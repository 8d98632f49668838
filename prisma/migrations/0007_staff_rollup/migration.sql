-- A second, smaller rollup for the staff console: one row per local day, tenant and model,
-- summed over request types and users. usage_daily is keyed (tenant, day, model, request
-- type, user) for the tenant dashboard; at 1,000 tenants a quarter of it is millions of
-- rows, and the margin page's "every tenant, 90 days" read scanned all of them (3.7 s cold
-- at 10M events). This table holds at most tenants x models rows a day and leads with the
-- day, so that read is one short range scan.
--
-- It is derived from usage_daily, not from usage_events: statement-level triggers with
-- transition tables apply the difference of every INSERT, UPDATE and DELETE on usage_daily
-- (the usage_events trigger's upserts; rebuild_usage_daily's delete and re-insert after a
-- time-zone change). So the two rollups cannot drift apart and 0005's functions stay as
-- they are. tests/integration/staff-console.test.ts holds the two to each other.

CREATE TABLE usage_daily_tenant (
  day          date NOT NULL,
  tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  model        text NOT NULL,
  requests     bigint NOT NULL,
  tokens       bigint NOT NULL,
  cost_micros  bigint NOT NULL,
  PRIMARY KEY (day, tenant_id, model)
);
-- For ON DELETE CASCADE from tenants.
CREATE INDEX usage_daily_tenant_tenant ON usage_daily_tenant (tenant_id);

GRANT SELECT ON usage_daily_tenant TO bh_staff;

ALTER TABLE usage_daily_tenant ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_daily_tenant FORCE ROW LEVEL SECURITY;

CREATE POLICY usage_daily_tenant_staff_read ON usage_daily_tenant FOR SELECT TO bh_staff USING (true);
-- As in 0005: the migration owner maintains the table through the functions below.
CREATE POLICY usage_daily_tenant_rollup_owner ON usage_daily_tenant FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);

-- Adds signed differences, in key order (concurrent writers lock rows in the same order),
-- and drops the rows they bring back to nothing.
CREATE FUNCTION usage_daily_tenant_add(deltas usage_daily_tenant[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  INSERT INTO usage_daily_tenant AS s (day, tenant_id, model, requests, tokens, cost_micros)
  SELECT d.day, d.tenant_id, d.model, d.requests, d.tokens, d.cost_micros
    FROM unnest(deltas) d
   WHERE d.requests <> 0 OR d.tokens <> 0 OR d.cost_micros <> 0
   ORDER BY 1, 2, 3
  ON CONFLICT (day, tenant_id, model) DO UPDATE SET
    requests    = s.requests + EXCLUDED.requests,
    tokens      = s.tokens + EXCLUDED.tokens,
    cost_micros = s.cost_micros + EXCLUDED.cost_micros;

  DELETE FROM usage_daily_tenant s
   USING unnest(deltas) d
   WHERE (s.day, s.tenant_id, s.model) = (d.day, d.tenant_id, d.model)
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
INSERT INTO usage_daily_tenant (day, tenant_id, model, requests, tokens, cost_micros)
SELECT day, tenant_id, model, sum(requests),
       sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens), sum(cost_micros)
  FROM usage_daily
 GROUP BY 1, 2, 3;

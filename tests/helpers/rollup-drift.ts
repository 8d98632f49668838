import { ownerQuery } from "@/tests/helpers/db";

/**
 * What each rollup should hold for one tenant, aggregated straight from its settled
 * usage_events (status <> 'started'), against what it holds: rows missing or different on
 * either side, as text. One statement, so one snapshot whatever else is writing. usage_daily
 * is keyed by the tenant's local day, the two staff rollups by the UTC day and month.
 */
export function rollupDrift(tenantId: string): Promise<Array<{ rollup: string; side: string; row: string }>> {
  return ownerQuery(
    `WITH e AS (
       SELECT e.*, t.time_zone FROM usage_events e JOIN tenants t ON t.id = e.tenant_id
        WHERE e.tenant_id = $1::uuid AND e.status <> 'started'),
     exp_daily AS (
       SELECT tenant_id, (created_at AT TIME ZONE time_zone)::date AS day, model, request_type,
              coalesce(user_id, '00000000-0000-0000-0000-000000000000'::uuid) AS user_id,
              count(*)::bigint AS requests, count(*) FILTER (WHERE status = 'error')::bigint AS errors,
              count(*) FILTER (WHERE status = 'aborted')::bigint AS aborted,
              sum(input_tokens)::bigint AS input, sum(output_tokens)::bigint AS output, sum(cache_write_tokens)::bigint AS cw,
              sum(cache_write_1h_tokens)::bigint AS cw1h, sum(cache_read_tokens)::bigint AS cr, sum(cost_micros)::bigint AS cost,
              sum(latency_ms)::bigint AS lat, coalesce(sum(ttft_ms), 0)::bigint AS ttft, count(ttft_ms)::bigint AS ttft_n,
              usage_hist(usage_hist_bucket(latency_ms)) AS lat_hist, usage_hist(usage_hist_bucket(ttft_ms)) AS ttft_hist,
              count(*) FILTER (WHERE estimated)::bigint AS est, count(*) FILTER (WHERE price_missing)::bigint AS pm
         FROM e GROUP BY 1, 2, 3, 4, 5),
     act_daily AS (
       SELECT tenant_id, day, model, request_type, user_id, requests, errors, aborted, input_tokens, output_tokens,
              cache_write_tokens, cache_write_1h_tokens, cache_read_tokens, cost_micros, latency_ms_sum, ttft_ms_sum, ttft_count,
              latency_hist, ttft_hist, estimated, price_missing
         FROM usage_daily WHERE tenant_id = $1::uuid),
     exp_utc AS (
       SELECT (created_at AT TIME ZONE 'UTC')::date AS day, tenant_id, model, count(*)::bigint AS requests,
              sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens)::bigint AS tokens, sum(cost_micros)::bigint AS cost,
              count(*) FILTER (WHERE estimated)::bigint AS est, count(*) FILTER (WHERE price_missing)::bigint AS pm
         FROM e GROUP BY 1, 2, 3),
     act_utc AS (SELECT day, tenant_id, model, requests, tokens, cost_micros, estimated, price_missing FROM usage_daily_tenant WHERE tenant_id = $1::uuid),
     exp_month AS (
       SELECT date_trunc('month', day)::date AS month, tenant_id, model, sum(requests)::bigint, sum(tokens)::bigint, sum(cost)::bigint,
              sum(est)::bigint, sum(pm)::bigint
         FROM exp_utc GROUP BY 1, 2, 3),
     act_month AS (SELECT month, tenant_id, model, requests, tokens, cost_micros, estimated, price_missing FROM usage_monthly_tenant WHERE tenant_id = $1::uuid)
     SELECT 'usage_daily' AS rollup, 'missing' AS side, x::text AS row FROM (SELECT * FROM exp_daily EXCEPT SELECT * FROM act_daily) x
     UNION ALL SELECT 'usage_daily', 'extra', x::text FROM (SELECT * FROM act_daily EXCEPT SELECT * FROM exp_daily) x
     UNION ALL SELECT 'usage_daily_tenant', 'missing', x::text FROM (SELECT * FROM exp_utc EXCEPT SELECT * FROM act_utc) x
     UNION ALL SELECT 'usage_daily_tenant', 'extra', x::text FROM (SELECT * FROM act_utc EXCEPT SELECT * FROM exp_utc) x
     UNION ALL SELECT 'usage_monthly_tenant', 'missing', x::text FROM (SELECT * FROM exp_month EXCEPT SELECT * FROM act_month) x
     UNION ALL SELECT 'usage_monthly_tenant', 'extra', x::text FROM (SELECT * FROM act_month EXCEPT SELECT * FROM exp_month) x`,
    [tenantId],
  );
}

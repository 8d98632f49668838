import { z } from "zod";
import { requireTenantRole, userNames } from "@/lib/admin/authorize";
import { withTenant, type TenantContext } from "@/lib/db/scope";
import type { ScopedSql } from "@/lib/db/sql";
import { reasonLabels } from "@/lib/security/reason-labels";

/**
 * Security events: flagged, blocked and cut turns (issue 12). Written by the pipeline in
 * the caller's own scope (a member records only events in their own name; the platform
 * scope records events with no user), read by the tenant's admins in the Security tab.
 */
export type SecurityVerdict = "flag" | "block" | "cut";
export type SecuritySource = "chat" | "api" | "job";

export interface SecurityEventInput {
  requestId: string | null;
  source: SecuritySource;
  score: number;
  reasons: readonly string[];
  /** The message or reply the event is about; only a short excerpt is kept. */
  text: string;
  /** The tenant API key the request came through (the API has no user). */
  apiKeyId?: string | null;
}

export const EXCERPT_CHARS = 200;

/** A short, single-line excerpt: enough for an admin to judge the verdict, no more. */
export function excerptOf(text: string, limit = EXCERPT_CHARS): string {
  const line = text.replace(/\s+/g, " ").trim();
  if (line.length <= limit) return line;
  // Never cut a surrogate pair in half.
  const cut = Array.from(line.slice(0, limit)).slice(0, -1).join("");
  return `${cut}…`;
}

/**
 * Reads the tenant's screening policy and, unless it is off, records the event, in one
 * statement: a clean message never comes here, so a flagged one costs one round trip.
 * Returns the policy and the verdict recorded (null when the policy is off).
 */
// No RETURNING: it would need the row to pass the SELECT policy, which only admins do.
const POLICY_AND_RECORD_SQL = `
WITH decision AS (
  SELECT p.screening_policy AS policy,
         CASE WHEN p.screening_policy = 'off' THEN NULL
              WHEN p.screening_policy = 'block' AND $5 = 'block' THEN 'block'
              ELSE 'flag' END AS verdict
    FROM (SELECT screening_policy FROM tenant_configs WHERE tenant_id = $1::uuid ORDER BY version DESC LIMIT 1) p
), ins AS (
  INSERT INTO security_events (tenant_id, user_id, request_id, source, verdict, score, reasons, excerpt, api_key_id)
  SELECT $1::uuid, NULLIF($2, '')::uuid, $3, $4, d.verdict, $6, $7::text[], $8, $9::uuid FROM decision d WHERE d.verdict IS NOT NULL
)
SELECT policy, verdict FROM decision`;

export type ScreeningPolicy = "off" | "flag" | "block";

export async function applyPolicyAndRecord(
  db: ScopedSql,
  tenantId: string,
  userId: string,
  detector: "flag" | "block",
  event: SecurityEventInput,
): Promise<{ policy: ScreeningPolicy; verdict: "flag" | "block" | null }> {
  const [row] = await db.query<{ policy: ScreeningPolicy | null; verdict: "flag" | "block" | null }>(
    POLICY_AND_RECORD_SQL,
    [tenantId, userId, event.requestId, event.source, detector, event.score, [...event.reasons], excerptOf(event.text), event.apiKeyId ?? null],
    { commit: true },
  );
  return { policy: row?.policy ?? "flag", verdict: row?.verdict ?? null };
}

const RECORD_SQL = `
INSERT INTO security_events (tenant_id, user_id, request_id, source, verdict, score, reasons, excerpt, api_key_id)
VALUES ($1::uuid, NULLIF($2, '')::uuid, $3, $4, $5, $6, $7::text[], $8, $9::uuid)`;

/** Records one event as it is (the leak watcher's cuts). */
export async function recordSecurityEvent(db: ScopedSql, tenantId: string, userId: string, verdict: SecurityVerdict, event: SecurityEventInput): Promise<void> {
  await db.query(RECORD_SQL, [tenantId, userId, event.requestId, event.source, verdict, event.score, [...event.reasons], excerptOf(event.text), event.apiKeyId ?? null], { commit: true });
}

export interface SecurityEventView {
  id: string;
  createdAt: Date;
  user: { id: string; name: string } | null;
  requestId: string | null;
  source: string;
  verdict: string;
  score: number;
  reasons: string[];
  /** The reasons as an admin reads them (lib/security/reason-labels.ts), distinct. */
  reasonLabels: string[];
  excerpt: string;
}

const listOptions = z.object({ limit: z.number().int().min(1).max(200).default(50) });

/** Newest first; admins and owners only (the RLS policy says so too). */
export async function listSecurityEvents(ctx: TenantContext, options: { limit?: number } = {}): Promise<SecurityEventView[]> {
  const { limit } = listOptions.parse(options);
  return withTenant(ctx, async (tx) => {
    await requireTenantRole(tx, ctx, "admin");
    const rows = await tx.securityEvent.findMany({ where: { tenantId: ctx.tenantId }, orderBy: { createdAt: "desc" }, take: limit });
    const names = await userNames(tx, rows.map((r) => r.userId));
    return rows.map((r) => ({
      id: r.id.toString(),
      createdAt: r.createdAt,
      user: r.userId ? { id: r.userId, name: names.get(r.userId) ?? "Former member" } : null,
      requestId: r.requestId,
      source: r.source,
      verdict: r.verdict,
      score: r.score,
      reasons: r.reasons,
      reasonLabels: reasonLabels(r.reasons),
      excerpt: r.excerpt,
    }));
  });
}

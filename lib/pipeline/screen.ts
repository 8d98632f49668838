import { AppError } from "@/lib/api/errors";
import { withScopeSql } from "@/lib/db/sql";
import type { Caller } from "@/lib/pipeline/caller";
import { screenText, type DetectorVerdict } from "@/lib/security/screen";
import { applyPolicyAndRecord, type SecuritySource } from "@/lib/security/security-events";

/**
 * Screen step: decides whether a message may go to the model, before anything is
 * limited, reserved or written.
 *
 * screenMessage is the detector alone (pure, well under a millisecond: bench/screen.ts).
 * Only a message it finds suspicious costs a database round trip: enforceScreenPolicy
 * reads the tenant's policy (off / flag / block) and records the security event in the
 * same statement. A block is a 422 with no upstream call and no ledger row; the event it
 * leaves is a security event, not a usage event (nothing was metered).
 */
export interface ScreenVerdict {
  verdict: DetectorVerdict;
  reasons: string[];
  score: number;
}

export function screenMessage(text: string): ScreenVerdict {
  const { verdict, reasons, score } = screenText(text);
  return { verdict, reasons, score };
}

export const BLOCKED_MESSAGE =
  "This message was blocked because it looks like an attempt to override the assistant’s instructions. Rephrase it and try again; your workspace admins can review blocked messages.";

export async function enforceScreenPolicy(
  caller: Caller,
  text: string,
  screened: ScreenVerdict,
  context: { requestId: string | null; source: SecuritySource; apiKeyId?: string },
): Promise<ScreenVerdict> {
  if (screened.verdict === "allow") return screened;
  // A security event is written only for a caller known good (a cached identity is confirmed first).
  await caller.unverified?.confirm();
  const detector = screened.verdict;
  const { policy, verdict } = await withScopeSql({ kind: "tenant", tenantId: caller.tenantId, userId: caller.userId }, (db) =>
    applyPolicyAndRecord(db, caller.tenantId, caller.userId, detector, { ...context, score: screened.score, reasons: screened.reasons, text }),
  );
  if (policy === "off" || verdict === null) return { ...screened, verdict: "allow" };
  if (verdict === "block") throw new AppError("message_blocked", BLOCKED_MESSAGE);
  return { ...screened, verdict: "flag" };
}

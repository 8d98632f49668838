import { reserveRequest, withdrawRequest, type LedgerRequest } from "@/lib/ledger/reserve";
import { chargeAdmittedTokens, correctTokens, type AdmissionContext, type TokenCharge } from "@/lib/limits/admission";

/**
 * Step 6 of every front door: the ledger reservation (lib/ledger/reserve.ts) beside the
 * tokens/min charge, and beside any other check the caller sends in the same round trip
 * (the tenant API's requests/min). All go at once; if any refuses, what the others made is
 * undone (the row withdrawn, the charge refunded) and the first refusal is thrown — the
 * `alongside` checks first, then the reservation, then the charge — so nothing is left behind.
 */
export async function reserveAndCharge(request: LedgerRequest, admission: AdmissionContext, tokens: number, alongside: Promise<unknown>[] = []): Promise<TokenCharge> {
  const [reserved, charged, ...others] = await Promise.allSettled([reserveRequest(request), chargeAdmittedTokens(admission, tokens), ...alongside]);
  const refused = [...others, reserved, charged].find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (!refused) return (charged as PromiseFulfilledResult<TokenCharge>).value;
  await Promise.all([
    reserved.status === "fulfilled" ? withdrawRequest(request, request.requestId) : null,
    charged.status === "fulfilled" ? correctTokens(charged.value, 0, admission.limiter).catch(() => {}) : null,
  ]);
  throw refused.reason;
}

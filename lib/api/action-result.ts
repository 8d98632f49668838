import { unstable_rethrow } from "next/navigation";
import { toAppError, type ErrorBody } from "@/lib/api/errors";

/** What server actions return: the same error envelope as route handlers, as data. */
export type ActionResult<T = null> = { ok: true; data: T } | { ok: false; error: ErrorBody["error"] };

export async function runAction<T>(fn: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, data: await fn() };
  } catch (error) {
    // redirect() and notFound() signal by throwing; let Next handle them.
    unstable_rethrow(error);
    return { ok: false, error: toAppError(error).toBody().error };
  }
}

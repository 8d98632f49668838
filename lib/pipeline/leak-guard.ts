import { withScopeSql } from "@/lib/db/sql";
import type { TrackedResult } from "@/lib/llm/tracked-call";
import type { Caller } from "@/lib/pipeline/caller";
import type { ComposedTurn } from "@/lib/pipeline/compose";
import { tenantCanary } from "@/lib/security/canary";
import type { SystemTextBlock } from "@/lib/context/system-prompt";
import { createLeakWatcher, verbatimIndex, type LeakReason } from "@/lib/security/leak-watcher";
import { recordSecurityEvent } from "@/lib/security/security-events";

/**
 * Call step, on the way out: the reply streams through the leak watcher
 * (lib/security/leak-watcher.ts). A reply that shows the tenant's canary or a long verbatim
 * span of the system prompt is cut: the upstream call is aborted (its tokens are still
 * metered, as for any abort), the client gets a notice instead of the rest, only what the
 * client saw is stored, and a security event ("cut") is recorded.
 */
export const REPLY_CUT_MESSAGE = "The reply was stopped because it began to reveal the assistant’s confidential instructions.";

export interface ReplyGuard {
  /** For the upstream call: the client's abort, or a cut. */
  signal: AbortSignal;
  /** The part of a chunk that is safe to send now ("" while held back or after a cut). */
  release(text: string): string;
  /** After the call: the held-back tail to send, and the result to record. */
  finish(final: TrackedResult): Promise<{ final: TrackedResult; tail: string; cut: LeakReason | null }>;
}

/**
 * What the leak watch protects: the cached prefix only (platform rules, tenant configuration),
 * not the knowledge passages, memories or summary after it, which the reply may quote. The
 * prefix of a configuration version is one shared array (compose caches it), so its verbatim
 * index is built once per version, not per turn.
 */
const protectedIndexes = new WeakMap<readonly SystemTextBlock[], { protectedText: string; index: Set<string> }>();
function protectedOf(prefix: readonly SystemTextBlock[]): { protectedText: string; index: Set<string> } {
  let entry = protectedIndexes.get(prefix);
  if (!entry) {
    const protectedText = prefix.map((b) => b.text).join("\n");
    entry = { protectedText, index: verbatimIndex(protectedText) };
    protectedIndexes.set(prefix, entry);
  }
  return entry;
}

export function guardReply(caller: Caller, turn: ComposedTurn, requestId: string, clientSignal: AbortSignal): ReplyGuard {
  const watcher = createLeakWatcher({ canary: tenantCanary(caller.tenantId), ...protectedOf(turn.prefix) });
  const cutter = new AbortController();
  let cut: LeakReason | null = null;
  return {
    signal: AbortSignal.any([clientSignal, cutter.signal]),
    release(text) {
      const check = watcher.push(text);
      if (check.leak && !cut) {
        cut = check.leak;
        cutter.abort();
      }
      return check.emit;
    },
    async finish(final) {
      const tail = cut ? "" : watcher.flush();
      // flush() can still find a verbatim span that ends with the reply.
      const reason = cut ?? watcher.leak;
      if (!reason) return { final, tail, cut: null };
      await withScopeSql({ kind: "tenant", tenantId: caller.tenantId, userId: caller.userId }, (db) =>
        recordSecurityEvent(db, caller.tenantId, caller.userId, "cut", { requestId, source: "chat", score: 100, reasons: [reason], text: watcher.emitted }),
      );
      return { final: { ...final, text: watcher.emitted }, tail: "", cut: reason };
    },
  };
}

/**
 * A chat turn's answer ends its response as soon as it is complete; the turn's write (the
 * messages and the settlement of its ledger rows, lib/pipeline/record.ts) goes out at the
 * same moment and commits about a millisecond later. So that the user who just saw the
 * answer never reads around it, every read of a user's conversations in this process (the
 * conversation page and list, a conversation's messages, rename and delete, the next turn's
 * history) first waits for that user's turn writes still in flight. Nothing waits when none
 * are, which is almost always.
 *
 * Kept on globalThis: `npm start` loads lib/ twice (Next's bundle for pages and routes, the
 * lean doors' copy for the chat turn), and a write made through one copy must hold back a
 * read made through the other.
 */
interface Scope {
  tenantId: string;
  userId: string;
}

const KEY = Symbol.for("bulkhead.chat.turnWrites");
type Registry = Map<string, Set<Promise<void>>>;

function registry(): Registry {
  const holder = globalThis as { [KEY]?: Registry };
  return (holder[KEY] ??= new Map());
}

/**
 * "turn": the turn's own write (its messages, settlement and routing signal), which the next
 * turn's history needs; "extras": what is written after it for the page only (an answer's
 * sources), which the next turn does not wait for.
 */
export type WriteKind = "turn" | "extras";
const keyOf = (scope: Scope, kind: WriteKind = "turn") => `${scope.tenantId}:${scope.userId}${kind === "extras" ? ":extras" : ""}`;
const ignore = () => {};

/**
 * Registers a write until it settles (either way: a failed write is the outbox's, not a
 * reader's, to wait for). The tenant API registers its settlements under the key's id, which
 * no user read waits for; only shutdown does.
 */
export function trackTurnWrite(scope: Scope, write: Promise<unknown>, kind: WriteKind = "turn"): void {
  const writes = registry();
  const key = keyOf(scope, kind);
  let set = writes.get(key);
  if (!set) writes.set(key, (set = new Set()));
  const settled = write.then(ignore, ignore);
  set.add(settled);
  void settled.then(() => {
    set.delete(settled);
    if (set.size === 0 && writes.get(key) === set) writes.delete(key);
  });
}

/**
 * How long a read waits for a write at most. A write normally commits within milliseconds;
 * one stuck behind a lock or a lost connection must not hold the user's pages with it (the
 * read then goes ahead without it, as it would have on another instance).
 */
export const READ_WAIT_MS = 3_000;

/**
 * Resolves once the user's writes in flight now have settled (at most `maxWaitMs`); at once
 * when there are none. `extras: false` (the next turn's compose): the turn writes only.
 */
export function turnWritesSettled(scope: Scope, options: { extras?: boolean; maxWaitMs?: number } = {}): Promise<void> {
  const { extras = true, maxWaitMs = READ_WAIT_MS } = options;
  const writes = registry();
  const pending = [...(writes.get(keyOf(scope)) ?? []), ...(extras ? (writes.get(keyOf(scope, "extras")) ?? []) : [])];
  if (pending.length === 0) return Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const gaveUp = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      console.warn(`[bulkhead] a read of ${keyOf(scope)} waited ${maxWaitMs} ms for its turn writes and went ahead without them`);
      resolve();
    }, maxWaitMs);
    timer.unref?.();
  });
  return Promise.race([Promise.all(pending).then(ignore), gaveUp]).finally(() => clearTimeout(timer));
}

/** Every write in flight in this process, the tenant API's settlements included (tests, shutdown); no time limit. */
export function allTurnWritesSettled(): Promise<void> {
  const all = [...registry().values()].flatMap((set) => [...set]);
  return Promise.all(all).then(ignore);
}

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

const keyOf = (scope: Scope) => `${scope.tenantId}:${scope.userId}`;
const ignore = () => {};

/** Registers a turn's write until it settles (either way: a failed write is the outbox's, not a reader's, to wait for). */
export function trackTurnWrite(scope: Scope, write: Promise<unknown>): void {
  const writes = registry();
  const key = keyOf(scope);
  let set = writes.get(key);
  if (!set) writes.set(key, (set = new Set()));
  const settled = write.then(ignore, ignore);
  set.add(settled);
  void settled.then(() => {
    set.delete(settled);
    if (set.size === 0 && writes.get(key) === set) writes.delete(key);
  });
}

/** Resolves once the user's turn writes in flight now have settled; at once when there are none. */
export function turnWritesSettled(scope: Scope): Promise<void> {
  const set = registry().get(keyOf(scope));
  return set ? Promise.all([...set]).then(ignore) : Promise.resolve();
}

/** Every turn write in flight in this process (tests, shutdown). */
export function allTurnWritesSettled(): Promise<void> {
  const all = [...registry().values()].flatMap((set) => [...set]);
  return Promise.all(all).then(ignore);
}

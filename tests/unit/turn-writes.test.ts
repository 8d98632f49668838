import { describe, expect, it, vi } from "vitest";
import { allTurnWritesSettled, trackTurnWrite, turnWritesSettled } from "@/lib/chat/turn-writes";

const alice = { tenantId: "t1", userId: "alice" };
const bob = { tenantId: "t1", userId: "bob" };

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  await new Promise((r) => setTimeout(r, 5));
  return settled;
}

describe("turn writes in flight", () => {
  it("holds back the user's reads until each of their writes has settled, and no one else's", async () => {
    const first = deferred();
    const second = deferred();
    trackTurnWrite(alice, first.promise);
    trackTurnWrite(alice, second.promise);
    const waiting = turnWritesSettled(alice);
    expect(await isSettled(turnWritesSettled(bob))).toBe(true);
    first.resolve();
    expect(await isSettled(waiting)).toBe(false);
    second.resolve();
    expect(await isSettled(waiting)).toBe(true);
    expect(await isSettled(turnWritesSettled(alice))).toBe(true);
  });

  it("waits, for shutdown, for every write in flight, whoever's it is", async () => {
    const write = deferred();
    trackTurnWrite({ tenantId: "t2", userId: "key:k1" }, write.promise);
    const all = allTurnWritesSettled();
    expect(await isSettled(turnWritesSettled(alice))).toBe(true);
    expect(await isSettled(all)).toBe(false);
    write.resolve();
    expect(await isSettled(all)).toBe(true);
  });

  it("lets the next turn's compose skip the page-only extras (an answer's sources), which reads of the page wait for", async () => {
    const sources = deferred();
    trackTurnWrite(alice, sources.promise, "extras");
    expect(await isSettled(turnWritesSettled(alice, { extras: false }))).toBe(true);
    const page = turnWritesSettled(alice);
    expect(await isSettled(page)).toBe(false);
    sources.resolve();
    expect(await isSettled(page)).toBe(true);
  });

  it("a write that fails releases its readers without failing them", async () => {
    const write = deferred();
    trackTurnWrite(alice, write.promise);
    const waiting = turnWritesSettled(alice);
    write.reject(new Error("database down"));
    await expect(waiting).resolves.toBeUndefined();
  });

  it("lets a read go ahead after its longest wait when a write never settles", async () => {
    const stuck = { tenantId: "t1", userId: "carol" };
    trackTurnWrite(stuck, new Promise(() => {}));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const started = performance.now();
    await turnWritesSettled(stuck, { maxWaitMs: 30 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
  });

  it("is shared by a second copy of the module (npm start loads lib/ twice)", async () => {
    const write = deferred();
    trackTurnWrite(alice, write.promise);
    vi.resetModules();
    const copy = await import("@/lib/chat/turn-writes");
    expect(copy.turnWritesSettled).not.toBe(turnWritesSettled);
    const waiting = copy.turnWritesSettled(alice);
    expect(await isSettled(waiting)).toBe(false);
    write.resolve();
    expect(await isSettled(waiting)).toBe(true);
  });
});

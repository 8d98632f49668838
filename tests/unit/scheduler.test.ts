import { describe, expect, it, vi } from "vitest";
import { IN_FLIGHT_CAPS, inFlightCapForPlan } from "@/lib/limits/policies";
import { createScheduler, getScheduler, type Priority, type Scheduler } from "@/lib/llm/scheduler";

// The process scheduler reads the real monitor; here the monitor says what the test wants.
const monitor = vi.hoisted(() => ({ headroom: 1 }));
vi.mock("@/lib/limits/account-headroom", () => ({ getAccountHeadroom: async () => ({ headroom: monitor.headroom }) }));

/** A task whose end the test decides; `started` says whether the scheduler ran it yet. */
interface FakeTask {
  name: string;
  started: boolean;
  signal: AbortSignal | undefined;
  finish: (value?: string) => void;
  fail: (error: Error) => void;
  task: (signal?: AbortSignal) => Promise<string>;
}

function fakeTask(name: string, order: string[] = []): FakeTask {
  const fake: FakeTask = {
    name,
    started: false,
    signal: undefined,
    finish: () => {},
    fail: () => {},
    task: (signal) => {
      fake.started = true;
      fake.signal = signal;
      order.push(name);
      return new Promise<string>((resolve, reject) => {
        fake.finish = (value = name) => resolve(value);
        fake.fail = reject;
      });
    },
  };
  return fake;
}

/** Lets promise callbacks and zero-delay timers run. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function submit(scheduler: Scheduler, priority: Priority, tasks: FakeTask[], signal?: AbortSignal): Promise<string>[] {
  return tasks.map((t) => scheduler.run(priority, t.task, { signal }));
}

describe("concurrency per class", () => {
  it("runs at most N of each class at once, each pool independent, and starts the next when one ends", async () => {
    const scheduler = createScheduler({ interactiveConcurrency: 2, backgroundConcurrency: 1 });
    const inter = [1, 2, 3].map((i) => fakeTask(`i${i}`));
    const back = [1, 2].map((i) => fakeTask(`b${i}`));
    const results = [...submit(scheduler, "interactive", inter), ...submit(scheduler, "background", back)];
    await tick();

    expect(inter.map((t) => t.started)).toEqual([true, true, false]);
    // Interactive is still queued, so background waits even though its own pool is free.
    expect(back.map((t) => t.started)).toEqual([false, false]);
    expect(scheduler.stats()).toEqual({ interactive: { running: 2, queued: 1 }, background: { running: 0, queued: 2 } });

    inter[0]?.finish();
    await tick();
    expect(inter[2]?.started).toBe(true);
    // Nothing interactive is queued now: background gets its single slot, not two.
    expect(back.map((t) => t.started)).toEqual([true, false]);
    expect(scheduler.stats()).toEqual({ interactive: { running: 2, queued: 0 }, background: { running: 1, queued: 1 } });

    // A full interactive pool does not stop background from using its own pool.
    back[0]?.finish();
    await tick();
    expect(back[1]?.started).toBe(true);
    expect(scheduler.stats()).toEqual({ interactive: { running: 2, queued: 0 }, background: { running: 1, queued: 0 } });

    for (const t of [...inter, ...back]) t.finish();
    await expect(Promise.all(results)).resolves.toEqual(["i1", "i2", "i3", "b1", "b2"]);
    expect(scheduler.stats()).toEqual({ interactive: { running: 0, queued: 0 }, background: { running: 0, queued: 0 } });
  });

  it("frees the slot when a task fails, and passes the failure to the caller", async () => {
    const scheduler = createScheduler({ interactiveConcurrency: 1 });
    const [a, b] = [fakeTask("a"), fakeTask("b")];
    const [ra, rb] = submit(scheduler, "interactive", [a!, b!]);
    await tick();
    a!.fail(new Error("boom"));
    await expect(ra).rejects.toThrow("boom");
    expect(b!.started).toBe(true);
    b!.finish();
    await expect(rb).resolves.toBe("b");
  });

  it("reports a freed slot before the caller resumes", async () => {
    const scheduler = createScheduler({ interactiveConcurrency: 1 });
    const a = fakeTask("a");
    const result = scheduler.run("interactive", a.task);
    await tick();
    a.finish();
    await result;
    expect(scheduler.stats().interactive).toEqual({ running: 0, queued: 0 });
  });
});

describe("priority", () => {
  it("starts queued interactive tasks before background ones queued earlier", async () => {
    const order: string[] = [];
    // One shared bottleneck: background's pool is full, interactive's too.
    const scheduler = createScheduler({ interactiveConcurrency: 1, backgroundConcurrency: 1 });
    const blockerI = fakeTask("blockerI", order);
    const blockerB = fakeTask("blockerB", order);
    void scheduler.run("interactive", blockerI.task);
    void scheduler.run("background", blockerB.task);
    await tick();

    const b1 = fakeTask("b1", order);
    const i1 = fakeTask("i1", order);
    void scheduler.run("background", b1.task);
    void scheduler.run("interactive", i1.task);

    // The background slot frees first, but i1 is still waiting: b1 must not start.
    blockerB.finish();
    await tick();
    expect(b1.started).toBe(false);
    expect(scheduler.stats().background).toEqual({ running: 0, queued: 1 });

    blockerI.finish();
    await tick();
    // i1 starts, and with no interactive work queued any more, b1 follows.
    expect(order).toEqual(["blockerI", "blockerB", "i1", "b1"]);
  });
});

describe("FIFO within a class", () => {
  it.each(["interactive", "background"] as const)("%s tasks start in submission order", async (priority) => {
    const order: string[] = [];
    const scheduler = createScheduler({ interactiveConcurrency: 1, backgroundConcurrency: 1 });
    const tasks = ["t1", "t2", "t3", "t4"].map((n) => fakeTask(n, order));
    submit(scheduler, priority, tasks);
    // Finish whichever task runs, so a wrong order shows up as a wrong order, not a hang.
    for (let i = 0; i < tasks.length; i++) {
      await tick();
      tasks.find((t) => t.name === order[i])?.finish();
    }
    expect(order).toEqual(["t1", "t2", "t3", "t4"]);
  });
});

describe("account headroom", () => {
  it("holds background while headroom is low, re-checks every pollMs, releases when it recovers", async () => {
    let headroom = 0.05;
    let reads = 0;
    const scheduler = createScheduler({
      backgroundConcurrency: 2,
      pollMs: 20,
      headroom: async () => {
        reads++;
        return { headroom };
      },
    });
    const bg = fakeTask("bg");
    const inter = fakeTask("inter");
    const result = scheduler.run("background", bg.task);
    await new Promise((r) => setTimeout(r, 110));
    expect(bg.started).toBe(false);
    expect(scheduler.stats().background).toEqual({ running: 0, queued: 1 });
    // Polled, but cheaply: about once per 20 ms, not in a busy loop.
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(reads).toBeLessThanOrEqual(8);

    // Low headroom never holds interactive work.
    void scheduler.run("interactive", inter.task);
    await tick();
    expect(inter.started).toBe(true);

    headroom = 0.5;
    await expect.poll(() => bg.started, { timeout: 500, interval: 5 }).toBe(true);
    bg.finish();
    await expect(result).resolves.toBe("bg");
  });

  it("treats exactly the threshold as enough, and unknown (null) or a failing monitor as not low", async () => {
    for (const read of [async () => ({ headroom: 0.2 }), async () => ({ headroom: 1 - 8 / 10 }), async () => null, async () => Promise.reject(new Error("redis down"))]) {
      const scheduler = createScheduler({ headroom: read, minBackgroundHeadroom: 0.2 });
      const bg = fakeTask("bg");
      void scheduler.run("background", bg.task);
      await tick();
      expect(bg.started).toBe(true);
    }
  });

  it("holds background just below the threshold", async () => {
    const scheduler = createScheduler({ headroom: async () => ({ headroom: 0.19 }), minBackgroundHeadroom: 0.2, pollMs: 10 });
    const bg = fakeTask("bg");
    const controller = new AbortController();
    const result = scheduler.run("background", bg.task, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 40));
    expect(bg.started).toBe(false);
    controller.abort();
    await expect(result).rejects.toMatchObject({ name: "AbortError" });
  });

  it("reads headroom at most once per pollMs however many background tasks start", async () => {
    let reads = 0;
    const scheduler = createScheduler({
      backgroundConcurrency: 10,
      pollMs: 60_000,
      headroom: async () => {
        reads++;
        return { headroom: 0.9 };
      },
    });
    const tasks = Array.from({ length: 6 }, (_, i) => fakeTask(`b${i}`));
    for (const t of tasks) {
      void scheduler.run("background", t.task);
      await tick();
    }
    expect(tasks.every((t) => t.started)).toBe(true);
    expect(reads).toBe(1);
  });
});

describe("abort", () => {
  it("removes an aborted queued task, rejects it with AbortError, and never runs it", async () => {
    const scheduler = createScheduler({ interactiveConcurrency: 1 });
    const running = fakeTask("running");
    const doomed = fakeTask("doomed");
    const next = fakeTask("next");
    const controller = new AbortController();
    void scheduler.run("interactive", running.task);
    const doomedResult = scheduler.run("interactive", doomed.task, { signal: controller.signal });
    const nextResult = scheduler.run("interactive", next.task);
    await tick();
    expect(scheduler.stats().interactive).toEqual({ running: 1, queued: 2 });

    controller.abort();
    await expect(doomedResult).rejects.toMatchObject({ name: "AbortError" });
    expect(scheduler.stats().interactive).toEqual({ running: 1, queued: 1 });

    running.finish();
    await tick();
    expect(doomed.started).toBe(false);
    expect(next.started).toBe(true);
    next.finish();
    await expect(nextResult).resolves.toBe("next");
  });

  it("rejects at once when the signal is already aborted", async () => {
    const scheduler = createScheduler();
    const task = fakeTask("never");
    await expect(scheduler.run("interactive", task.task, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: "AbortError" });
    expect(task.started).toBe(false);
    expect(scheduler.stats().interactive).toEqual({ running: 0, queued: 0 });
  });

  it("releases background work held only by an interactive task that was aborted in the queue", async () => {
    const scheduler = createScheduler({ interactiveConcurrency: 1 });
    const busy = fakeTask("busy");
    const queuedInteractive = fakeTask("queued");
    const bg = fakeTask("bg");
    const controller = new AbortController();
    void scheduler.run("interactive", busy.task);
    const aborted = scheduler.run("interactive", queuedInteractive.task, { signal: controller.signal });
    void scheduler.run("background", bg.task);
    await tick();
    expect(bg.started).toBe(false);
    controller.abort();
    await aborted.catch(() => {});
    await tick();
    expect(bg.started).toBe(true);
  });

  it("hands the signal to a started task (abort after start is the task's business)", async () => {
    const scheduler = createScheduler();
    const task = fakeTask("t");
    const controller = new AbortController();
    const result = scheduler.run("interactive", task.task, { signal: controller.signal });
    await tick();
    expect(task.signal).toBe(controller.signal);
    controller.abort();
    task.finish("done anyway");
    await expect(result).resolves.toBe("done anyway");
  });
});

/** Queues `tasks` for one tenant. */
function submitFor(scheduler: Scheduler, tenantId: string, priority: Priority, tasks: FakeTask[], signal?: AbortSignal): Promise<string>[] {
  return tasks.map((t) => scheduler.run(priority, t.task, { signal, tenantId }));
}

/** Finishes whichever task started next, `count` times, so the start order is the scheduler's choice. */
async function drainInOrder(order: string[], tasks: FakeTask[], count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await tick();
    const name = order[i];
    const t = tasks.find((x) => x.name === name);
    if (!t) throw new Error(`nothing started at position ${i}`);
    t.finish();
  }
}

describe("per-tenant caps", () => {
  it("runs at most a tenant's cap of its calls while other tenants use the remaining slots", async () => {
    const caps: Record<string, number> = { A: 2, B: 1 };
    const scheduler = createScheduler({ interactiveConcurrency: 10, tenantCap: (id) => caps[id] ?? 1 });
    const a = [1, 2, 3, 4].map((i) => fakeTask(`a${i}`));
    const b = [1, 2, 3].map((i) => fakeTask(`b${i}`));
    const results = [...submitFor(scheduler, "A", "interactive", a), ...submitFor(scheduler, "B", "interactive", b)];
    await tick();

    expect(a.map((t) => t.started)).toEqual([true, true, false, false]);
    expect(b.map((t) => t.started)).toEqual([true, false, false]);
    expect(scheduler.tenantStats("A")).toEqual({ running: 2, queued: 2 });
    expect(scheduler.tenantStats("B")).toEqual({ running: 1, queued: 2 });
    // Seven free slots in the pool: the waiting is the caps', not the pool's.
    expect(scheduler.stats().interactive).toEqual({ running: 3, queued: 4 });

    a[0]?.finish();
    await tick();
    expect(a.map((t) => t.started)).toEqual([true, true, true, false]);
    expect(b.map((t) => t.started)).toEqual([true, false, false]);

    for (const t of [...a, ...b]) {
      t.finish();
      await tick();
    }
    for (const t of [...a, ...b]) t.finish();
    await expect(Promise.all(results)).resolves.toEqual(["a1", "a2", "a3", "a4", "b1", "b2", "b3"]);
    expect(scheduler.tenantStats("A")).toEqual({ running: 0, queued: 0 });
  });

  it("counts interactive and background calls against the same cap", async () => {
    const scheduler = createScheduler({ interactiveConcurrency: 10, backgroundConcurrency: 10, tenantCap: () => 2 });
    const inter = fakeTask("inter");
    const back = [fakeTask("b1"), fakeTask("b2")];
    void scheduler.run("interactive", inter.task, { tenantId: "A" });
    submitFor(scheduler, "A", "background", back);
    await tick();
    expect([inter.started, ...back.map((t) => t.started)]).toEqual([true, true, false]);
    expect(scheduler.tenantStats("A")).toEqual({ running: 2, queued: 1 });
  });

  it("frees the tenant's slot when its task fails", async () => {
    const scheduler = createScheduler({ tenantCap: () => 1 });
    const [a, b] = [fakeTask("a"), fakeTask("b")];
    const [ra, rb] = submitFor(scheduler, "A", "interactive", [a!, b!]);
    await tick();
    expect(b!.started).toBe(false);
    a!.fail(new Error("boom"));
    await expect(ra).rejects.toThrow("boom");
    await tick();
    expect(b!.started).toBe(true);
    b!.finish();
    await expect(rb).resolves.toBe("b");
  });

  it("waits for a cap given as a promise, and reads it again on each call (a plan change applies to the next call)", async () => {
    let cap = 1;
    const scheduler = createScheduler({ tenantCap: async () => cap });
    const first = [fakeTask("a1"), fakeTask("a2"), fakeTask("a3")];
    submitFor(scheduler, "A", "interactive", first);
    await tick();
    expect(first.map((t) => t.started)).toEqual([true, false, false]);

    cap = 3; // upgraded: the next call brings the new cap
    const later = fakeTask("a4");
    void scheduler.run("interactive", later.task, { tenantId: "A" });
    await tick();
    expect([...first, later].map((t) => t.started)).toEqual([true, true, true, false]);
  });

  it("does not cap calls made without a tenant", async () => {
    const scheduler = createScheduler({ interactiveConcurrency: 5, tenantCap: () => 1 });
    const tasks = [1, 2, 3].map((i) => fakeTask(`t${i}`));
    submit(scheduler, "interactive", tasks);
    await tick();
    expect(tasks.every((t) => t.started)).toBe(true);
  });

  it("takes the caps from the plan table, and gives a plan not in it the free plan's cap", () => {
    expect(inFlightCapForPlan("enterprise")).toBe(IN_FLIGHT_CAPS.enterprise);
    expect(inFlightCapForPlan("starter")).toBe(IN_FLIGHT_CAPS.starter);
    expect(IN_FLIGHT_CAPS.enterprise).toBeGreaterThan(IN_FLIGHT_CAPS.free);
    expect(inFlightCapForPlan("platinum")).toBe(IN_FLIGHT_CAPS.free);
    expect(inFlightCapForPlan("constructor")).toBe(IN_FLIGHT_CAPS.free);
  });
});

describe("fair queuing across tenants", () => {
  it("starts tenant B's one task before tenant A's second queued task, not behind A's 100", async () => {
    const order: string[] = [];
    const scheduler = createScheduler({ interactiveConcurrency: 1 });
    const a = Array.from({ length: 101 }, (_, i) => fakeTask(`a${i}`, order));
    submitFor(scheduler, "A", "interactive", a);
    await tick();
    const b = fakeTask("b", order);
    void scheduler.run("interactive", b.task, { tenantId: "B" });

    await drainInOrder(order, [...a, b], 3);
    // a0 was running and a1 was next in the ring when B arrived; then B's turn.
    expect(order).toEqual(["a0", "a1", "b"]);
    await tick();
    expect(scheduler.tenantStats("A")).toEqual({ running: 1, queued: 98 });
  });

  it("takes turns between tenants with queued work, FIFO within each", async () => {
    const order: string[] = [];
    const scheduler = createScheduler({ interactiveConcurrency: 1 });
    const blocker = fakeTask("blocker", order);
    void scheduler.run("interactive", blocker.task, { tenantId: "Z" });
    await tick();
    const tasks = ["A", "B", "C"].flatMap((tenant) => {
      const mine = [1, 2, 3].map((i) => fakeTask(`${tenant}${i}`, order));
      submitFor(scheduler, tenant, "interactive", mine);
      return mine;
    });
    await drainInOrder(order, [blocker, ...tasks], 10);
    expect(order).toEqual(["blocker", "A1", "B1", "C1", "A2", "B2", "C2", "A3", "B3", "C3"]);
  });

  it("gives a tenant at its cap no turn: the slot goes to the next tenant in the ring", async () => {
    const order: string[] = [];
    const scheduler = createScheduler({ interactiveConcurrency: 2, tenantCap: (id) => (id === "A" ? 1 : 5) });
    const a = [1, 2, 3].map((i) => fakeTask(`a${i}`, order));
    const b = [1, 2, 3].map((i) => fakeTask(`b${i}`, order));
    submitFor(scheduler, "A", "interactive", a);
    submitFor(scheduler, "B", "interactive", b);
    await tick();
    expect(order).toEqual(["a1", "b1"]);
    b[0]?.finish(); // A still holds its one slot: the free slot is B's
    await tick();
    expect(order).toEqual(["a1", "b1", "b2"]);
  });
});

describe("abort while queued in a tenant's queue", () => {
  it("removes only that task; the tenant's other tasks and other tenants keep their turns", async () => {
    const order: string[] = [];
    const scheduler = createScheduler({ interactiveConcurrency: 1 });
    const blocker = fakeTask("blocker", order);
    void scheduler.run("interactive", blocker.task, { tenantId: "Z" });
    await tick();
    const controller = new AbortController();
    const doomed = fakeTask("b-doomed", order);
    const a = [fakeTask("a1", order), fakeTask("a2", order)];
    submitFor(scheduler, "A", "interactive", a);
    const doomedResult = scheduler.run("interactive", doomed.task, { tenantId: "B", signal: controller.signal });
    const b2 = fakeTask("b2", order);
    void scheduler.run("interactive", b2.task, { tenantId: "B" });
    expect(scheduler.tenantStats("B")).toEqual({ running: 0, queued: 2 });

    controller.abort();
    await expect(doomedResult).rejects.toMatchObject({ name: "AbortError" });
    expect(scheduler.tenantStats("B")).toEqual({ running: 0, queued: 1 });
    expect(scheduler.stats().interactive).toEqual({ running: 1, queued: 3 });

    await drainInOrder(order, [blocker, ...a, b2], 4);
    expect(order).toEqual(["blocker", "a1", "b2", "a2"]);
    expect(doomed.started).toBe(false);
  });

  it("withdraws a call aborted while its tenant's cap was being read", async () => {
    let release: (cap: number) => void = () => {};
    const scheduler = createScheduler({ tenantCap: () => new Promise<number>((resolve) => (release = resolve)) });
    const task = fakeTask("t");
    const controller = new AbortController();
    const result = scheduler.run("interactive", task.task, { tenantId: "A", signal: controller.signal });
    controller.abort();
    release(4);
    await expect(result).rejects.toMatchObject({ name: "AbortError" });
    await tick();
    expect(task.started).toBe(false);
    expect(scheduler.tenantStats("A")).toEqual({ running: 0, queued: 0 });
  });
});

describe("interactive before background, per tenant", () => {
  it("gives a tenant's freed slot to its queued interactive task before its background task queued earlier", async () => {
    const order: string[] = [];
    const scheduler = createScheduler({ interactiveConcurrency: 10, backgroundConcurrency: 10, tenantCap: () => 1 });
    const first = fakeTask("i0", order);
    void scheduler.run("interactive", first.task, { tenantId: "A" });
    await tick();
    const bg = fakeTask("b1", order);
    const inter = fakeTask("i1", order);
    void scheduler.run("background", bg.task, { tenantId: "A" });
    void scheduler.run("interactive", inter.task, { tenantId: "A" });
    first.finish();
    await tick();
    expect(order).toEqual(["i0", "i1"]);
    inter.finish();
    await tick();
    expect(order).toEqual(["i0", "i1", "b1"]);
  });

  it("holds other tenants' background work while interactive work waits for a slot, not while it waits for its own cap", async () => {
    const scheduler = createScheduler({ interactiveConcurrency: 1, backgroundConcurrency: 1, tenantCap: () => 5 });
    const a = [fakeTask("a1"), fakeTask("a2")];
    submitFor(scheduler, "A", "interactive", a);
    const bg = fakeTask("bg");
    void scheduler.run("background", bg.task, { tenantId: "B" });
    await tick();
    // a2 waits for the one interactive slot, which a1 holds: background yields to it.
    expect(bg.started).toBe(false);

    const scheduler2 = createScheduler({ interactiveConcurrency: 4, backgroundConcurrency: 1, tenantCap: (id) => (id === "A" ? 1 : 5) });
    const a2 = [fakeTask("a1"), fakeTask("a2")];
    submitFor(scheduler2, "A", "interactive", a2);
    const bg2 = fakeTask("bg");
    void scheduler2.run("background", bg2.task, { tenantId: "B" });
    await tick();
    // Slots are free; a2 waits only for A's cap, so it does not hold B's background work.
    expect(a2.map((t) => t.started)).toEqual([true, false]);
    expect(bg2.started).toBe(true);
  });
});

describe("getScheduler", () => {
  it("is one instance per process, gated by the account monitor", async () => {
    expect(getScheduler()).toBe(getScheduler());
    monitor.headroom = 0.1;
    const bg = fakeTask("bg");
    const result = getScheduler().run("background", bg.task);
    await new Promise((r) => setTimeout(r, 50));
    expect(bg.started).toBe(false);
    monitor.headroom = 0.9;
    await expect.poll(() => bg.started, { timeout: 1_000, interval: 10 }).toBe(true);
    bg.finish();
    await expect(result).resolves.toBe("bg");
  });
});

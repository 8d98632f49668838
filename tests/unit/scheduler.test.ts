import { describe, expect, it, vi } from "vitest";
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

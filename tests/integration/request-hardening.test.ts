import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { listAuditLog } from "@/lib/admin/audit";
import { getConfigVersion } from "@/lib/admin/config";
import { toAppError } from "@/lib/api/errors";
import { getAuthSecret } from "@/lib/auth/secret";
import { signUp, type SignUpResult } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { withTenant } from "@/lib/db/scope";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

// Route handlers read the session cookie through next/headers: this file's jar holds a real token.
const cookieJar = vi.hoisted(() => ({ token: null as string | null }));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: (name: string) => (name === "next-auth.session-token" && cookieJar.token ? { value: cookieJar.token } : undefined) }),
  headers: async () => new Headers(),
}));
vi.mock("react", async (original) => ({ ...(await original<typeof import("react")>()), cache: <T>(fn: T) => fn }));

const conversations = await import("@/app/api/w/[slug]/conversations/route");
const conversation = await import("@/app/api/w/[slug]/conversations/[id]/route");
const signup = await import("@/app/api/signup/route");
const nextAuth = await import("@/app/api/auth/[...nextauth]/route");

let prisma: PrismaClient;
let owner: SignUpResult;
let conversationId: string;
const ORIGIN = "http://app.test";

/** A body that records whether anything read it. */
function untouchableBody(bytes = 30 * 1024 * 1024) {
  const state = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        state.pulled += 64 * 1024;
        if (state.pulled > bytes) return controller.close();
        controller.enqueue(new Uint8Array(64 * 1024).fill(0x61));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

const request = (path: string, init: RequestInit & { duplex?: "half" } = {}) => new Request(`${ORIGIN}${path}`, init as RequestInit);
const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: "PATCH",
  body: JSON.stringify(body),
  headers: { "content-type": "application/json", origin: ORIGIN, "sec-fetch-site": "same-origin", ...headers },
});
const params = (p: Record<string, string>) => ({ params: Promise.resolve(p) });
const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

beforeAll(async () => {
  prisma = useAppDatabase();
  owner = await signUp({ name: "Hard", email: `${unique("hard")}@hardening.test`, password: "correct-horse-9", workspaceName: `Hard ${unique("w")}` });
  cookieJar.token = await encode({ token: { userId: owner.userId, sessionVersion: 0 }, secret: getAuthSecret() });
  conversationId = await withTenant(owner, async (tx) => (await tx.conversation.create({ data: { tenantId: owner.tenantId, userId: owner.userId, title: "kept" }, select: { id: true } })).id);
});
afterAll(async () => {
  await prisma.$disconnect();
});

const title = async () => (await ownerQuery<{ title: string }>("SELECT title FROM conversations WHERE id = $1", [conversationId]))[0]?.title;

describe("path values", () => {
  it("answers 404, not 500, for a NUL slug (/api/w/%00/conversations)", async () => {
    const res = await conversations.GET(request("/api/w/%00/conversations"), params({ slug: "\u0000" }));
    expect(res.status).toBe(404);
  });

  it("answers 404 for a NUL conversation id", async () => {
    const res = await conversation.GET(request(`/api/w/${owner.slug}/conversations/x`), params({ slug: owner.slug, id: "\u0000" }));
    expect(res.status).toBe(404);
  });

  it("still serves the workspace for a well-formed slug (the control)", async () => {
    const res = await conversations.GET(request(`/api/w/${owner.slug}/conversations`), params({ slug: owner.slug }));
    expect(res.status).toBe(200);
  });
});

describe("a JSON write route (rename a conversation)", () => {
  const patch = (init: RequestInit & { duplex?: "half" }) => conversation.PATCH(request(`/api/w/${owner.slug}/conversations/${conversationId}`, init), params({ slug: owner.slug, id: conversationId }));

  it("refuses a title with NUL with a 422 and writes nothing", async () => {
    const res = await patch(json({ title: "a\u0000b" }));
    expect([res.status, await codeOf(res)]).toEqual([422, "validation_failed"]);
    expect(await title()).toBe("kept");
  });

  it("refuses text/plain with a 415", async () => {
    const res = await patch({ ...json({ title: "new" }), headers: { "content-type": "text/plain", origin: ORIGIN } });
    expect(res.status).toBe(415);
    expect(await title()).toBe("kept");
  });

  it("refuses a foreign Origin and a cross-site fetch with a 403", async () => {
    expect((await patch(json({ title: "new" }, { origin: "https://evil.test" }))).status).toBe(403);
    expect((await patch(json({ title: "new" }, { "sec-fetch-site": "cross-site" }))).status).toBe(403);
    expect(await title()).toBe("kept");
  });

  it("refuses a declared oversize body with a 413 before reading it", async () => {
    const { stream, state } = untouchableBody();
    const res = await patch({ ...json({}), body: stream, duplex: "half", headers: { ...json({}).headers, "content-length": String(30 * 1024 * 1024) } });
    expect(res.status).toBe(413);
    expect(state.pulled).toBe(0);
  });

  it("renames with a clean JSON body from the same origin (the control)", async () => {
    const res = await patch(json({ title: "renamed" }));
    expect(res.status).toBe(200);
    expect(await title()).toBe("renamed");
  });
});

describe("POST /api/signup", () => {
  const signupRequest = (body: BodyInit, headers: Record<string, string> = {}) =>
    request("/api/signup", { method: "POST", body, duplex: "half", headers: { "content-type": "application/json", origin: ORIGIN, "x-forwarded-for": `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`, ...headers } });
  const users = async () => Number((await ownerQuery<{ n: string }>("SELECT count(*) AS n FROM users"))[0]!.n);

  it("refuses a 30 MB declared body before reading it", async () => {
    const { stream, state } = untouchableBody();
    const res = await signup.POST(signupRequest(stream, { "content-length": String(30 * 1024 * 1024) }));
    expect(res.status).toBe(413);
    expect(state.pulled).toBe(0);
  });

  it("stops reading an undeclared oversize body at the cap", async () => {
    const { stream, state } = untouchableBody();
    const res = await signup.POST(signupRequest(stream));
    expect(res.status).toBe(413);
    expect(state.pulled).toBeLessThan(256 * 1024);
  });

  it("refuses a name with NUL with a 422 and creates nobody", async () => {
    const before = await users();
    const res = await signup.POST(signupRequest(JSON.stringify({ name: "N\u0000", email: `${unique("nul")}@hardening.test`, password: "correct-horse-9", workspaceName: "Nul Co" })));
    expect(res.status).toBe(422);
    expect(await users()).toBe(before);
  });

  it("refuses text/plain", async () => {
    const res = await signup.POST(signupRequest("{}", { "content-type": "text/plain" }));
    expect(res.status).toBe(415);
  });
});

describe("the next-auth route", () => {
  const ctx = { params: Promise.resolve({ nextauth: ["callback", "credentials"] }) };

  it("refuses a body declaring more than its cap, and one declaring no length", async () => {
    const big = untouchableBody();
    const declared = await nextAuth.POST(request("/api/auth/callback/credentials", { method: "POST", body: big.stream, duplex: "half", headers: { "content-length": "100000" } }), ctx);
    expect(declared.status).toBe(413);
    const chunked = await nextAuth.POST(request("/api/auth/callback/credentials", { method: "POST", body: untouchableBody().stream, duplex: "half" }), ctx);
    expect(chunked.status).toBe(411);
    expect(big.state.pulled).toBe(0);
  });
});

describe("values past their column's range", () => {
  it("answers an audit cursor of 9999999999999999999 with a 422, not a 500", async () => {
    const error = await listAuditLog(owner, { cursor: "9999999999999999999" }).catch((e: unknown) => e);
    expect(toAppError(error).status).toBe(422);
  });

  it("answers a config version of 4294967296 with a 422, not a 500", async () => {
    const error = await getConfigVersion(owner, 4294967296).catch((e: unknown) => e);
    expect(toAppError(error).status).toBe(422);
  });
});

import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { getAuthSecret } from "@/lib/auth/secret";
import { signUp, type SignUpResult } from "@/lib/auth/sign-up";
import type { PrismaClient } from "@/lib/db/generated/client";
import { withTenant } from "@/lib/db/scope";
import { setMailer } from "@/lib/mail/mailer";
import { ownerQuery, unique, useAppDatabase } from "@/tests/helpers/db";

/**
 * Malformed requests across every route handler and server action: wrong types, oversize,
 * NUL, invalid UTF-8, deep nesting, wrong content types, foreign origins, foreign and
 * malformed ids. None may answer with a 5xx, and none may write anything: the fuzzed
 * tenants' rows are counted in every table before and after.
 */
const cookieJar = vi.hoisted(() => ({ token: null as string | null }));
vi.mock("next/headers", () => ({
  cookies: async () => ({
    get: (name: string) => (name === "next-auth.session-token" && cookieJar.token ? { value: cookieJar.token } : undefined),
    getAll: () => [],
    has: () => false,
    set: () => {},
  }),
  headers: async () => new Headers({ "x-forwarded-for": "10.1.2.3" }),
}));
vi.mock("react", async (original) => ({ ...(await original<typeof import("react")>()), cache: <T>(fn: T) => fn }));
vi.mock("next/cache", () => ({ revalidatePath: () => {}, revalidateTag: () => {} }));

const routes = {
  signup: await import("@/app/api/signup/route"),
  conversations: await import("@/app/api/w/[slug]/conversations/route"),
  conversation: await import("@/app/api/w/[slug]/conversations/[id]/route"),
  chat: await import("@/app/api/w/[slug]/chat/route"),
  usageExport: await import("@/app/api/w/[slug]/usage/export/route"),
  auth: await import("@/app/api/auth/[...nextauth]/route"),
};
const actions = {
  admin: await import("@/app/w/[slug]/admin/actions"),
  members: await import("@/app/w/[slug]/members/actions"),
  newWorkspace: await import("@/app/new/actions"),
  account: await import("@/app/account/actions"),
  forgot: await import("@/app/(auth)/forgot/actions"),
  reset: await import("@/app/(auth)/reset/[token]/actions"),
  staff: await import("@/app/staff/actions"),
  invite: await import("@/app/invite/[token]/actions"),
};

const REQUESTS = 10_500;
const ORIGIN = "http://app.test";

let prisma: PrismaClient;
let victim: SignUpResult; // the fuzzing user's own workspace (owner)
let other: SignUpResult; // another tenant: its ids are "foreign"
let staff: SignUpResult;
let conversationId: string;
let foreignConversationId: string;

/** mulberry32: the same sequence every run, so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(20261201);
const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

function deep(depth: number): unknown {
  let value: unknown = "x";
  for (let i = 0; i < depth; i++) value = random() < 0.5 ? [value] : { a: value };
  return value;
}

/** Values no field accepts as they are, plus values that are only wrong in context. */
const hostile = (): unknown =>
  pick<() => unknown>([
    () => undefined,
    () => null,
    () => true,
    () => -1,
    () => 0,
    () => 1.5,
    () => 4294967296,
    () => Number.MAX_SAFE_INTEGER,
    () => 1e308,
    () => "9999999999999999999",
    () => "",
    () => "\u0000",
    () => `a\u0000b`,
    () => "\ud800",
    () => "x".repeat(70_000),
    () => "' OR 1=1 --",
    () => "<script>alert(1)</script>",
    () => "../../etc/passwd",
    () => "275760-09-13T00:00:00Z",
    () => "-271821-04-20",
    () => "2024-13-45",
    () => [],
    () => [hostile()],
    () => ({}),
    () => ({ __proto__: { admin: true } }),
    () => deep(50),
    () => other.tenantId,
    () => other.userId,
    () => foreignConversationId,
    () => "00000000-0000-0000-0000-000000000000",
    () => victim.userId,
  ])();

/** An object shaped like the route's input with at least one field certainly invalid. */
function hostileObject(fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (random() < 0.7) out[f] = hostile();
  // Never valid by accident: one field is always NUL-laden or of a type no schema takes.
  out[pick(fields)] = pick([`\u0000${unique("n")}`, { nested: "\u0000" }, [null, "\ud800"], 4294967296.5]);
  return out;
}

function body(fields: readonly string[]): { body: BodyInit | undefined; contentType: string | undefined; length?: string } {
  const kind = random();
  if (kind < 0.55) return { body: JSON.stringify(hostileObject(fields)), contentType: pick(["application/json", "application/json; charset=utf-8", "text/plain", undefined]) };
  if (kind < 0.65) return { body: "{\"a\":", contentType: "application/json" };
  if (kind < 0.72) return { body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), contentType: "application/json" };
  if (kind < 0.79) return { body: "[".repeat(20_000) + "]".repeat(20_000), contentType: "application/json" };
  if (kind < 0.85) return { body: JSON.stringify({ pad: "x".repeat(200_000) }), contentType: "application/json" };
  if (kind < 0.9) return { body: "{}", contentType: "application/json", length: pick(["99999999", "-1", "abc", "1e3"]) };
  if (kind < 0.95) return { body: "a=1&b=\u0000", contentType: "application/x-www-form-urlencoded" };
  return { body: JSON.stringify(hostile()) ?? "null", contentType: "application/json" };
}

function request(method: string, path: string, fields: readonly string[]): Request {
  const headers = new Headers();
  const b = method === "GET" || method === "DELETE" ? { body: undefined, contentType: undefined } : body(fields);
  if (b.contentType) headers.set("content-type", b.contentType);
  if ("length" in b && b.length) headers.set("content-length", b.length);
  headers.set("origin", random() < 0.15 ? "https://evil.test" : ORIGIN);
  if (random() < 0.1) headers.set("sec-fetch-site", pick(["cross-site", "same-site", "same-origin"]));
  headers.set("x-forwarded-for", `10.${Math.floor(random() * 250)}.${Math.floor(random() * 250)}.${Math.floor(random() * 250)}`);
  let url: string;
  try {
    url = new URL(path, ORIGIN).toString();
  } catch {
    url = `${ORIGIN}/x`;
  }
  return new Request(url, { method, headers, body: b.body, duplex: "half" } as RequestInit);
}

const slugs = () => pick([victim.slug, victim.slug, other.slug, "\u0000", "%00", "a".repeat(300), "UPPER", "ok-slug-that-does-not-exist"]);
const ids = () => pick([conversationId, foreignConversationId, "\u0000", "not-a-uuid", "00000000-0000-0000-0000-000000000000", "9".repeat(40), other.tenantId]);
const asParams = <T,>(p: T) => ({ params: Promise.resolve(p) });

type Attempt = () => Promise<{ status: number; label: string }>;

const routeAttempts: Attempt[] = [
  async () => ({ label: "POST /api/signup", status: (await routes.signup.POST(request("POST", "/api/signup", ["name", "email", "password", "workspaceName", "slug"]))).status }),
  async () => {
    const slug = slugs();
    return { label: "GET conversations", status: (await routes.conversations.GET(request("GET", `/api/w/x/conversations`, []), asParams({ slug }))).status };
  },
  async () => ({ label: "GET conversation", status: (await routes.conversation.GET(request("GET", "/api/w/x/conversations/y", []), asParams({ slug: slugs(), id: ids() }))).status }),
  async () => ({ label: "PATCH conversation", status: (await routes.conversation.PATCH(request("PATCH", "/api/w/x/conversations/y", ["title"]), asParams({ slug: slugs(), id: ids() }))).status }),
  async () => {
    // Only foreign and malformed ids: deleting the fuzzer's own conversation would be a legitimate write.
    const id = pick([foreignConversationId, "\u0000", "not-a-uuid", "00000000-0000-0000-0000-000000000000"]);
    return { label: "DELETE conversation", status: (await routes.conversation.DELETE(request("DELETE", "/api/w/x/conversations/y", []), asParams({ slug: slugs(), id }))).status };
  },
  async () => ({ label: "POST chat", status: (await routes.chat.POST(request("POST", "/api/w/x/chat", ["message", "conversationId"]), asParams({ slug: slugs() }))).status }),
  async () => {
    const q = new URLSearchParams({ from: String(hostile()), to: String(hostile()), scope: String(hostile()) }).toString();
    return { label: "GET usage export", status: (await routes.usageExport.GET(request("GET", `/api/w/x/usage/export?${q}`, []), asParams({ slug: slugs() }))).status };
  },
  async () => {
    const req = request("POST", "/api/auth/callback/credentials", ["email", "password", "csrfToken"]);
    const ctx = asParams({ nextauth: ["callback", "credentials"] });
    return { label: "POST next-auth", status: (await routes.auth.POST(req, ctx)).status };
  },
];

/** An action's ActionResult as a status: the error envelope's code through the one table. */
async function actionStatus(label: string, run: () => Promise<{ ok: boolean; error?: { code: string } }>): Promise<{ status: number; label: string }> {
  try {
    const result = await run();
    if (result.ok) return { label, status: 200 };
    return { label, status: result.error?.code === "internal_error" ? 500 : 400 };
  } catch (error) {
    // redirect() and notFound() signal by throwing; anything else is a crash.
    const digest = (error as { digest?: unknown }).digest;
    if (typeof digest === "string" && /^NEXT_(REDIRECT|HTTP_ERROR_FALLBACK)/.test(digest)) return { label, status: 303 };
    return { label: `${label}: ${String(error)}`, status: 500 };
  }
}

const arg = hostile as () => never;
const actionAttempts: Attempt[] = [
  () => actionStatus("saveConfigAction", () => actions.admin.saveConfigAction(slugs(), hostileObject(["companyName", "persona", "allowedTopics", "restrictedTopics", "customInstructions", "modelTier", "maxTokens", "baseVersion"]) as never)),
  () => actionStatus("rollbackConfigAction", () => actions.admin.rollbackConfigAction(slugs(), arg())),
  () => actionStatus("getConfigVersionAction", () => actions.admin.getConfigVersionAction(slugs(), arg())),
  () => actionStatus("changeRoleAction", () => actions.admin.changeRoleAction(slugs(), hostileObject(["userId", "role"]) as never)),
  () => actionStatus("removeMemberAction", () => actions.admin.removeMemberAction(slugs(), pick([other.userId, "\u0000", arg()]) as never)),
  () => actionStatus("listAuditLogAction", () => actions.admin.listAuditLogAction(slugs(), pick(["9999999999999999999", "\u0000", "1; DROP", arg()]) as never)),
  () => actionStatus("createInviteAction", () => actions.members.createInviteAction(slugs(), hostileObject(["role", "email"]) as never)),
  () => actionStatus("revokeInviteAction", () => actions.members.revokeInviteAction(slugs(), arg())),
  () => actionStatus("createWorkspaceAction", () => actions.newWorkspace.createWorkspaceAction(hostileObject(["workspaceName", "slug"]))),
  () => actionStatus("changePasswordAction", () => actions.account.changePasswordAction(hostileObject(["currentPassword", "newPassword"]))),
  () => actionStatus("requestPasswordResetAction", () => actions.forgot.requestPasswordResetAction(hostileObject(["email"]))),
  () => actionStatus("resetPasswordAction", () => actions.reset.resetPasswordAction(hostileObject(["token", "password"]))),
  () => actionStatus("assignPlanAction", () => actions.staff.assignPlanAction(arg(), arg())),
  () => actionStatus("addPriceAction", () => actions.staff.addPriceAction(hostileObject(["model", "effectiveFrom", "inputMicrosPerMTok", "outputMicrosPerMTok"]))),
  () => actionStatus("deleteTenantAction", () => actions.staff.deleteTenantAction(hostileObject(["tenantId", "confirmSlug"]))),
  () => actionStatus("acceptInviteAction", () => actions.invite.acceptInviteAction(pick(["\u0000", "x".repeat(200), "", arg()]) as never)),
];

/** Every table with a tenant_id, counted for the fuzzed tenants; users and tenants by this file's names. */
async function rowCounts(): Promise<Record<string, number>> {
  const tables = await ownerQuery<{ table: string }>(
    `SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
      WHERE c.relkind = 'r' AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
      ORDER BY 1`,
  );
  const counts: Record<string, number> = {};
  const tenants = [victim.tenantId, other.tenantId, staff.tenantId];
  for (const { table } of tables) {
    const [row] = await ownerQuery<{ n: string }>(`SELECT count(*) AS n FROM "${table}" WHERE tenant_id = ANY($1::uuid[])`, [tenants]);
    counts[table] = Number(row!.n);
  }
  counts.users = Number((await ownerQuery<{ n: string }>("SELECT count(*) AS n FROM users WHERE email LIKE '%@fuzz.test'"))[0]!.n);
  counts.tenants_all = Number((await ownerQuery<{ n: string }>("SELECT count(*) AS n FROM tenants WHERE name LIKE 'Fuzz %'"))[0]!.n);
  counts.email_tokens = Number((await ownerQuery<{ n: string }>("SELECT count(*) AS n FROM email_tokens WHERE email LIKE '%@fuzz.test'"))[0]!.n);
  const [versions] = await ownerQuery<{ v: string }>("SELECT coalesce(sum(session_version), 0) AS v FROM users WHERE email LIKE '%@fuzz.test'");
  counts.session_versions = Number(versions!.v);
  return counts;
}

beforeAll(async () => {
  prisma = useAppDatabase();
  // No mail leaves this file; a fuzzed request that sent one would be a bug the counts catch.
  setMailer({ kind: "dev-mailbox", send: async () => {} });
  const password = "correct-horse-9";
  victim = await signUp({ name: "Fuzz Owner", email: `${unique("victim")}@fuzz.test`, password, workspaceName: `Fuzz ${unique("v")}` });
  other = await signUp({ name: "Fuzz Other", email: `${unique("other")}@fuzz.test`, password, workspaceName: `Fuzz ${unique("o")}` });
  staff = await signUp({ name: "Fuzz Staff", email: `${unique("staff")}@fuzz.test`, password, workspaceName: `Fuzz ${unique("s")}` }, { isStaff: true });
  conversationId = await withTenant(victim, async (tx) => (await tx.conversation.create({ data: { tenantId: victim.tenantId, userId: victim.userId, title: "mine" }, select: { id: true } })).id);
  foreignConversationId = await withTenant(other, async (tx) => (await tx.conversation.create({ data: { tenantId: other.tenantId, userId: other.userId, title: "theirs" }, select: { id: true } })).id);
});
afterAll(async () => {
  setMailer(undefined);
  await prisma.$disconnect();
});

describe("fuzz: malformed requests to every route and server action", () => {
  it(
    `answers ${REQUESTS.toLocaleString("en")} of them with no 5xx and writes nothing`,
    async () => {
      const before = await rowCounts();
      const tokens = {
        owner: await encode({ token: { userId: victim.userId, sessionVersion: 0 }, secret: getAuthSecret() }),
        staff: await encode({ token: { userId: staff.userId, sessionVersion: 0 }, secret: getAuthSecret() }),
      };
      const failures: string[] = [];
      const statuses = new Map<number, number>();
      const attempts = [...routeAttempts, ...actionAttempts];
      for (let i = 0; i < REQUESTS; i += 25) {
        // 25 at a time: concurrency like a real burst, bounded for two shared cores.
        cookieJar.token = pick([tokens.owner, tokens.owner, tokens.staff, null, "garbage-token"]);
        const batch = Array.from({ length: 25 }, () => pick(attempts)());
        for (const { status, label } of await Promise.all(batch)) {
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status >= 500) failures.push(`${status} ${label}`);
        }
      }
      expect(failures.slice(0, 20)).toEqual([]);
      // The run really exercised refusals of several kinds, not one early exit.
      expect([...statuses.keys()].filter((s) => s >= 400).length).toBeGreaterThanOrEqual(4);
      expect(await rowCounts()).toEqual(before);
    },
    600_000,
  );
});

import { hashPassword } from "@/lib/auth/password";
import { createTenant } from "@/lib/auth/sign-up";
import { createUser } from "@/lib/auth/users";
import type { ModelTier, Role } from "@/lib/db/generated/enums";
import { withAuth, withTenant } from "@/lib/db/scope";
import { seedUsageHistory } from "@/prisma/seed-usage";

/**
 * The demo workspace set, created once through the same code the app uses (sign-up's
 * createTenant, createUser, the scoped helpers), never by writing around RLS.
 */
export const DEMO_PASSWORD = "bulkhead-demo-1";

interface DemoTenant {
  slug: string;
  name: string;
  planId: string;
  timeZone: string;
  config: { persona: string; allowedTopics: string[]; restrictedTopics: string[]; customInstructions: string; modelTier: ModelTier; maxTokens: number };
  dailyCalls: number;
}

const TENANTS: DemoTenant[] = [
  {
    slug: "acme",
    name: "Acme Robotics",
    planId: "professional",
    timeZone: "America/New_York",
    config: {
      persona: "Robo, Acme's upbeat support engineer. Practical, precise, and fond of step-by-step fixes.",
      allowedTopics: ["robot maintenance", "orders and shipping", "warranty", "firmware updates"],
      restrictedTopics: ["competitor pricing", "legal advice"],
      customInstructions: "Always ask for the robot's serial number before troubleshooting hardware.",
      modelTier: "standard",
      maxTokens: 2048,
    },
    dailyCalls: 36,
  },
  {
    slug: "globex",
    name: "Globex Bank",
    planId: "starter",
    timeZone: "Europe/London",
    config: {
      persona: "A formal, careful banking assistant for Globex Bank's staff.",
      allowedTopics: ["account servicing", "internal policies", "card operations"],
      restrictedTopics: ["investment advice", "tax advice", "customer personal data"],
      customInstructions: "Use British English. Never speculate about interest-rate changes.",
      modelTier: "economy",
      maxTokens: 1024,
    },
    dailyCalls: 14,
  },
];

interface DemoUser {
  email: string;
  name: string;
  description: string;
  isStaff?: boolean;
  memberships: { slug: string; role: Role }[];
}

export const DEMO_USERS: DemoUser[] = [
  { email: "owner@acme.test", name: "Olivia Owner", description: "owner of Acme Robotics (professional plan)", memberships: [{ slug: "acme", role: "owner" }] },
  { email: "admin@acme.test", name: "Adam Admin", description: "admin of Acme Robotics", memberships: [{ slug: "acme", role: "admin" }] },
  { email: "member@acme.test", name: "Maya Member", description: "member of Acme Robotics", memberships: [{ slug: "acme", role: "member" }] },
  { email: "owner@globex.test", name: "Grace Owner", description: "owner of Globex Bank (starter plan)", memberships: [{ slug: "globex", role: "owner" }] },
  { email: "admin@globex.test", name: "Gus Admin", description: "admin of Globex Bank", memberships: [{ slug: "globex", role: "admin" }] },
  { email: "member@globex.test", name: "Gina Member", description: "member of Globex Bank", memberships: [{ slug: "globex", role: "member" }] },
  {
    email: "consultant@partners.test",
    name: "Casey Consultant",
    description: "member of both workspaces (switcher)",
    memberships: [{ slug: "acme", role: "member" }, { slug: "globex", role: "member" }],
  },
  { email: "staff@bulkhead.test", name: "Sam Staff", description: "platform staff (/staff)", isStaff: true, memberships: [] },
];

const CONVERSATIONS: Record<string, { title: string; turns: [string, string][] }[]> = {
  acme: [
    {
      title: "Gripper calibration drifts",
      turns: [
        ["Our R2 arm's gripper calibration drifts after an hour. Any idea?", "Thermal drift is the usual suspect. Could you share the serial number? Meanwhile:\n\n1. Run `calib --thermal` after a 20-minute warm-up.\n2. Check the encoder cable strain relief.\n3. Update to firmware 4.2, which compensates for temperature."],
      ],
    },
    {
      title: "Warranty for a dropped unit",
      turns: [["Is a unit dropped during installation covered?", "Accidental damage isn't covered by the standard warranty, but the Care+ plan covers one incident per year. I can open a Care+ claim if you have it."]],
    },
  ],
  globex: [
    {
      title: "Card replacement policy",
      turns: [["What is the policy for expedited card replacement?", "Expedited replacement is available for premium accounts at no charge and for standard accounts for a £10 fee. Delivery is within two business days."]],
    },
  ],
};

export async function seedDemoOnce(): Promise<boolean> {
  if (await demoPresent()) return false;
  await seedDemo();
  return true;
}

/**
 * Whether any demo account or workspace exists, so the start banner can warn when a
 * configured database carries accounts whose passwords are published in the README.
 */
export async function demoPresent(): Promise<boolean> {
  return withAuth(async (tx) => {
    const tenant = await tx.tenant.findFirst({ where: { slug: { in: TENANTS.map((t) => t.slug) } }, select: { id: true } });
    const user = await tx.user.findFirst({ where: { email: { in: DEMO_USERS.map((u) => u.email) } }, select: { id: true } });
    return tenant !== null || user !== null;
  });
}

/** Days of usage history the demo carries. */
const HISTORY_DAYS = 90;

export async function seedDemo(now = new Date()): Promise<void> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const users = new Map<string, string>();
  const tenants = new Map<string, string>();

  await withAuth(async (tx) => {
    for (const u of DEMO_USERS) {
      users.set(u.email, (await createUser(tx, { email: u.email, name: u.name, passwordHash, isStaff: u.isStaff, emailVerified: true })).id);
    }
    for (const t of TENANTS) {
      const owner = DEMO_USERS.find((u) => u.memberships.some((m) => m.slug === t.slug && m.role === "owner"))!;
      const ownerId = users.get(owner.email)!;
      // Created when their usage history starts, so their plan (and revenue) covers it too.
      const createdAt = new Date(now.getTime() - (HISTORY_DAYS + 1) * 86_400_000);
      const { id } = await createTenant(tx, { slug: t.slug, name: t.name, planId: t.planId, ownerId, createdAt });
      tenants.set(t.slug, id);
    }
  });

  // bh_auth may only create a new workspace's owner (0010): the owner adds the others.
  for (const t of TENANTS) {
    const tenantId = tenants.get(t.slug)!;
    const owner = DEMO_USERS.find((u) => u.memberships.some((m) => m.slug === t.slug && m.role === "owner"))!;
    await withTenant({ tenantId, userId: users.get(owner.email)! }, async (tx) => {
      for (const u of DEMO_USERS) {
        for (const m of u.memberships) {
          if (m.slug === t.slug && m.role !== "owner") {
            await tx.membership.create({ data: { tenantId, userId: users.get(u.email)!, role: m.role } });
          }
        }
      }
    });
  }

  for (const t of TENANTS) {
    const tenantId = tenants.get(t.slug)!;
    const owner = DEMO_USERS.find((u) => u.memberships.some((m) => m.slug === t.slug && m.role === "owner"))!;
    const ownerId = users.get(owner.email)!;
    await withTenant({ tenantId, userId: ownerId }, async (tx) => {
      await tx.tenant.update({ where: { id: tenantId }, data: { timeZone: t.timeZone } });
      await tx.tenantConfig.create({ data: { tenantId, version: 2, createdById: ownerId, companyName: t.name, ...t.config } });
      await tx.auditLog.create({ data: { tenantId, actorId: ownerId, action: "config.updated", target: "version 2", details: { source: "demo seed" } } });
    });
    // Conversations are private to their user, so each is written as that user.
    const members = DEMO_USERS.filter((u) => u.memberships.some((m) => m.slug === t.slug));
    for (const [i, convo] of (CONVERSATIONS[t.slug] ?? []).entries()) {
      const author = members[i % members.length]!;
      const userId = users.get(author.email)!;
      await withTenant({ tenantId, userId }, async (tx) => {
        const c = await tx.conversation.create({ data: { tenantId, userId, title: convo.title }, select: { id: true } });
        for (const [question, answer] of convo.turns) {
          await tx.message.create({ data: { tenantId, conversationId: c.id, userId, role: "user", content: question } });
          await tx.message.create({ data: { tenantId, conversationId: c.id, userId, role: "assistant", content: answer } });
        }
      });
    }
    await seedUsageHistory({
      tenantId,
      actorId: ownerId,
      userIds: members.map((u) => users.get(u.email)!),
      modelTier: t.config.modelTier,
      dailyCalls: t.dailyCalls,
      days: HISTORY_DAYS,
      now,
      seed: t.slug,
    });
  }
}

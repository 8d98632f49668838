import { z } from "zod";
import { positiveInt } from "@/lib/validation/bounds";
import { requireTenantRole, userNames } from "@/lib/admin/authorize";
import { diffConfigs, summariseChanges, type ConfigChange } from "@/lib/admin/config-diff";
import { SCREENING_POLICIES, tenantConfigSchema, type PlanChoices, type ScreeningPolicy, type TenantConfigFields } from "@/lib/admin/config-schema";
import { AppError } from "@/lib/api/errors";
import { isUniqueViolation } from "@/lib/db/errors";
import { withTenant, type TenantContext, type Tx } from "@/lib/db/scope";
import { routingModeOf } from "@/lib/routing/modes";

export { diffConfigs, type ConfigChange } from "@/lib/admin/config-diff";
export { tenantConfigSchema, type TenantConfigFields } from "@/lib/admin/config-schema";

/**
 * The tenant's assistant configuration. Versions are immutable rows (tenant_id, version):
 * a save or a rollback inserts version max+1, and the chat path reads the newest on every
 * request, so a change applies from the next message. History is never rewritten.
 */
export interface ConfigVersion extends TenantConfigFields {
  version: number;
  createdAt: Date;
  author: { id: string; name: string } | null;
}

export interface ConfigVersionSummary {
  version: number;
  createdAt: Date;
  author: { id: string; name: string } | null;
}

export type ConfigWriteResult =
  | { status: "saved"; config: ConfigVersion; changes: ConfigChange[] }
  /** Nothing differs from the current version: no version was written. */
  | { status: "unchanged"; config: ConfigVersion; changes: [] };

export const SAVED_FIRST_MESSAGE = "Someone else saved the assistant configuration first. Reload to see their version, then make your changes again.";

const CONFIG_SELECT = {
  version: true,
  companyName: true,
  persona: true,
  allowedTopics: true,
  restrictedTopics: true,
  customInstructions: true,
  modelTier: true,
  maxTokens: true,
  screeningPolicy: true,
  routingMode: true,
  createdById: true,
  createdAt: true,
} as const;

type ConfigRow = Omit<TenantConfigFields, "screeningPolicy" | "routingMode"> & { screeningPolicy: string; routingMode: string; version: number; createdById: string | null; createdAt: Date };

/** The column is text with a CHECK (0013_security_events); anything else reads as the default. */
function policyOf(value: string): ScreeningPolicy {
  return SCREENING_POLICIES.find((p) => p === value) ?? "flag";
}

const fieldsOf = (row: ConfigRow): TenantConfigFields => ({
  companyName: row.companyName,
  persona: row.persona,
  allowedTopics: row.allowedTopics,
  restrictedTopics: row.restrictedTopics,
  customInstructions: row.customInstructions,
  modelTier: row.modelTier,
  maxTokens: row.maxTokens,
  screeningPolicy: policyOf(row.screeningPolicy),
  routingMode: routingModeOf(row.routingMode),
});

/** null when the author has left: users outside the tenant are invisible to its scope. */
function authorOf(createdById: string | null, names: Map<string, string>): ConfigVersion["author"] {
  const name = createdById ? names.get(createdById) : undefined;
  return createdById && name ? { id: createdById, name } : null;
}

async function withAuthor(tx: Tx, row: ConfigRow): Promise<ConfigVersion> {
  const { createdById, version, createdAt } = row;
  return { ...fieldsOf(row), version, createdAt, author: authorOf(createdById, await userNames(tx, [createdById])) };
}

async function latestRow(tx: Tx, tenantId: string): Promise<ConfigRow> {
  const row = await tx.tenantConfig.findFirst({ where: { tenantId }, orderBy: { version: "desc" }, select: CONFIG_SELECT });
  // Every tenant is created with version 1 (createTenant), so this is a broken invariant.
  if (!row) throw new AppError("internal_error", "This workspace has no assistant configuration.");
  return row;
}

async function planLimits(tx: Tx, tenantId: string): Promise<PlanChoices & { name: string }> {
  const tenant = await tx.tenant.findUnique({ where: { id: tenantId }, select: { plan: { select: { name: true, allowedTiers: true, maxTokensCap: true } } } });
  if (!tenant) throw new AppError("not_found", "Workspace not found.");
  return tenant.plan;
}

export async function getCurrentConfig(ctx: TenantContext): Promise<ConfigVersion> {
  return withTenant(ctx, async (tx) => {
    await requireTenantRole(tx, ctx, "admin");
    return withAuthor(tx, await latestRow(tx, ctx.tenantId));
  });
}

export async function getConfigVersion(ctx: TenantContext, version: number): Promise<ConfigVersion> {
  const v = versionSchema.parse(version);
  return withTenant(ctx, async (tx) => {
    await requireTenantRole(tx, ctx, "admin");
    const row = await tx.tenantConfig.findUnique({ where: { tenantId_version: { tenantId: ctx.tenantId, version: v } }, select: CONFIG_SELECT });
    if (!row) throw new AppError("not_found", `Version ${v} not found.`);
    return withAuthor(tx, row);
  });
}

/** Newest first. */
export async function listConfigVersions(ctx: TenantContext, options: { limit?: number } = {}): Promise<ConfigVersionSummary[]> {
  const limit = z.number().int().min(1).max(200).parse(options.limit ?? 50);
  return withTenant(ctx, async (tx) => {
    await requireTenantRole(tx, ctx, "admin");
    const rows = await tx.tenantConfig.findMany({
      where: { tenantId: ctx.tenantId },
      orderBy: { version: "desc" },
      take: limit,
      select: { version: true, createdAt: true, createdById: true },
    });
    const names = await userNames(tx, rows.map((r) => r.createdById));
    return rows.map((r) => ({ version: r.version, createdAt: r.createdAt, author: authorOf(r.createdById, names) }));
  });
}

// Bounded by the integer column: 4294967296 is a 422 here, not a database error.
const versionSchema = positiveInt("Choose a version.");
/** The version the editor started from: a save on top of a newer one is refused (409). */
const baseVersionSchema = z.object({ baseVersion: versionSchema.optional() });

/**
 * Saves a new version when anything differs from the current one. Role, plan, current
 * version and insert are one transaction; two saves racing for the same version number
 * collide on the primary key and the loser gets a 409 instead of silently overwriting.
 */
export async function saveConfig(actor: TenantContext, input: unknown): Promise<ConfigWriteResult> {
  return writeVersion(actor, async (tx, current) => {
    const { baseVersion } = baseVersionSchema.parse(input);
    if (baseVersion !== undefined && baseVersion !== current.version) throw new AppError("conflict", SAVED_FIRST_MESSAGE);
    const plan = await planLimits(tx, actor.tenantId);
    const parsed = tenantConfigSchema(plan).parse(input);
    return {
      data: { ...parsed, screeningPolicy: parsed.screeningPolicy ?? policyOf(current.screeningPolicy), routingMode: parsed.routingMode ?? routingModeOf(current.routingMode) },
      action: "config.updated",
      details: {},
    };
  });
}

/** Restores an old version as a NEW version (N+1 = copy of `version`), checked against today's plan. */
export async function rollbackConfig(actor: TenantContext, version: number): Promise<ConfigWriteResult> {
  const v = versionSchema.parse(version);
  return writeVersion(actor, async (tx) => {
    const old = await tx.tenantConfig.findUnique({ where: { tenantId_version: { tenantId: actor.tenantId, version: v } }, select: CONFIG_SELECT });
    if (!old) throw new AppError("not_found", `Version ${v} not found.`);
    const plan = await planLimits(tx, actor.tenantId);
    const parsed = tenantConfigSchema(plan).safeParse(fieldsOf(old));
    if (!parsed.success) {
      const reason = parsed.error.issues[0]?.message ?? "it no longer passes validation.";
      throw new AppError("validation_failed", `Version ${v} can’t be restored on the ${plan.name} plan: ${reason}`);
    }
    return {
      data: { ...parsed.data, screeningPolicy: policyOf(old.screeningPolicy), routingMode: routingModeOf(old.routingMode) },
      action: "config.rolled_back",
      details: { restoredVersion: v },
    };
  });
}

async function writeVersion(
  actor: TenantContext,
  prepare: (tx: Tx, current: ConfigRow) => Promise<{ data: TenantConfigFields; action: string; details: Record<string, unknown> }>,
): Promise<ConfigWriteResult> {
  try {
    return await withTenant(actor, async (tx) => {
      await requireTenantRole(tx, actor, "admin", "Only admins and owners can change the assistant.");
      const current = await latestRow(tx, actor.tenantId);
      const { data, action, details } = await prepare(tx, current);
      const changes = diffConfigs(fieldsOf(current), data);
      if (changes.length === 0) return { status: "unchanged", config: await withAuthor(tx, current), changes: [] };
      const version = current.version + 1;
      const row = await tx.tenantConfig.create({ data: { tenantId: actor.tenantId, version, createdById: actor.userId, ...data }, select: CONFIG_SELECT });
      await tx.auditLog.create({
        data: { tenantId: actor.tenantId, actorId: actor.userId, action, target: `version ${version}`, details: { version, ...details, ...summariseChanges(changes) } },
      });
      return { status: "saved", config: await withAuthor(tx, row), changes };
    });
  } catch (error) {
    // The primary key (tenant_id, version) is the lock: the later of two racing inserts fails.
    if (isUniqueViolation(error)) throw new AppError("conflict", SAVED_FIRST_MESSAGE);
    throw error;
  }
}

import type { PrismaClient } from "@/lib/db/generated/client";
import { getPrisma } from "@/lib/db/client";
import { scopeSettings, SET_SCOPE_SQL } from "@/lib/db/roles";

/**
 * Every query runs inside one short transaction that first switches to a scoped role
 * and sets tenant and user (one round trip). The login itself (bh_app) holds no table
 * privileges, so a query that skips this fails closed; row-level security does the rest.
 */
export type Scope =
  /** A member acting inside one tenant. */
  | { kind: "tenant"; tenantId: string; userId: string }
  /** A signed-in user before a tenant is chosen: only their own memberships and tenants. */
  | { kind: "user"; userId: string }
  /** Sign-in, sign-up, invite acceptance. */
  | { kind: "auth" }
  /** Platform staff: tenants, plans, usage, prices; no message content. */
  | { kind: "staff"; userId: string };

export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

export interface ScopeOptions {
  client?: PrismaClient;
  timeoutMs?: number;
  isolationLevel?: "ReadCommitted" | "RepeatableRead" | "Serializable";
}

export async function withScope<T>(scope: Scope, fn: (tx: Tx) => Promise<T>, options: ScopeOptions = {}): Promise<T> {
  const client = options.client ?? getPrisma();
  const [role, tenantId, userId] = scopeSettings(scope);
  return client.$transaction(
    async (tx) => {
      await tx.$queryRawUnsafe(SET_SCOPE_SQL, role, tenantId, userId);
      return fn(tx);
    },
    { timeout: options.timeoutMs ?? 10_000, maxWait: 10_000, isolationLevel: options.isolationLevel },
  );
}

export interface TenantContext {
  tenantId: string;
  userId: string;
}

export function withTenant<T>(ctx: TenantContext, fn: (tx: Tx) => Promise<T>, options?: ScopeOptions): Promise<T> {
  return withScope({ kind: "tenant", tenantId: ctx.tenantId, userId: ctx.userId }, fn, options);
}

export function withUser<T>(userId: string, fn: (tx: Tx) => Promise<T>, options?: ScopeOptions): Promise<T> {
  return withScope({ kind: "user", userId }, fn, options);
}

export function withAuth<T>(fn: (tx: Tx) => Promise<T>, options?: ScopeOptions): Promise<T> {
  return withScope({ kind: "auth" }, fn, options);
}

export function withStaff<T>(userId: string, fn: (tx: Tx) => Promise<T>, options?: ScopeOptions): Promise<T> {
  return withScope({ kind: "staff", userId }, fn, options);
}

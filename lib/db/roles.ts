import type { Scope } from "@/lib/db/scope";

/** The database role each scope runs as (see the first migration). The one role table. */
export const SCOPE_ROLE: Record<Scope["kind"], string> = {
  tenant: "bh_tenant",
  user: "bh_tenant",
  auth: "bh_auth",
  staff: "bh_staff",
};

/** role, app.tenant_id, app.user_id for a scope; '' where the scope has none. */
export function scopeSettings(scope: Scope): [role: string, tenantId: string, userId: string] {
  return [SCOPE_ROLE[scope.kind], scope.kind === "tenant" ? scope.tenantId : "", scope.kind === "auth" ? "" : scope.userId];
}

/** Sets role, tenant and user for the current transaction, in one statement. */
export const SET_SCOPE_SQL = "SELECT set_config('role', $1, true), set_config('app.tenant_id', $2, true), set_config('app.user_id', $3, true)";

import type { Metadata } from "next";
import { AdminConsole } from "@/components/admin/admin-console";
import { parseAdminTab, type PlanView } from "@/components/admin/types";
import { PageHeader } from "@/components/workspace/page-header";
import { listAuditLog } from "@/lib/admin/audit";
import { getCurrentConfig, listConfigVersions } from "@/lib/admin/config";
import { MODEL_TIERS } from "@/lib/admin/config-schema";
import { listApiKeys } from "@/lib/api-keys/keys";
import { listDocuments } from "@/lib/knowledge/documents";
import { vectorSearchState } from "@/lib/knowledge/embeddings";
import type { ModelTier } from "@/lib/db/generated/enums";
import { getEscalationRate } from "@/lib/routing/signals";
import { listSecurityEvents } from "@/lib/security/security-events";
import { listPendingInvites } from "@/lib/tenancy/invites";
import { listMembers } from "@/lib/tenancy/members";
import { getPlan, listPlans } from "@/lib/tenancy/plans";
import { requireWorkspace } from "@/lib/tenancy/require-workspace";

export const metadata: Metadata = { title: "Admin" };

export default async function AdminPage({ params, searchParams }: { params: Promise<{ slug: string }>; searchParams: Promise<{ tab?: string | string[] }> }) {
  const { slug } = await params;
  // Members (and non-members) get the same 404 as an unknown workspace.
  const { user, workspace } = await requireWorkspace(slug, "admin", `/w/${slug}/admin`);
  const ctx = { tenantId: workspace.tenantId, userId: user.id };
  const [config, versions, members, invites, audit, securityEvents, apiKeys, knowledge, plan, plans, escalationRate, vectorSearch] = await Promise.all([
    getCurrentConfig(ctx),
    listConfigVersions(ctx),
    listMembers(ctx),
    listPendingInvites(ctx),
    listAuditLog(ctx),
    listSecurityEvents(ctx),
    listApiKeys(ctx),
    listDocuments(ctx),
    getPlan(workspace.planId),
    listPlans(),
    getEscalationRate(ctx),
    vectorSearchState(),
  ]);

  // For each tier this plan lacks, the cheapest plan that has it ("upgrade to …").
  const upgradeFor: Partial<Record<ModelTier, string>> = {};
  for (const tier of MODEL_TIERS.filter((t) => !plan.allowedTiers.includes(t))) {
    const cheapest = plans.filter((p) => p.allowedTiers.includes(tier)).sort((a, b) => Number(a.monthlyPriceMicros - b.monthlyPriceMicros))[0];
    if (cheapest) upgradeFor[tier] = cheapest.name;
  }
  const planView: PlanView = { name: plan.name, allowedTiers: plan.allowedTiers, maxTokensCap: plan.maxTokensCap, upgradeFor };

  return (
    <main className="mx-auto w-full max-w-7xl space-y-6 px-4 py-8 sm:px-6 sm:py-10">
      <PageHeader title="Admin" description={`How ${workspace.name}’s assistant behaves, who can use it, and what changed. ${plan.name} plan.`} />
      <AdminConsole
        initialTab={parseAdminTab((await searchParams).tab)}
        data={{
          slug: workspace.slug,
          workspaceName: workspace.name,
          timeZone: workspace.timeZone,
          me: { userId: user.id, role: workspace.role },
          plan: planView,
          config,
          versions,
          members,
          invites: invites.map((i) => ({ id: i.id, email: i.email, role: i.role, expiresAt: i.expiresAt.toISOString() })),
          audit,
          securityEvents,
          apiKeys,
          knowledge,
          vectorSearch,
          escalationRate,
        }}
      />
    </main>
  );
}

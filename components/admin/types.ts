import type { AuditPage } from "@/lib/admin/audit";
import type { ApiKeySummary } from "@/lib/api-keys/keys";
import type { KnowledgeDocumentView } from "@/lib/knowledge/documents";
import type { VectorSearchState } from "@/lib/knowledge/embeddings";
import type { ConfigVersion, ConfigVersionSummary } from "@/lib/admin/config";
import type { PlanChoices } from "@/lib/admin/config-schema";
import type { ModelTier, Role } from "@/lib/db/generated/enums";
import type { SecurityEventView } from "@/lib/security/security-events";
import type { EscalationRate } from "@/lib/routing/signals";
import type { Member } from "@/lib/tenancy/members";

/** What the admin page hands the console (server → client; Dates survive the trip). */
export interface AdminConsoleData {
  slug: string;
  workspaceName: string;
  timeZone: string;
  me: { userId: string; role: Role };
  plan: PlanView;
  config: ConfigVersion;
  versions: ConfigVersionSummary[];
  members: Member[];
  invites: { id: string; email: string | null; role: Role; expiresAt: string }[];
  audit: AuditPage;
  securityEvents: SecurityEventView[];
  apiKeys: ApiKeySummary[];
  knowledge: KnowledgeDocumentView[];
  /** Whether knowledge search uses vectors here (lib/knowledge/embeddings.ts). */
  vectorSearch: VectorSearchState;
  /** Regenerates on a stronger model over routed-down answers, last 30 days (issue 14). */
  escalationRate: EscalationRate;
}

export interface PlanView extends PlanChoices {
  name: string;
  /** For each tier the plan lacks: the name of the cheapest plan that has it. */
  upgradeFor: Partial<Record<ModelTier, string>>;
}

const ADMIN_TABS = ["assistant", "versions", "knowledge", "members", "api-keys", "api-docs", "audit", "security"] as const;
export type AdminTab = (typeof ADMIN_TABS)[number];

export function parseAdminTab(value: unknown): AdminTab {
  return ADMIN_TABS.find((t) => t === value) ?? "assistant";
}

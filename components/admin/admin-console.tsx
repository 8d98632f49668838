"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { modelForTier } from "@/lib/llm/models";
import { ApiDocsPanel } from "@/components/admin/api-docs-panel";
import { ApiKeysPanel } from "@/components/admin/api-keys-panel";
import { AssistantPanel } from "@/components/admin/assistant-panel";
import { AuditPanel } from "@/components/admin/audit-panel";
import { fromDraft, toDraft, type ConfigDraft } from "@/components/admin/config-draft";
import { KnowledgePanel } from "@/components/knowledge/knowledge-panel";
import { MembersPanel } from "@/components/admin/members-panel";
import { SecurityPanel } from "@/components/admin/security-panel";
import { TabPanel, Tabs, type TabItem } from "@/components/admin/tabs";
import type { AdminConsoleData, AdminTab } from "@/components/admin/types";
import { VersionsPanel } from "@/components/admin/versions-panel";
import type { ConfigVersion } from "@/lib/admin/config";
import { diffConfigs } from "@/lib/admin/config-diff";

/**
 * The admin console's tabs. The assistant draft lives here, not in its tab, so switching
 * to Versions and back keeps unsaved edits; the tab is mirrored in ?tab= for reloads.
 */
export function AdminConsole({ data, initialTab }: { data: AdminConsoleData; initialTab: AdminTab }) {
  const router = useRouter();
  const [tab, setTab] = useState<AdminTab>(initialTab);
  const [edit, setEdit] = useState<{ base: ConfigVersion; draft: ConfigDraft }>(() => ({ base: data.config, draft: toDraft(data.config) }));

  // A newer version arrived from the server (a rollback, another admin's save): adopt it
  // unless there are unsaved edits, which the Assistant tab then flags as stale.
  if (data.config.version > edit.base.version && diffConfigs(edit.base, fromDraft(edit.draft)).length === 0) {
    setEdit({ base: data.config, draft: toDraft(data.config) });
  }

  function select(next: AdminTab) {
    setTab(next);
    const url = new URL(window.location.href);
    if (next === "assistant") url.searchParams.delete("tab");
    else url.searchParams.set("tab", next);
    window.history.replaceState(null, "", url);
  }

  function adopt(config: ConfigVersion) {
    setEdit({ base: config, draft: toDraft(config) });
    router.refresh();
  }

  const latest = data.config.version >= edit.base.version ? data.config : edit.base;
  const items: TabItem<AdminTab>[] = [
    { id: "assistant", label: "Assistant" },
    { id: "versions", label: "Versions", count: data.versions.length },
    { id: "knowledge", label: "Knowledge", shortLabel: "Docs" },
    { id: "members", label: "Members", count: data.members.length },
    { id: "api-keys", label: "API keys", shortLabel: "Keys", count: data.apiKeys.filter((k) => k.status === "active").length },
    { id: "api-docs", label: "API docs", shortLabel: "API" },
    { id: "audit", label: "Audit log", shortLabel: "Audit" },
    { id: "security", label: "Security", count: data.securityEvents.length },
  ];

  return (
    <div>
      <Tabs label="Admin sections" items={items} selected={tab} onSelect={select} />
      <TabPanel id={tab}>
        {tab === "assistant" && (
          <AssistantPanel
            slug={data.slug}
            plan={data.plan}
            timeZone={data.timeZone}
            escalationRate={data.escalationRate}
            base={edit.base}
            latest={latest}
            draft={edit.draft}
            onDraftChange={(draft) => setEdit((e) => ({ ...e, draft }))}
            onSaved={adopt}
            onDiscard={() => setEdit({ base: latest, draft: toDraft(latest) })}
          />
        )}
        {tab === "versions" && <VersionsPanel slug={data.slug} timeZone={data.timeZone} current={latest} versions={data.versions} onRolledBack={() => router.refresh()} />}
        {tab === "knowledge" && <KnowledgePanel slug={data.slug} timeZone={data.timeZone} initial={data.knowledge} canEdit vectorSearch={data.vectorSearch} />}
        {tab === "members" && <MembersPanel data={data} />}
        {tab === "api-keys" && <ApiKeysPanel slug={data.slug} timeZone={data.timeZone} keys={data.apiKeys} />}
        {tab === "api-docs" && <ApiDocsPanel slug={data.slug} defaultModel={modelForTier(latest.modelTier)} />}
        {tab === "security" && <SecurityPanel timeZone={data.timeZone} events={data.securityEvents} />}
        {tab === "audit" && <AuditPanel key={data.audit.entries[0]?.id ?? "empty"} slug={data.slug} timeZone={data.timeZone} firstPage={data.audit} />}
      </TabPanel>
    </div>
  );
}

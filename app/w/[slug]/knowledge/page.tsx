import type { Metadata } from "next";
import { KnowledgePanel } from "@/components/knowledge/knowledge-panel";
import { PageHeader } from "@/components/workspace/page-header";
import { ButtonLink } from "@/components/ui/button";
import { listDocuments } from "@/lib/knowledge/documents";
import { requireWorkspace } from "@/lib/tenancy/require-workspace";
import { hasRole } from "@/lib/tenancy/workspace";

export const metadata: Metadata = { title: "Knowledge" };

/** Every member's read-only view of the knowledge base (admins manage it in the console). */
export default async function KnowledgePage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { user, workspace } = await requireWorkspace(slug, "member", `/w/${slug}/knowledge`);
  // Members see what answers can use: documents with a live version, not uploads in progress.
  const documents = (await listDocuments({ tenantId: workspace.tenantId, userId: user.id })).filter((d) => d.liveVersion !== null);
  const isAdmin = hasRole(workspace.role, "admin");
  return (
    <main className="mx-auto w-full max-w-5xl space-y-6 px-4 py-8 sm:px-6 sm:py-10">
      <PageHeader
        title="Knowledge"
        description={`The documents ${workspace.name}’s assistant answers from. Answers name the passages they used.`}
        actions={isAdmin ? <ButtonLink href={`/w/${slug}/admin?tab=knowledge`} variant="secondary">Manage documents</ButtonLink> : undefined}
      />
      <KnowledgePanel slug={workspace.slug} timeZone={workspace.timeZone} initial={documents} canEdit={false} />
    </main>
  );
}

import type { ReactNode } from "react";
import { TopBar } from "@/components/shell/top-bar";
import { requireWorkspace } from "@/lib/tenancy/require-workspace";
import { listWorkspacesForUser } from "@/lib/tenancy/workspace";

export default async function WorkspaceLayout({ children, params }: { children: ReactNode; params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { user, workspace } = await requireWorkspace(slug);
  const workspaces = await listWorkspacesForUser(user.id);
  const toSwitcher = (w: { slug: string; name: string; role: typeof workspace.role }) => ({ slug: w.slug, name: w.name, role: w.role });

  return (
    <div className="flex min-h-dvh flex-col">
      <TopBar user={{ name: user.name, email: user.email, isStaff: user.isStaff }} workspace={toSwitcher(workspace)} workspaces={workspaces.map(toSwitcher)} />
      <div className="flex flex-1 flex-col">{children}</div>
    </div>
  );
}

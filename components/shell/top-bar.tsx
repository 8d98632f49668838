import Link from "next/link";
import { MobileNav, NavLinks } from "@/components/shell/nav-links";
import { navItemsFor } from "@/components/shell/nav-items";
import { UserMenu } from "@/components/shell/user-menu";
import { WorkspaceSwitcher, type SwitcherWorkspace } from "@/components/shell/workspace-switcher";
import { focusRing } from "@/components/ui/cn";
import { LogoMark } from "@/components/ui/icons";

export interface TopBarProps {
  user: { name: string; email: string; isStaff: boolean };
  workspace: SwitcherWorkspace;
  workspaces: SwitcherWorkspace[];
}

export function TopBar({ user, workspace, workspaces }: TopBarProps) {
  const items = navItemsFor(workspace.slug, workspace.role, user.isStaff);
  return (
    <header className="sticky top-0 z-30 border-b border-zinc-200 bg-white/90 backdrop-blur supports-[backdrop-filter]:bg-white/75">
      <div className="relative flex h-14 items-center gap-2 px-3 sm:gap-3 sm:px-6">
        <Link href={`/w/${workspace.slug}`} className={`flex shrink-0 items-center gap-2 rounded-lg ${focusRing}`} aria-label="Bulkhead home">
          <LogoMark className="size-7" />
          <span className="hidden text-sm font-semibold tracking-tight text-zinc-900 lg:inline">Bulkhead</span>
        </Link>
        <span aria-hidden="true" className="text-zinc-300">
          /
        </span>
        <div className="min-w-0">
          <WorkspaceSwitcher current={workspace} workspaces={workspaces} />
        </div>
        <div className="ml-2 hidden h-5 w-px bg-zinc-200 md:block" />
        <NavLinks items={items} />
        <div className="ml-auto flex items-center gap-1 sm:gap-2">
          <MobileNav items={items} />
          <UserMenu user={user} />
        </div>
      </div>
    </header>
  );
}

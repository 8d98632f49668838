"use client";

import { Dropdown, DropdownLabel, DropdownLink, DropdownSeparator } from "@/components/shell/dropdown";
import { RoleBadge } from "@/components/shell/role-badge";
import { WorkspaceAvatar } from "@/components/shell/workspace-avatar";
import { CheckIcon, ChevronUpDownIcon, PlusIcon } from "@/components/ui/icons";
import type { Role } from "@/lib/db/generated/enums";

export interface SwitcherWorkspace {
  slug: string;
  name: string;
  role: Role;
}

export function WorkspaceSwitcher({ current, workspaces }: { current: SwitcherWorkspace; workspaces: SwitcherWorkspace[] }) {
  return (
    <Dropdown
      label={`Workspace: ${current.name}. Switch workspace`}
      triggerClassName="flex min-w-0 items-center gap-2 px-1.5 py-1 hover:bg-zinc-100"
      trigger={
        <>
          <WorkspaceAvatar name={current.name} slug={current.slug} />
          <span className="max-w-[9rem] truncate text-sm font-semibold text-zinc-900 sm:max-w-[14rem]">{current.name}</span>
          <ChevronUpDownIcon className="size-4 shrink-0 text-zinc-400" />
        </>
      }
    >
      <DropdownLabel>Your workspaces</DropdownLabel>
      <div className="max-h-80 overflow-y-auto">
        {workspaces.map((w) => {
          const isCurrent = w.slug === current.slug;
          return (
            <DropdownLink key={w.slug} href={`/w/${w.slug}`} aria-current={isCurrent ? "page" : undefined}>
              <WorkspaceAvatar name={w.name} slug={w.slug} />
              <span className="min-w-0 flex-1">
                <span className="block truncate font-medium text-zinc-900">{w.name}</span>
                <span className="block truncate text-xs text-zinc-500">/w/{w.slug}</span>
              </span>
              <RoleBadge role={w.role} />
              <CheckIcon className={isCurrent ? "size-4 text-indigo-600" : "size-4 opacity-0"} />
            </DropdownLink>
          );
        })}
      </div>
      <DropdownSeparator />
      <DropdownLink href="/new">
        <span className="flex size-7 items-center justify-center rounded-md border border-dashed border-zinc-300 text-zinc-500">
          <PlusIcon className="size-4" />
        </span>
        <span className="font-medium">Create workspace</span>
      </DropdownLink>
    </Dropdown>
  );
}

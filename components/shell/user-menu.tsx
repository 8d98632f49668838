"use client";

import { signOut } from "next-auth/react";
import { useState } from "react";
import { Dropdown, DropdownButton, DropdownLink, DropdownSeparator } from "@/components/shell/dropdown";
import { Badge } from "@/components/ui/badge";
import { Spinner } from "@/components/ui/spinner";

function initials(name: string, email: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length >= 2 ? `${parts[0]![0]}${parts[parts.length - 1]![0]}` : (parts[0]?.slice(0, 2) ?? email.slice(0, 2));
  return letters.toUpperCase();
}

export function UserMenu({ user }: { user: { name: string; email: string; isStaff: boolean } }) {
  const [signingOut, setSigningOut] = useState(false);
  return (
    <Dropdown
      label={`Account menu for ${user.name}`}
      align="right"
      triggerClassName="rounded-full"
      trigger={
        <span className="flex size-8 items-center justify-center rounded-full bg-zinc-900 text-xs font-semibold text-white ring-2 ring-white">
          {initials(user.name, user.email)}
        </span>
      }
    >
      <div className="px-3.5 pt-2 pb-2.5">
        <p className="flex items-center gap-2 truncate text-sm font-medium text-zinc-900">
          <span className="truncate">{user.name}</span>
          {user.isStaff && <Badge tone="warning">Staff</Badge>}
        </p>
        <p className="truncate text-sm text-zinc-500">{user.email}</p>
      </div>
      <DropdownSeparator />
      <DropdownLink href="/new">Create workspace</DropdownLink>
      <DropdownLink href="/account">Account security</DropdownLink>
      {user.isStaff && <DropdownLink href="/staff">Staff console</DropdownLink>}
      <DropdownSeparator />
      <DropdownButton
        disabled={signingOut}
        onClick={async () => {
          setSigningOut(true);
          // redirect: false, then navigate ourselves: next-auth would send us to its
          // configured origin, which is only right when NEXTAUTH_URL is set.
          await signOut({ redirect: false });
          window.location.assign("/signin");
        }}
      >
        {signingOut ? <Spinner label="Signing out" /> : null}
        Sign out
      </DropdownButton>
    </Dropdown>
  );
}

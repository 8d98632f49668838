import Link from "next/link";
import type { ReactNode } from "react";
import { focusRing } from "@/components/ui/cn";
import { LogoMark } from "@/components/ui/icons";

/** The header outside a workspace (landing, auth, /new, invites). */
export function BareHeader({ children }: { children?: ReactNode }) {
  return (
    <header className="mx-auto flex h-16 w-full max-w-6xl items-center justify-between gap-4 px-4 sm:px-6">
      <Link href="/" className={`flex items-center gap-2.5 rounded-lg ${focusRing}`}>
        <LogoMark className="size-8" />
        <span className="text-base font-semibold tracking-tight text-zinc-900">Bulkhead</span>
      </Link>
      {children && <div className="flex items-center gap-2">{children}</div>}
    </header>
  );
}

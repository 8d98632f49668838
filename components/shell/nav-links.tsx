"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useState } from "react";
import { isActive, type NavIcon, type NavItem } from "@/components/shell/nav-items";
import { cn, focusRing } from "@/components/ui/cn";
import { BookIcon, ChatIcon, CogIcon, GaugeIcon, MenuIcon, ShieldIcon, XMarkIcon } from "@/components/ui/icons";

const ICONS: Record<NavIcon, typeof ChatIcon> = { chat: ChatIcon, knowledge: BookIcon, usage: GaugeIcon, admin: CogIcon, staff: ShieldIcon };

export function NavLinks({ items }: { items: NavItem[] }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Workspace" className="hidden items-center gap-1 md:flex">
      {items.map((item) => {
        const active = isActive(item, pathname);
        const Icon = ICONS[item.icon];
        return (
          <Link
            key={item.href}
            href={item.href}
            aria-current={active ? "page" : undefined}
            className={cn(
              "flex items-center gap-1.5 rounded-lg px-3 py-1.5 text-sm font-medium transition-colors",
              active ? "bg-zinc-100 text-zinc-900" : "text-zinc-600 hover:bg-zinc-50 hover:text-zinc-900",
              focusRing,
            )}
          >
            <Icon className={cn("size-4", active ? "text-indigo-600" : "text-zinc-400")} />
            {item.label}
          </Link>
        );
      })}
    </nav>
  );
}

/** Below the md breakpoint the links fold into a panel under the top bar. */
export function MobileNav({ items }: { items: NavItem[] }) {
  const pathname = usePathname();
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [pathname]);
  return (
    <div className="md:hidden">
      <button
        type="button"
        aria-expanded={open}
        aria-controls="mobile-nav"
        aria-label={open ? "Close navigation" : "Open navigation"}
        onClick={() => setOpen((v) => !v)}
        className={cn("flex size-9 items-center justify-center rounded-lg text-zinc-600 hover:bg-zinc-100", focusRing)}
      >
        {open ? <XMarkIcon className="size-5" /> : <MenuIcon className="size-5" />}
      </button>
      {open && (
        <nav id="mobile-nav" aria-label="Workspace" className="absolute inset-x-0 top-full z-40 border-b border-zinc-200 bg-white px-3 py-2 shadow-sm">
          {items.map((item) => {
            const active = isActive(item, pathname);
            const Icon = ICONS[item.icon];
            return (
              <Link
                key={item.href}
                href={item.href}
                aria-current={active ? "page" : undefined}
                className={cn(
                  "flex items-center gap-3 rounded-lg px-3 py-2.5 text-sm font-medium",
                  active ? "bg-zinc-100 text-zinc-900" : "text-zinc-700 hover:bg-zinc-50",
                  focusRing,
                )}
              >
                <Icon className={cn("size-5", active ? "text-indigo-600" : "text-zinc-400")} />
                {item.label}
              </Link>
            );
          })}
        </nav>
      )}
    </div>
  );
}

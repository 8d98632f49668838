"use client";

import { useRef, type KeyboardEvent, type ReactNode } from "react";
import { cn, focusRing } from "@/components/ui/cn";

export interface TabItem<T extends string> {
  id: T;
  label: string;
  /** A count shown after the label (e.g. members). */
  count?: number;
  /** Shown instead of the label on narrow screens; the accessible name stays the label. */
  shortLabel?: string;
}

const tabId = (id: string) => `admin-tab-${id}`;
const panelId = (id: string) => `admin-panel-${id}`;

/**
 * WAI-ARIA tabs with automatic activation: ←/→ move and select, Home/End jump, Tab leaves
 * the tab list for the panel. Only the selected panel is rendered (see TabPanel).
 */
export function Tabs<T extends string>({ label, items, selected, onSelect }: { label: string; items: TabItem<T>[]; selected: T; onSelect: (id: T) => void }) {
  const listRef = useRef<HTMLDivElement>(null);

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const index = items.findIndex((t) => t.id === selected);
    const next =
      event.key === "ArrowRight" ? (index + 1) % items.length
      : event.key === "ArrowLeft" ? (index - 1 + items.length) % items.length
      : event.key === "Home" ? 0
      : event.key === "End" ? items.length - 1
      : -1;
    if (next < 0) return;
    event.preventDefault();
    const id = items[next]!.id;
    onSelect(id);
    listRef.current?.querySelector<HTMLElement>(`#${tabId(id)}`)?.focus();
  }

  return (
    <div ref={listRef} role="tablist" aria-label={label} onKeyDown={onKeyDown} className="-mx-4 flex gap-0.5 overflow-x-auto sm:gap-1 border-b border-zinc-200 px-4 sm:mx-0 sm:px-0">
      {items.map((tab) => {
        const active = tab.id === selected;
        return (
          <button
            key={tab.id}
            id={tabId(tab.id)}
            type="button"
            role="tab"
            aria-selected={active}
            // Inactive panels are not rendered, so only the active tab may point at one.
            aria-controls={active ? panelId(tab.id) : undefined}
            tabIndex={active ? 0 : -1}
            onClick={() => onSelect(tab.id)}
            className={cn(
              "relative -mb-px flex shrink-0 items-center gap-1.5 rounded-t-md border-b-2 px-2 py-2.5 sm:px-3 text-sm font-medium whitespace-nowrap transition-colors",
              active ? "border-indigo-600 text-zinc-900" : "border-transparent text-zinc-600 hover:border-zinc-300 hover:text-zinc-900",
              focusRing,
            )}
          >
            {tab.shortLabel ? (
              <>
                <span className="hidden sm:inline">{tab.label}</span>
                <span className="sm:hidden" aria-hidden="true">
                  {tab.shortLabel}
                </span>
                <span className="sr-only sm:hidden">{tab.label}</span>
              </>
            ) : (
              tab.label
            )}
            {tab.count !== undefined && (
              <span className={cn("rounded-full px-1.5 text-xs tabular-nums", active ? "bg-indigo-50 text-indigo-700" : "bg-zinc-100 text-zinc-600")}>{tab.count}</span>
            )}
          </button>
        );
      })}
    </div>
  );
}

export function TabPanel({ id, children }: { id: string; children: ReactNode }) {
  return (
    <div role="tabpanel" id={panelId(id)} aria-labelledby={tabId(id)} className="pt-6 outline-none">
      {children}
    </div>
  );
}

"use client";

import { useId, useMemo, useState } from "react";
import { SearchIcon, SortIcon } from "@/components/staff/icons";
import { MarginFlagBadge } from "@/components/staff/margin-flag";
import { DeleteTenantButton } from "@/components/staff/delete-tenant-button";
import { PlanCell, type PlanOption } from "@/components/staff/plan-cell";
import { Button } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { Input, Select } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { formatCompact, formatInteger, formatPercent, formatUsd } from "@/lib/format";
import type { TenantMargin } from "@/lib/staff/margins";

type SortKey = "name" | "plan" | "revenue" | "cost" | "margin" | "marginPct" | "tokens";
type Direction = "ascending" | "descending";

/** `first`: the direction a column sorts in when chosen: margins worst first, sizes biggest first. */
const COLUMNS: Array<{ key: SortKey; label: string; numeric: boolean; first: Direction }> = [
  { key: "name", label: "Tenant", numeric: false, first: "ascending" },
  { key: "plan", label: "Plan", numeric: false, first: "ascending" },
  { key: "revenue", label: "Revenue", numeric: true, first: "descending" },
  { key: "cost", label: "Cost", numeric: true, first: "descending" },
  { key: "margin", label: "Margin", numeric: true, first: "ascending" },
  { key: "marginPct", label: "Margin %", numeric: true, first: "ascending" },
  { key: "tokens", label: "Tokens", numeric: true, first: "descending" },
];

function sortValue(t: TenantMargin, key: SortKey): number | string {
  switch (key) {
    case "name":
      return t.name.toLowerCase();
    case "plan":
      return (t.planName ?? "").toLowerCase();
    case "revenue":
      return t.revenueMicros;
    case "cost":
      return t.costMicros;
    case "margin":
      return t.marginMicros;
    case "marginPct":
      // Free plans have no percentage: sort them below every real one.
      return t.marginPct ?? Number.NEGATIVE_INFINITY;
    case "tokens":
      return t.tokens;
  }
}

export function TenantTable({ tenants, plans, costLabel, revenueLabel }: { tenants: TenantMargin[]; plans: PlanOption[]; costLabel: string; revenueLabel: string }) {
  const [sort, setSort] = useState<{ key: SortKey; direction: Direction }>({ key: "name", direction: "ascending" });
  const [query, setQuery] = useState("");
  const [planId, setPlanId] = useState("");
  const [flaggedOnly, setFlaggedOnly] = useState(false);
  const [notice, setNotice] = useState("");
  const ids = { search: useId(), plan: useId(), flagged: useId(), count: useId() };

  const rows = useMemo(() => {
    const q = query.trim().toLowerCase();
    const filtered = tenants.filter(
      (t) =>
        (q === "" || t.name.toLowerCase().includes(q) || (t.slug ?? t.tenantId).includes(q)) &&
        (planId === "" || t.planId === planId) &&
        (!flaggedOnly || t.flag !== null),
    );
    const sign = sort.direction === "ascending" ? 1 : -1;
    return filtered.sort((a, b) => {
      const va = sortValue(a, sort.key);
      const vb = sortValue(b, sort.key);
      const order = typeof va === "string" ? va.localeCompare(vb as string) : va < (vb as number) ? -1 : va > (vb as number) ? 1 : 0;
      return sign * order || a.name.localeCompare(b.name);
    });
  }, [tenants, query, planId, flaggedOnly, sort]);

  const filtersOn = query !== "" || planId !== "" || flaggedOnly;
  const clear = () => {
    setQuery("");
    setPlanId("");
    setFlaggedOnly(false);
  };
  const toggleSort = (key: SortKey, first: Direction) =>
    setSort((s) => (s.key === key ? { key, direction: s.direction === "ascending" ? "descending" : "ascending" } : { key, direction: first }));

  if (tenants.length === 0) {
    return (
      <div className="p-5 sm:p-6">
        <EmptyState title="No tenants in this month" description="Workspaces appear here from the month they were created in." />
      </div>
    );
  }

  return (
    <div>
      <div className="flex flex-col gap-3 border-b border-zinc-100 px-5 py-4 sm:flex-row sm:flex-wrap sm:items-end sm:px-6">
        <div className="min-w-0 sm:w-64">
          <Label htmlFor={ids.search}>Search</Label>
          <div className="relative mt-1.5">
            <SearchIcon className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-zinc-400" />
            <Input id={ids.search} type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Name or slug" className="pl-9" aria-describedby={ids.count} />
          </div>
        </div>
        <div className="sm:w-48">
          <Label htmlFor={ids.plan}>Plan</Label>
          <Select id={ids.plan} value={planId} onChange={(e) => setPlanId(e.target.value)} className="mt-1.5">
            <option value="">All plans</option>
            {plans.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </Select>
        </div>
        <div className="flex h-10 items-center gap-2">
          <input
            id={ids.flagged}
            type="checkbox"
            checked={flaggedOnly}
            onChange={(e) => setFlaggedOnly(e.target.checked)}
            className={cn("size-4 rounded border-zinc-300 text-indigo-600 accent-indigo-600", focusRing)}
          />
          <label htmlFor={ids.flagged} className="text-sm text-zinc-800">
            Only thin or negative margins
          </label>
        </div>
        <p id={ids.count} aria-live="polite" className="text-sm text-zinc-500 sm:ml-auto sm:self-center">
          {rows.length === tenants.length ? `${tenants.length} tenants` : `Showing ${rows.length} of ${tenants.length} tenants`}
        </p>
      </div>

      <p aria-live="polite" className={cn("px-5 text-sm text-emerald-700 sm:px-6", notice ? "py-2" : "sr-only")}>
        {notice}
      </p>

      {rows.length === 0 ? (
        <div className="p-5 sm:p-6">
          <EmptyState
            title="No tenants match these filters"
            description="Try another name, plan, or show every margin."
            action={
              <Button variant="secondary" onClick={clear}>
                Clear filters
              </Button>
            }
          />
        </div>
      ) : (
        <div role="region" aria-label="Tenant margins (scrolls sideways)" tabIndex={0} className={cn("overflow-x-auto", focusRing)}>
          <table className="w-full min-w-[60rem] text-left text-sm [&_td]:whitespace-nowrap [&_thead_th]:whitespace-nowrap">
            <caption className="sr-only">
              Revenue, {costLabel.toLowerCase()} and margin per tenant. Column headers sort the table.
            </caption>
            <thead className="bg-zinc-50 text-xs font-medium text-zinc-600">
              <tr>
                {COLUMNS.map((c) => {
                  const direction = sort.key === c.key ? sort.direction : "none";
                  return (
                    <th
                      key={c.key}
                      scope="col"
                      aria-sort={direction}
                      className={cn("px-3 py-2 first:sticky first:left-0 first:z-10 first:bg-zinc-50 first:pl-5 sm:first:pl-6", c.numeric && "text-right")}
                    >
                      <button
                        type="button"
                        onClick={() => toggleSort(c.key, c.first)}
                        className={cn(
                          "inline-flex items-center gap-1 rounded px-1 py-1 font-medium hover:text-zinc-900",
                          direction !== "none" && "text-zinc-900",
                          c.numeric && "flex-row-reverse",
                          focusRing,
                        )}
                      >
                        {c.key === "cost" ? costLabel : c.key === "revenue" ? revenueLabel : c.label}
                        <SortIcon direction={direction} className={cn("size-3.5", direction === "none" ? "text-zinc-400" : "text-indigo-600")} />
                      </button>
                    </th>
                  );
                })}
                <th scope="col" className="px-3 py-2 pr-5 sm:pr-6">
                  Change plan or delete
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100">
              {rows.map((t) => (
                <tr
                  key={`${t.tenantId}:${t.planId ?? ""}`}
                  data-tenant={t.slug ?? t.tenantId}
                  data-deleted={t.deleted || undefined}
                  data-flag={t.flag ?? "none"}
                  className={cn(t.flag === "negative" ? "bg-red-50" : t.flag === "thin" ? "bg-amber-50" : "bg-white")}
                >
                  {/* Sticky on narrow screens so the row stays named while the numbers scroll. */}
                  <th
                    scope="row"
                    className={cn(
                      "sticky left-0 z-10 border-l-4 py-2.5 pr-3 pl-5 font-normal sm:pl-6",
                      t.flag === "negative" ? "border-l-red-500 bg-red-50" : t.flag === "thin" ? "border-l-amber-500 bg-amber-50" : "border-l-transparent bg-white",
                    )}
                  >
                    <div className={cn("font-medium", t.deleted ? "text-zinc-600 italic" : "text-zinc-900")}>{t.name}</div>
                    <div className="flex flex-wrap items-center gap-1.5 text-xs text-zinc-600">
                      <span>{t.slug === null ? "deleted · billing ledger only" : `/w/${t.slug}`}</span>
                      <MarginFlagBadge flag={t.flag} free={t.revenueMicros === 0} />
                    </div>
                    {(t.estimated > 0 || t.priceMissing > 0) && (
                      <div className="text-xs text-amber-800" data-column="data-quality">
                        {[t.estimated > 0 && `${formatInteger(t.estimated)} estimated`, t.priceMissing > 0 && `${formatInteger(t.priceMissing)} unpriced`].filter(Boolean).join(" · ")}
                      </div>
                    )}
                  </th>
                  <td className="px-3 py-2.5 text-zinc-700">{t.planName ?? <span className="text-zinc-500">no plan</span>}</td>
                  <td className="px-3 py-2.5 text-right tabular-nums" data-value={t.revenueMicros}>
                    {t.revenueMicros === 0 ? <span className="text-zinc-600">$0.00</span> : formatUsd(t.revenueMicros)}
                  </td>
                  <td className={cn("px-3 py-2.5 text-right tabular-nums", t.revenueMicros === 0 && t.costMicros > 0 && "font-medium text-red-700")} data-value={t.costMicros}>
                    {formatUsd(t.costMicros)}
                  </td>
                  <td className={cn("px-3 py-2.5 text-right font-medium tabular-nums", t.marginMicros < 0 ? "text-red-700" : "text-zinc-900")} data-column="margin" data-value={t.marginMicros}>
                    {formatUsd(t.marginMicros)}
                  </td>
                  <td className={cn("px-3 py-2.5 text-right tabular-nums", t.flag === "thin" && "font-medium text-amber-800", t.flag === "negative" && "font-medium text-red-700")}>
                    {t.marginPct === null ? <span className="text-zinc-600">free plan</span> : formatPercent(t.marginPct / 100)}
                  </td>
                  <td className="px-3 py-2.5 text-right text-zinc-700 tabular-nums" title={`${t.tokens.toLocaleString("en-US")} tokens, ${t.requests.toLocaleString("en-US")} requests`}>
                    {formatCompact(t.tokens)}
                  </td>
                  <td className="px-3 py-2 pr-5 sm:pr-6">
                    {t.slug === null || t.planId === null ? (
                      <span className="text-xs text-zinc-500">Deleted</span>
                    ) : (
                      <div className="flex items-center gap-2">
                        <PlanCell tenant={{ ...t, planId: t.planId, planName: t.planName ?? t.planId }} plans={plans} onChanged={setNotice} />
                        <DeleteTenantButton tenantId={t.tenantId} name={t.name} slug={t.slug} onDeleted={setNotice} />
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

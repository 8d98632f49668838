"use client";

import { Cell, Pie, PieChart, ResponsiveContainer, Tooltip } from "recharts";
import { formatCompact, formatPercent, formatUsd } from "@/lib/format";
import type { ModelCost } from "@/lib/staff/margins";

/** Distinct in hue and lightness; the legend table carries every number, so colour is never the only key. */
const COLOURS = ["#4f46e5", "#0891b2", "#d97706", "#db2777", "#059669", "#7c3aed", "#52525b", "#65a30d"];

export interface CostMixEntry extends ModelCost {
  displayName: string;
}

export function CostMixChart({ models }: { models: CostMixEntry[] }) {
  const total = models.reduce((s, m) => s + m.costMicros, 0);
  return (
    <div className="flex flex-col items-center gap-5 sm:flex-row sm:items-start lg:flex-col lg:items-stretch">
      <div className="relative size-44 shrink-0 self-center">
        <ResponsiveContainer width="100%" height="100%">
          <PieChart title="API cost by model">
            <Pie data={models} dataKey="costMicros" nameKey="displayName" innerRadius="62%" outerRadius="100%" paddingAngle={models.length > 1 ? 1 : 0} stroke="none" isAnimationActive={false}>
              {models.map((m, i) => (
                <Cell key={m.model} fill={COLOURS[i % COLOURS.length]} />
              ))}
            </Pie>
            <Tooltip formatter={(value, name) => [formatUsd(Number(value)), name]} contentStyle={{ borderRadius: 8, borderColor: "#e4e4e7", fontSize: 13 }} />
          </PieChart>
        </ResponsiveContainer>
        <div aria-hidden="true" className="pointer-events-none absolute inset-0 flex flex-col items-center justify-center">
          <span className="text-xs text-zinc-500">Total</span>
          <span className="text-sm font-semibold text-zinc-900 tabular-nums">{formatUsd(total)}</span>
        </div>
      </div>
      <table className="w-full text-sm">
        <caption className="sr-only">API cost by model this month</caption>
        <thead className="text-xs text-zinc-500">
          <tr>
            <th scope="col" className="pb-1.5 text-left font-medium">
              Model
            </th>
            <th scope="col" className="pb-1.5 text-right font-medium">
              Cost
            </th>
            <th scope="col" className="pb-1.5 text-right font-medium">
              Share
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100">
          {models.map((m, i) => (
            <tr key={m.model}>
              <th scope="row" className="py-1.5 pr-2 text-left font-normal">
                <span className="flex items-center gap-2">
                  <span aria-hidden="true" className="size-2.5 shrink-0 rounded-sm" style={{ backgroundColor: COLOURS[i % COLOURS.length] }} />
                  <span className="min-w-0">
                    <span className="block truncate text-zinc-900">{m.displayName}</span>
                    <span className="block text-xs text-zinc-500">{formatCompact(m.tokens)} tokens</span>
                  </span>
                </span>
              </th>
              <td className="py-1.5 text-right whitespace-nowrap text-zinc-900 tabular-nums">{formatUsd(m.costMicros)}</td>
              <td className="py-1.5 pl-2 text-right whitespace-nowrap text-zinc-600 tabular-nums">{formatPercent(m.share)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

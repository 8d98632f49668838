"use client";

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatDay, formatUsd, formatUsdCompact } from "@/lib/format";
import type { MarginPoint } from "@/lib/staff/margins";

const REVENUE = "#4f46e5"; // indigo-600
const COST = "#dc2626"; // red-600

/** Revenue (plan price spread per day) against API cost per day; cost is dashed so the lines differ by more than colour. */
export function MarginChart({ points, title }: { points: MarginPoint[]; title: string }) {
  const revenue = points.reduce((s, p) => s + p.revenueMicros, 0);
  const cost = points.reduce((s, p) => s + p.costMicros, 0);
  const lossDays = points.filter((p) => p.marginMicros < 0).length;

  return (
    <figure>
      <div className="h-72 w-full">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={points} margin={{ top: 8, right: 12, bottom: 20, left: 8 }} title={`${title}: revenue and API cost per day`}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e4e4e7" vertical={false} />
            <XAxis
              dataKey="day"
              tickFormatter={formatDay}
              minTickGap={28}
              tick={{ fontSize: 12, fill: "#52525b" }}
              tickLine={false}
              axisLine={{ stroke: "#d4d4d8" }}
              label={{ value: "Day (tenant-local date)", position: "insideBottom", offset: -12, fontSize: 12, fill: "#52525b" }}
            />
            <YAxis
              tickFormatter={(v: number) => formatUsdCompact(v)}
              width={64}
              tick={{ fontSize: 12, fill: "#52525b" }}
              tickLine={false}
              axisLine={false}
              label={{ value: "USD per day", angle: -90, position: "insideLeft", offset: 4, fontSize: 12, fill: "#52525b", style: { textAnchor: "middle" } }}
            />
            <Tooltip
              formatter={(value, name) => [formatUsd(Number(value)), name]}
              labelFormatter={(label) => formatDay(String(label))}
              contentStyle={{ borderRadius: 8, borderColor: "#e4e4e7", fontSize: 13 }}
            />
            <Legend verticalAlign="top" height={32} iconType="plainline" wrapperStyle={{ fontSize: 13 }} />
            <Line type="linear" dataKey="revenueMicros" name="Revenue (plan price per day)" stroke={REVENUE} strokeWidth={2} dot={false} isAnimationActive={false} />
            <Line type="linear" dataKey="costMicros" name="API cost" stroke={COST} strokeWidth={2} strokeDasharray="5 3" dot={false} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="mt-3 text-sm text-zinc-600">
        {title}: revenue {formatUsd(revenue)}, API cost {formatUsd(cost)}, margin {formatUsd(revenue - cost)} over {points.length} days
        {lossDays > 0 ? `; cost exceeded revenue on ${lossDays} ${lossDays === 1 ? "day" : "days"}.` : "."}
      </figcaption>
      <details className="mt-2 text-sm">
        <summary className="cursor-pointer rounded text-indigo-700 hover:text-indigo-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
          Show the numbers
        </summary>
        <div role="region" aria-label="Daily revenue and cost" tabIndex={0} className="mt-2 max-h-64 overflow-auto rounded-lg ring-1 ring-zinc-200 focus-visible:outline-2 focus-visible:outline-indigo-600">
          <table className="w-full text-left text-sm">
            <thead className="sticky top-0 bg-zinc-50 text-xs text-zinc-600">
              <tr>
                <th scope="col" className="px-3 py-1.5 font-medium">
                  Day
                </th>
                <th scope="col" className="px-3 py-1.5 text-right font-medium">
                  Revenue
                </th>
                <th scope="col" className="px-3 py-1.5 text-right font-medium">
                  API cost
                </th>
                <th scope="col" className="px-3 py-1.5 text-right font-medium">
                  Margin
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 tabular-nums">
              {points.map((p) => (
                <tr key={p.day}>
                  <th scope="row" className="px-3 py-1 font-normal">
                    {p.day}
                  </th>
                  <td className="px-3 py-1 text-right">{formatUsd(p.revenueMicros)}</td>
                  <td className="px-3 py-1 text-right">{formatUsd(p.costMicros)}</td>
                  <td className={p.marginMicros < 0 ? "px-3 py-1 text-right text-red-700" : "px-3 py-1 text-right"}>{formatUsd(p.marginMicros)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

"use client";

import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatCompact, formatDay, formatDayLong, formatInteger, formatUsd, formatUsdCompact } from "@/lib/format";

/**
 * The usage page's charts (recharts draws in the browser). Each sits inside a ChartFigure
 * that names it and carries the same numbers as a table for screen readers; the chart
 * itself is focusable (recharts' accessibility layer: arrow keys move the tooltip).
 */
const SERIES_COLORS = ["#4f46e5", "#059669", "#d97706", "#0284c7", "#db2777", "#7c3aed"];

const AXIS = { fontSize: 12, fill: "#52525b" };
const GRID = "#e4e4e7";
const HEIGHT = 260;
/** Series names in text colour (the swatch carries the series colour): lighter hues fail contrast as text. */
const TEXT = "#3f3f46";
const legendText = (value: string) => <span style={{ color: TEXT }}>{value}</span>;
const TOOLTIP = { contentStyle: { borderRadius: 8, fontSize: 13 }, itemStyle: { color: TEXT }, labelStyle: { color: "#18181b", fontWeight: 600 } };

export interface ModelSeries {
  key: string;
  label: string;
}

export interface TokensPoint {
  day: string;
  [model: string]: number | string;
}

export function TokensByModelChart({ data, models, label }: { data: TokensPoint[]; models: ModelSeries[]; label: string }) {
  return (
    <ResponsiveContainer width="100%" height={HEIGHT}>
      <AreaChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} aria-label={label}>
        <CartesianGrid stroke={GRID} vertical={false} />
        <XAxis dataKey="day" tickFormatter={formatDay} tick={AXIS} tickLine={false} axisLine={{ stroke: GRID }} minTickGap={24} />
        <YAxis
          tickFormatter={(v: number) => formatCompact(v)}
          tick={AXIS}
          tickLine={false}
          axisLine={false}
          width={52}
          label={{ value: "Tokens", angle: -90, position: "insideLeft", style: { ...AXIS, textAnchor: "middle" }, offset: 4 }}
        />
        <Tooltip
          labelFormatter={(day) => formatDayLong(String(day))}
          formatter={(value, name) => [`${formatInteger(Number(value))} tokens`, String(name)]}
          {...TOOLTIP}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} formatter={legendText} />
        {models.map((m, i) => (
          <Area
            key={m.key}
            type="monotone"
            dataKey={m.key}
            name={m.label}
            stackId="tokens"
            stroke={SERIES_COLORS[i % SERIES_COLORS.length]}
            fill={SERIES_COLORS[i % SERIES_COLORS.length]}
            fillOpacity={0.25}
            strokeWidth={1.5}
            isAnimationActive={false}
          />
        ))}
      </AreaChart>
    </ResponsiveContainer>
  );
}

export function CostPerDayChart({ data, label }: { data: Array<{ day: string; costMicros: number }>; label: string }) {
  return (
    <ResponsiveContainer width="100%" height={HEIGHT}>
      <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} aria-label={label}>
        <CartesianGrid stroke={GRID} vertical={false} />
        <XAxis dataKey="day" tickFormatter={formatDay} tick={AXIS} tickLine={false} axisLine={{ stroke: GRID }} minTickGap={24} />
        <YAxis
          tickFormatter={(v: number) => formatUsdCompact(v)}
          tick={AXIS}
          tickLine={false}
          axisLine={false}
          width={52}
          label={{ value: "Cost (USD)", angle: -90, position: "insideLeft", style: { ...AXIS, textAnchor: "middle" }, offset: 4 }}
        />
        <Tooltip
          labelFormatter={(day) => formatDayLong(String(day))}
          formatter={(value) => [formatUsd(Number(value)), "Cost"]}
          cursor={{ fill: "#f4f4f5" }}
          {...TOOLTIP}
        />
        <Bar dataKey="costMicros" name="Cost" fill={SERIES_COLORS[0]} radius={[3, 3, 0, 0]} isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}

export interface BreakdownDatum {
  label: string;
  tokens: number;
  requests: number;
  costMicros: number;
}

/** Horizontal bars of tokens per category (request type, user); the tooltip adds requests and cost. */
export function BreakdownBarChart({ data, label }: { data: BreakdownDatum[]; label: string }) {
  const height = Math.max(120, 44 * data.length + 40);
  return (
    <ResponsiveContainer width="100%" height={height}>
      <BarChart data={data} layout="vertical" margin={{ top: 4, right: 16, bottom: 16, left: 0 }} aria-label={label}>
        <CartesianGrid stroke={GRID} horizontal={false} />
        <XAxis
          type="number"
          tickFormatter={(v: number) => formatCompact(v)}
          tick={AXIS}
          tickLine={false}
          axisLine={{ stroke: GRID }}
          label={{ value: "Tokens", position: "insideBottom", offset: -10, style: AXIS }}
        />
        <YAxis type="category" dataKey="label" tick={AXIS} tickLine={false} axisLine={false} width={110} />
        <Tooltip
          cursor={{ fill: "#f4f4f5" }}
          {...TOOLTIP}
          formatter={(value, _name, item) => {
            const d = item.payload as BreakdownDatum;
            return [`${formatInteger(Number(value))} tokens · ${formatInteger(d.requests)} requests · ${formatUsd(d.costMicros)}`, "Usage"];
          }}
        />
        <Bar dataKey="tokens" name="Tokens" fill={SERIES_COLORS[0]} radius={[0, 3, 3, 0]} isAnimationActive={false} barSize={22} />
      </BarChart>
    </ResponsiveContainer>
  );
}

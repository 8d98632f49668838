import type { Metadata } from "next";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { GaugeIcon } from "@/components/ui/icons";
import { ChartFigure } from "@/components/usage/chart-figure";
import { ExportForm } from "@/components/usage/export-form";
import { KeyUsageSection } from "@/components/usage/key-usage";
import { DataQualityNotice, KpiCards } from "@/components/usage/kpi-cards";
import { HeadroomMeters, QuotaMeter } from "@/components/usage/limits-panel";
import { SegmentedLinks } from "@/components/usage/range-switcher";
import { RoutingOutcomes } from "@/components/usage/routing-outcomes";
import { BreakdownBarChart, CostPerDayChart, TokensByModelChart, type TokensPoint } from "@/components/usage/usage-charts";
import { UsageNotices } from "@/components/usage/usage-notices";
import { userLabel, UserUsageTable } from "@/components/usage/user-usage";
import { PageHeader } from "@/components/workspace/page-header";
import { firstParam, type SearchParams } from "@/lib/api/search-params";
import { formatDay, formatDayLong, formatInteger, formatUsd } from "@/lib/format";
import { requireWorkspace } from "@/lib/tenancy/require-workspace";
import { hasRole } from "@/lib/tenancy/workspace";
import { readUsageByKey } from "@/lib/usage/by-key";
import { DASHBOARD_RANGES, getUsageDashboard, isDashboardDays, type DashboardDays, type UsageDashboard } from "@/lib/usage/dashboard";

export const metadata: Metadata = { title: "Usage" };

const TOP_USERS_CHARTED = 10;

export default async function UsagePage({ params, searchParams }: { params: Promise<{ slug: string }>; searchParams: SearchParams }) {
  const { slug } = await params;
  const query = await searchParams;
  const { user, workspace } = await requireWorkspace(slug, "member", `/w/${slug}/usage`);
  const isAdmin = hasRole(workspace.role, "admin");
  const requestedDays = Number(firstParam(query.days));
  const days: DashboardDays = isDashboardDays(requestedDays) ? requestedDays : 30;
  // Admins see the workspace and may narrow to themselves; members only ever see their own.
  const scope = isAdmin && firstParam(query.view) !== "me" ? "tenant" : "self";

  const dashboard = await getUsageDashboard(
    { tenantId: workspace.tenantId, userId: user.id, role: workspace.role, planId: workspace.planId },
    { days, scope },
  );
  // Admins viewing the workspace also see the split by API key.
  const keyUsage = scope === "tenant" ? await readUsageByKey({ tenantId: workspace.tenantId, userId: user.id }, dashboard.from, dashboard.to) : [];
  const base = `/w/${workspace.slug}/usage`;
  const href = (d: DashboardDays, view: "me" | null) => `${base}?days=${d}${view ? `&view=${view}` : ""}`;
  const viewParam = scope === "self" && isAdmin ? "me" : null;
  const hasUsage = dashboard.totals.requests > 0;

  return (
    <main className="mx-auto w-full max-w-6xl space-y-6 px-4 py-8 sm:px-6 sm:py-10">
      <PageHeader
        title="Usage"
        description={
          <>
            {scope === "tenant" ? `Everyone in ${workspace.name}` : "Your own usage"}, {formatDayLong(dashboard.from)} – {formatDayLong(dashboard.to)}. Days and months are in the tenant time zone ({dashboard.timeZone}). Calls still running are counted once they finish.
          </>
        }
        actions={
          <div className="flex flex-wrap gap-2">
            {isAdmin && (
              <SegmentedLinks
                label="Whose usage"
                options={[
                  { label: "Workspace", href: href(days, null), active: scope === "tenant" },
                  { label: "Only me", href: href(days, "me"), active: scope === "self" },
                ]}
              />
            )}
            <SegmentedLinks
              label="Date range"
              options={DASHBOARD_RANGES.map((d) => ({ label: `${d} days`, href: href(d, viewParam), active: d === days }))}
            />
          </div>
        }
      />

      <UsageNotices notices={dashboard.notices} timeZone={dashboard.timeZone} />

      {hasUsage ? (
        <>
          <KpiCards dashboard={dashboard} />
          <DataQualityNotice estimated={dashboard.totals.estimated} priceMissing={dashboard.totals.priceMissing} />
          <TokensFigure dashboard={dashboard} />
          <div className="grid gap-6 lg:grid-cols-2">
            <ChartFigure
              id="cost-per-day"
              title="Cost per day"
              description="List price of every call, in US dollars."
              table={{ caption: "Cost per day", columns: ["Day", "Cost"], rows: dashboard.daily.map((d) => [formatDay(d.day), formatUsd(d.costMicros)]) }}
            >
              <CostPerDayChart data={dashboard.daily.map((d) => ({ day: d.day, costMicros: d.costMicros }))} label="Cost per day, bar chart" />
            </ChartFigure>
            <ChartFigure
              id="by-request-type"
              title="By request type"
              description="Chat in the app, calls through API keys, and background work."
              table={{
                caption: "Usage by request type",
                columns: ["Request type", "Tokens", "Requests", "Cost"],
                rows: dashboard.requestTypes.map((t) => [t.label, formatInteger(t.tokens), formatInteger(t.requests), formatUsd(t.costMicros)]),
              }}
            >
              <BreakdownBarChart
                data={dashboard.requestTypes.map((t) => ({ label: t.label, tokens: t.tokens, requests: t.requests, costMicros: t.costMicros }))}
                label="Tokens by request type, bar chart"
              />
            </ChartFigure>
          </div>
          {dashboard.routing && <RoutingOutcomes outcomes={dashboard.routing} />}
          {dashboard.users && <UsersSection dashboard={dashboard} />}
          {keyUsage.length > 0 && <KeyUsageSection keys={keyUsage} />}
        </>
      ) : (
        <EmptyState
          icon={<GaugeIcon className="size-6" />}
          title="No usage in this range"
          description={scope === "tenant" ? "Nobody in this workspace has used the assistant in these days. Try a longer range." : "You haven’t used the assistant in these days. Try a longer range."}
        />
      )}

      <div className="grid gap-6 lg:grid-cols-2">
        <QuotaMeter quota={dashboard.quota} timeZone={dashboard.timeZone} />
        <HeadroomMeters headroom={dashboard.headroom} />
      </div>

      <Card>
        <CardHeader>
          <h2 className="font-semibold text-zinc-900">Export usage</h2>
          <p className="mt-1 text-sm text-zinc-600">
            {scope === "tenant" ? "Every finished call in the workspace" : "Every finished call you made"}, one row each, as CSV (up to 366 days). Dates are in the tenant time zone ({dashboard.timeZone}): each row has its local date and zone, and its UTC instant; an <code>estimated</code> column marks figures we estimated.
          </p>
        </CardHeader>
        <CardBody>
          <ExportForm action={`/api/w/${workspace.slug}/usage/export`} defaultFrom={dashboard.from} defaultTo={dashboard.to} today={dashboard.to} scope={scope === "self" && isAdmin ? "self" : undefined} />
        </CardBody>
      </Card>
    </main>
  );
}

function TokensFigure({ dashboard }: { dashboard: UsageDashboard }) {
  const models = dashboard.models.map((m) => ({ key: m.key, label: m.label }));
  const data: TokensPoint[] = dashboard.daily.map((d) => ({ day: d.day, ...Object.fromEntries(models.map((m) => [m.key, d.tokensByModel[m.key] ?? 0])) }));
  return (
    <ChartFigure
      id="tokens-per-day"
      title="Tokens per day by model"
      description="Input, output and cache tokens, stacked by model."
      table={{
        caption: "Tokens per day by model",
        columns: ["Day", ...models.map((m) => m.label), "Total"],
        rows: dashboard.daily.map((d) => [formatDay(d.day), ...models.map((m) => formatInteger(d.tokensByModel[m.key] ?? 0)), formatInteger(d.tokens)]),
      }}
    >
      <TokensByModelChart data={data} models={models} label="Tokens per day by model, stacked area chart" />
    </ChartFigure>
  );
}

function UsersSection({ dashboard }: { dashboard: UsageDashboard }) {
  const users = dashboard.users ?? [];
  const charted = users.slice(0, TOP_USERS_CHARTED);
  return (
    <section aria-labelledby="by-user-title">
      <Card className="min-w-0">
        <CardHeader>
          <h2 id="by-user-title" className="font-semibold text-zinc-900">
            By member
          </h2>
          <p className="mt-1 text-sm text-zinc-600">Only admins and owners see this. {users.length > TOP_USERS_CHARTED ? `The chart shows the top ${TOP_USERS_CHARTED}.` : ""}</p>
        </CardHeader>
        <figure
          aria-label="Tokens by member, bar chart"
          className="m-0 px-2 pt-4 sm:px-4 [&_.recharts-surface:focus-visible]:outline-2 [&_.recharts-surface:focus-visible]:outline-offset-2 [&_.recharts-surface:focus-visible]:outline-indigo-600"
        >
          <BreakdownBarChart
            data={charted.map((u) => ({ label: userLabel(u), tokens: u.tokens, requests: u.requests, costMicros: u.costMicros }))}
            label="Tokens by member, bar chart (the table below has the numbers)"
          />
        </figure>
        <UserUsageTable users={users} totalTokens={dashboard.totals.tokens} />
      </Card>
    </section>
  );
}

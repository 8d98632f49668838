import type { Metadata } from "next";
import type { ReactNode } from "react";
import { z } from "zod";
import { AccountUtilisation } from "@/components/staff/account-utilisation";
import { AlertHistory } from "@/components/staff/alert-history";
import { AnomalyList } from "@/components/staff/anomaly-list";
import { RoutingSavingsTable } from "@/components/staff/routing-savings";
import { SecurityCounts } from "@/components/staff/security-counts";
import { CostMixChart } from "@/components/staff/cost-mix-chart";
import { JobQueues } from "@/components/staff/job-queues";
import { DataQualityNote, KpiCards, ProjectionCards } from "@/components/staff/kpi-cards";
import { MarginChart } from "@/components/staff/margin-chart";
import { OversubscriptionSummary } from "@/components/staff/oversubscription-summary";
import { PriceBookEditor, type ModelPricesView, type PriceRowView } from "@/components/staff/price-book-editor";
import { TenantTable } from "@/components/staff/tenant-table";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Input, Select } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { PageHeader } from "@/components/workspace/page-header";
import { firstParam, type SearchParams } from "@/lib/api/search-params";
import { formatDay, formatMonth } from "@/lib/format";
import { getJobQueueStatus } from "@/lib/jobs/status";
import { modelDisplayName } from "@/lib/llm/models";
import { getAccountOverview } from "@/lib/staff/account";
import { listStaffAnomalies } from "@/lib/staff/anomalies";
import { listSecurityCounts } from "@/lib/staff/security";
import { requireStaff } from "@/lib/staff/guard";
import { currentMonth, deletedTenantLabel, getMarginOverview, parseMonth } from "@/lib/staff/margins";
import { listPrices, type PriceView } from "@/lib/staff/price-book";
import { getRoutingSavings } from "@/lib/staff/routing-savings";
import { listPlans } from "@/lib/tenancy/plans";

export const metadata: Metadata = { title: "Staff console" };

function Section({
  id,
  title,
  description,
  children,
  actions,
  className,
}: {
  id: string;
  title: string;
  description?: ReactNode;
  children: ReactNode;
  actions?: ReactNode;
  className?: string;
}) {
  return (
    <Card aria-labelledby={id} role="region" className={className}>
      <CardHeader className="flex flex-wrap items-end justify-between gap-3">
        <div className="min-w-0">
          <h2 id={id} className="font-semibold text-zinc-900">
            {title}
          </h2>
          {description && <p className="mt-1 text-sm text-zinc-600">{description}</p>}
        </div>
        {actions}
      </CardHeader>
      {children}
    </Card>
  );
}

function toRow(p: PriceView): PriceRowView {
  return {
    id: p.id,
    effectiveFrom: p.effectiveFrom.toISOString(),
    inputMicrosPerMTok: p.inputMicrosPerMTok,
    outputMicrosPerMTok: p.outputMicrosPerMTok,
    cacheWrite5mMicrosPerMTok: p.cacheWrite5mMicrosPerMTok,
    cacheWrite1hMicrosPerMTok: p.cacheWrite1hMicrosPerMTok,
    cacheReadMicrosPerMTok: p.cacheReadMicrosPerMTok,
  };
}

/** The first instant of next month (UTC) as a datetime-local value: the usual day a price changes. */
function nextMonthStart(now: Date): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString().slice(0, 16);
}

export default async function StaffPage({ searchParams }: { searchParams: SearchParams }) {
  const staff = await requireStaff();
  const params = await searchParams;
  const now = new Date();
  const thisMonth = currentMonth(now);
  const asked = parseMonth(firstParam(params.month));
  // A future month has nothing to show yet; fall back to this one.
  const month = asked && asked <= thisMonth ? asked : thisMonth;
  const tenantParam = z.uuid().safeParse(firstParam(params.tenant));
  const focusId = tenantParam.success ? tenantParam.data : undefined;

  const [overview, account, anomalies, securityCounts, prices, plans, routingSavings, jobQueues] = await Promise.all([
    getMarginOverview(staff.id, { month, tenantId: focusId, now }),
    getAccountOverview(staff.id, { now }),
    listStaffAnomalies(staff.id, { limit: 25 }),
    listSecurityCounts(staff.id, { now }),
    listPrices(staff.id, now),
    listPlans(),
    getRoutingSavings(staff.id, { month }),
    getJobQueueStatus().catch((error: unknown) => {
      console.error("[staff] job queue status failed", error);
      return null;
    }),
  ]);

  const isCurrent = overview.isCurrentMonth;
  const costLabel = isCurrent ? "Cost MTD" : "Cost";
  const revenueLabel = isCurrent ? "Revenue MTD" : "Revenue";
  const focus = overview.tenants.find((t) => t.tenantId === overview.series.tenantId) ?? null;
  const seriesTitle = focus ? focus.name : "All tenants";
  const planOptions = [...plans]
    .sort((a, b) => Number(a.monthlyPriceMicros - b.monthlyPriceMicros))
    .map((p) => ({ id: p.id, name: p.name, monthlyPriceMicros: Number(p.monthlyPriceMicros) }));
  const models: ModelPricesView[] = prices.map((m) => ({
    model: m.model,
    displayName: modelDisplayName(m.model),
    current: m.current ? toRow(m.current) : null,
    upcoming: m.upcoming.map(toRow),
    superseded: m.superseded,
  }));
  const monthName = formatMonth(overview.month);

  return (
    <main className="mx-auto w-full max-w-7xl space-y-6 px-4 py-8 sm:px-6 sm:py-10">
      <PageHeader
        title="Staff console"
        description="Margins, account headroom, anomalies and prices across every workspace, in UTC: months and days are UTC ones (the provider’s invoice month). Conversations are not visible here: the staff role has no access to them."
        actions={
          <form method="get" className="flex items-end gap-2">
            {focusId && <input type="hidden" name="tenant" value={focusId} />}
            <div>
              <Label htmlFor="staff-month">Month (UTC)</Label>
              <Input id="staff-month" name="month" type="month" max={thisMonth} defaultValue={overview.month} className="mt-1.5 w-44" />
            </div>
            <Button type="submit" variant="secondary">
              Show
            </Button>
          </form>
        }
      />

      <section aria-label={`Totals for ${monthName}`} className="space-y-3">
        <KpiCards
          totals={overview.totals}
          costNote={isCurrent ? `${monthName} UTC, month to date (through ${formatDay(overview.throughDay)})` : `${monthName} UTC, whole month`}
          revenueNote={isCurrent ? `prorated by day, through ${formatDay(overview.throughDay)} UTC` : "prorated by day (UTC)"}
        />
        <DataQualityNote estimated={overview.totals.estimated} priceMissing={overview.totals.priceMissing} />
      </section>

      {isCurrent && (
        <Section
          id="projection-heading"
          title={`Projection to the end of ${monthName}`}
          description="Not a figure: revenue if today’s plans run to the month’s last day, cost at the month-to-date run rate."
        >
          <CardBody>
            {overview.totals.projection ? (
              <ProjectionCards projection={overview.totals.projection} monthName={monthName} />
            ) : (
              <p className="text-sm text-zinc-600">Too early in the month to project: the first hour tells nothing about the rest.</p>
            )}
          </CardBody>
        </Section>
      )}

      <Section
        id="jobs-heading"
        title="Background jobs"
        description="pg-boss queues on the application database: ingestion, summaries and memory proposals per tenant, the sweeper, anomaly detection and rollups on schedules. A failed job has used all its retries; a document's failure is also shown to its tenant's admins."
      >
        <JobQueues queues={jobQueues} />
      </Section>

      <Section
        id="tenants-heading"
        title={`Tenants · ${monthName}`}
        description={`Revenue is each plan’s monthly price × the UTC days it was assigned in the month ÷ the month’s days: the day of a plan change counts for the new plan, a tenant created on the 20th pays from the 20th, and a plan change never rewrites a past month. Rows in red lose money; amber ones keep under 20 %. Deleted workspaces keep their past months under a pseudonym.`}
      >
        <TenantTable tenants={overview.tenants} plans={planOptions} costLabel={costLabel} revenueLabel={revenueLabel} />
      </Section>

      <div className="grid gap-6 lg:grid-cols-3">
        <Section
          id="margin-chart-heading"
          className="lg:col-span-2"
          title="Margin over time"
          description={`${overview.series.from} to ${overview.series.to} (UTC days): each day’s plan revenue (monthly price ÷ the month’s days) against API cost.`}
          actions={
            <form method="get" className="flex items-end gap-2">
              <input type="hidden" name="month" value={overview.month} />
              <div>
                <Label htmlFor="chart-tenant">Show</Label>
                <Select id="chart-tenant" name="tenant" defaultValue={overview.series.tenantId ?? ""} className="mt-1.5 w-48">
                  <option value="">All tenants</option>
                  {overview.tenants.map((t) => (
                    <option key={t.tenantId} value={t.tenantId}>
                      {t.name}
                    </option>
                  ))}
                </Select>
              </div>
              <Button type="submit" variant="secondary">
                Update
              </Button>
            </form>
          }
        >
          <CardBody>
            <MarginChart points={overview.series.points} title={seriesTitle} />
          </CardBody>
        </Section>

        <Section id="cost-mix-heading" title="Cost by model" description={`${monthName}${isCurrent ? ", month to date" : ""}.`}>
          <CardBody>
            {overview.costByModel.length === 0 ? (
              <EmptyState title="No API cost yet" description="No calls were recorded in this month." />
            ) : (
              <CostMixChart models={overview.costByModel.map((m) => ({ ...m, displayName: modelDisplayName(m.model) }))} />
            )}
          </CardBody>
        </Section>
      </div>

      <Section
        id="routing-savings-heading"
        title={`Model routing savings · ${monthName} (estimate)`}
        description="An estimate, not a billed figure: the tokens of every routed call priced from the price book at the model that answered and at the model of the tenant’s tier default, on the same tokens (the default model would not have written exactly those). Each UTC day is priced at that day’s noon price."
      >
        <RoutingSavingsTable savings={routingSavings} />
      </Section>

      <div className="grid gap-6 lg:grid-cols-2">
        <Section id="utilisation-heading" title="Account utilisation" description="The Anthropic account’s rate limits, from the latest response headers.">
          <CardBody>
            <AccountUtilisation metrics={account.metrics} observedAt={account.observedAt} />
          </CardBody>
        </Section>
        <Section id="oversubscription-heading" title="Oversubscription" description="What the plans sold allow per minute, against what the account can serve.">
          <CardBody>
            <OversubscriptionSummary value={account.oversubscription} />
          </CardBody>
        </Section>
      </div>

      <Section id="alerts-heading" title="Alert history" description="Each time a limit’s utilisation crossed 50, 70 or 90 %, and when it fell back.">
        <AlertHistory alerts={account.alerts} />
      </Section>

      <Section id="anomalies-heading" title="Anomalies" description="Hours in which a tenant used far more tokens than its usual hourly level.">
        <AnomalyList
          anomalies={anomalies.map((a) => ({
            id: `${a.tenantId}:${a.id}`,
            tenantName: a.tenantName ?? deletedTenantLabel(a.tenantId),
            tenantSlug: a.tenantSlug,
            hourStart: a.hourStart,
            tokens: a.tokens,
            baselineTokensPerHour: a.baselineTokensPerHour,
            ratio: a.ratio,
            securityEvents: a.securityEvents,
          }))}
        />
      </Section>

      <Section id="security-heading" title="Security events" description="Flagged, blocked and cut turns per tenant (prompt-injection screen and leak watch). Counts only: the content stays with each tenant’s admins.">
        <SecurityCounts
          tenants={securityCounts.map((t) => ({ ...t, tenantName: t.tenantName ?? deletedTenantLabel(t.tenantId) }))}
        />
      </Section>

      <Section id="prices-heading" title="Price book" description="What each model costs us per million tokens, now and from scheduled dates.">
        <PriceBookEditor models={models} defaultEffectiveFrom={nextMonthStart(now)} />
      </Section>
    </main>
  );
}

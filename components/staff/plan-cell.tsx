"use client";

import { useState, useTransition } from "react";
import { assignPlanAction } from "@/app/staff/actions";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Select } from "@/components/ui/input";
import { formatUsd } from "@/lib/format";
import type { TenantMargin } from "@/lib/staff/margins";

export interface PlanOption {
  id: string;
  name: string;
  monthlyPriceMicros: number;
}

/**
 * Pick a plan, then press Change, then confirm. Changing the select alone does nothing:
 * arrow keys on a closed select fire change events, so a dialog on change would trap keyboard users.
 */
export function PlanCell({
  tenant,
  plans,
  onChanged,
}: {
  tenant: Pick<TenantMargin, "tenantId" | "name" | "revenueMicros"> & { planId: string; planName: string };
  plans: PlanOption[];
  onChanged: (message: string) => void;
}) {
  const [choice, setChoice] = useState(tenant.planId);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const from = plans.find((p) => p.id === tenant.planId);
  const to = plans.find((p) => p.id === choice);

  const confirm = () =>
    startTransition(async () => {
      const result = await assignPlanAction(tenant.tenantId, choice);
      if (!result.ok) {
        setError(result.error.message);
        return;
      }
      setError(null);
      setConfirming(false);
      onChanged(`${tenant.name} moved to the ${result.data.planName} plan.`);
    });

  return (
    <div className="flex items-center gap-2">
      <Select aria-label={`New plan for ${tenant.name}`} value={choice} onChange={(e) => setChoice(e.target.value)} className="w-36 py-1.5">
        {plans.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </Select>
      <Button size="sm" variant="secondary" disabled={choice === tenant.planId} onClick={() => setConfirming(true)} aria-label={`Change plan for ${tenant.name}`}>
        Change
      </Button>
      <ConfirmDialog
        open={confirming}
        title={`Move ${tenant.name} to ${to?.name ?? choice}?`}
        confirmLabel={`Move to ${to?.name ?? choice}`}
        busy={pending}
        error={error}
        onConfirm={confirm}
        onCancel={() => {
          setConfirming(false);
          setError(null);
          setChoice(tenant.planId);
        }}
      >
        <p>
          From {from?.name ?? tenant.planName} ({formatUsd(from?.monthlyPriceMicros ?? tenant.revenueMicros)} a month) to {to?.name ?? choice} (
          {to ? formatUsd(to.monthlyPriceMicros) : "unknown price"} a month).
        </p>
        <p>The new plan’s rate limits and token quota apply to the workspace at once. Revenue follows the new price from today (UTC, prorated by day); past months do not change.</p>
      </ConfirmDialog>
    </div>
  );
}

"use client";

import { useEffect, useRef, useState, useTransition, type FormEvent, type ReactNode } from "react";
import { z } from "zod";
import { saveConfigAction } from "@/app/w/[slug]/admin/actions";
import { fromDraft, type ConfigDraft } from "@/components/admin/config-draft";
import { ContextPreview } from "@/components/admin/context-preview";
import { PromptPreview } from "@/components/admin/prompt-preview";
import { TagInput } from "@/components/admin/tag-input";
import type { PlanView } from "@/components/admin/types";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { TextField } from "@/components/ui/field";
import { FieldError } from "@/components/ui/field-error";
import { Select } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";
import type { ConfigVersion } from "@/lib/admin/config";
import { diffConfigs } from "@/lib/admin/config-diff";
import {
  CONFIG_LIMITS,
  groupFieldErrors,
  MODEL_TIERS,
  SCREENING_POLICIES,
  SCREENING_POLICY_HINTS,
  SCREENING_POLICY_LABELS,
  tenantConfigSchema,
  type ConfigFieldErrors,
  type TenantConfigFields,
} from "@/lib/admin/config-schema";
import { formatDateTime, formatInteger, formatPercent } from "@/lib/format";
import { TIER_LABELS, TIER_MODELS } from "@/lib/llm/models";
import { ROUTING_MODE_HINTS, ROUTING_MODE_LABELS, ROUTING_MODES } from "@/lib/routing/modes";
import type { EscalationRate } from "@/lib/routing/signals";

const FIELD_ORDER: (keyof TenantConfigFields)[] = ["companyName", "persona", "allowedTopics", "restrictedTopics", "customInstructions", "modelTier", "routingMode", "maxTokens", "screeningPolicy"];

export function AssistantPanel({
  slug,
  plan,
  timeZone,
  escalationRate,
  base,
  latest,
  draft,
  onDraftChange,
  onSaved,
  onDiscard,
}: {
  slug: string;
  plan: PlanView;
  timeZone: string;
  escalationRate: EscalationRate;
  /** The version this draft was started from. */
  base: ConfigVersion;
  /** The newest version the server knows (differs from base when someone saved meanwhile). */
  latest: ConfigVersion;
  draft: ConfigDraft;
  onDraftChange: (draft: ConfigDraft) => void;
  onSaved: (config: ConfigVersion) => void;
  onDiscard: () => void;
}) {
  const [fields, setFields] = useState<ConfigFieldErrors>({});
  const [error, setError] = useState<{ message: string; conflict: boolean } | null>(null);
  const [saved, setSaved] = useState<{ version: number; unchanged: boolean } | null>(null);
  const [pending, startTransition] = useTransition();
  const reloading = useRef(false);

  const normalised = fromDraft(draft);
  const dirty = diffConfigs(base, normalised).length > 0;
  const stale = latest.version !== base.version;

  // Leaving the page would drop the edits: let the browser ask first.
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (!reloading.current) event.preventDefault();
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => window.removeEventListener("beforeunload", onBeforeUnload);
  }, [dirty]);

  function update<K extends keyof ConfigDraft>(key: K, value: ConfigDraft[K]) {
    onDraftChange({ ...draft, [key]: value });
    setSaved(null);
    if (fields[key]) setFields((f) => ({ ...f, [key]: undefined }));
  }

  function showErrors(errors: ConfigFieldErrors) {
    setFields(errors);
    const first = FIELD_ORDER.find((f) => errors[f]?.length);
    if (first) document.getElementById(`field-${first}`)?.focus();
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!dirty || pending) return;
    setError(null);
    setSaved(null);
    const parsed = tenantConfigSchema(plan).safeParse(normalised);
    if (!parsed.success) {
      showErrors(z.flattenError(parsed.error).fieldErrors);
      return;
    }
    startTransition(async () => {
      const result = await saveConfigAction(slug, { ...parsed.data, baseVersion: base.version });
      if (!result.ok) {
        if (result.error.fields) showErrors(groupFieldErrors(result.error.fields));
        else setError({ message: result.error.message, conflict: result.error.code === "conflict" });
        return;
      }
      setFields({});
      setSaved({ version: result.data.config.version, unchanged: result.data.status === "unchanged" });
      onSaved(result.data.config);
    });
  }

  const allowedTierNames = new Intl.ListFormat("en", { type: "conjunction" }).format(plan.allowedTiers.map((t) => TIER_LABELS[t]));
  const lockedTiers = MODEL_TIERS.filter((t) => !plan.allowedTiers.includes(t));

  return (
    <form onSubmit={onSubmit} noValidate aria-label="Assistant configuration">
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,26rem)] lg:items-start xl:grid-cols-[minmax(0,1fr)_minmax(0,30rem)]">
        <div className="min-w-0 space-y-6">
          {stale && (
            <Alert tone="warning" title={`Version ${latest.version} is now live`}>
              <p>
                {latest.author ? `${latest.author.name} saved` : "Someone saved"} a newer version while you were editing version {base.version}. Saving your edits
                would overwrite it, so it will be refused.
              </p>
              <Button variant="secondary" size="sm" className="mt-2" onClick={onDiscard}>
                Discard my edits and load version {latest.version}
              </Button>
            </Alert>
          )}

          <Section title="Identity" description="Who the assistant is and whom it works for.">
            <TextField
              name="companyName"
              label="Company name"
              value={draft.companyName}
              onChange={(e) => update("companyName", e.target.value)}
              maxLength={CONFIG_LIMITS.companyName}
              errors={fields.companyName}
              autoComplete="organization"
            />
            <TextareaField
              name="persona"
              label="Persona"
              value={draft.persona}
              onChange={(v) => update("persona", v)}
              max={CONFIG_LIMITS.persona}
              rows={4}
              hint="Name, tone and manner, in a sentence or two."
              errors={fields.persona}
            />
          </Section>

          <Section title="Topics" description="Leave allowed topics empty to let the assistant help with anything the platform rules permit.">
            <TagInput
              name="allowedTopics"
              label="Allowed topics"
              itemLabel="allowed topic"
              placeholder="e.g. warranty"
              hint="Press Enter or type a comma to add. Backspace removes the last one."
              tags={draft.allowedTopics}
              onChange={(tags) => update("allowedTopics", tags)}
              errors={fields.allowedTopics}
              maxCount={CONFIG_LIMITS.topicCount}
              maxLength={CONFIG_LIMITS.topicLength}
              conflicts={draft.restrictedTopics}
              conflictLabel="a restricted topic"
            />
            <TagInput
              name="restrictedTopics"
              label="Restricted topics"
              itemLabel="restricted topic"
              placeholder="e.g. legal advice"
              hint="The assistant politely declines these."
              tags={draft.restrictedTopics}
              onChange={(tags) => update("restrictedTopics", tags)}
              errors={fields.restrictedTopics}
              maxCount={CONFIG_LIMITS.topicCount}
              maxLength={CONFIG_LIMITS.topicLength}
              conflicts={draft.allowedTopics}
              conflictLabel="an allowed topic"
            />
          </Section>

          <Section title="Custom instructions" description="Anything else the assistant should always do or avoid.">
            <TextareaField
              name="customInstructions"
              label="Instructions"
              value={draft.customInstructions}
              onChange={(v) => update("customInstructions", v)}
              max={CONFIG_LIMITS.customInstructions}
              rows={6}
              corner="Optional"
              errors={fields.customInstructions}
            />
          </Section>

          <Section title="Model" description={`What your ${plan.name} plan allows.`}>
            <div className="grid gap-5 sm:grid-cols-2">
              <div>
                <Label htmlFor="field-modelTier">Model tier</Label>
                <Select
                  id="field-modelTier"
                  name="modelTier"
                  className="mt-1.5"
                  value={draft.modelTier}
                  onChange={(e) => update("modelTier", e.target.value as ConfigDraft["modelTier"])}
                  aria-describedby={`field-modelTier-hint${fields.modelTier ? " field-modelTier-error" : ""}`}
                  aria-invalid={fields.modelTier ? true : undefined}
                >
                  {MODEL_TIERS.map((tier) => {
                    const allowed = plan.allowedTiers.includes(tier);
                    const upgrade = allowed ? "" : ` (upgrade to ${plan.upgradeFor[tier] ?? "a higher plan"})`;
                    return (
                      <option key={tier} value={tier} disabled={!allowed}>
                        {`${TIER_LABELS[tier]} · ${TIER_MODELS[tier].displayName}${upgrade}`}
                      </option>
                    );
                  })}
                </Select>
                <p id="field-modelTier-hint" className="mt-1.5 text-xs text-zinc-500">
                  Your plan includes {allowedTierNames}.
                  {lockedTiers.map((t) => ` ${TIER_LABELS[t]} needs ${plan.upgradeFor[t] ? `the ${plan.upgradeFor[t]} plan` : "a higher plan"}: upgrade to use it.`).join("")}
                </p>
                <FieldError id="field-modelTier-error" messages={fields.modelTier} />
              </div>
              <div>
                <Label htmlFor="field-routingMode">Model routing</Label>
                <Select
                  id="field-routingMode"
                  name="routingMode"
                  className="mt-1.5"
                  value={draft.routingMode}
                  onChange={(e) => update("routingMode", e.target.value as ConfigDraft["routingMode"])}
                  aria-describedby={`field-routingMode-hint${fields.routingMode ? " field-routingMode-error" : ""}`}
                  aria-invalid={fields.routingMode ? true : undefined}
                >
                  {ROUTING_MODES.map((mode) => (
                    <option key={mode} value={mode}>
                      {mode === "auto" ? `Automatic, up to ${TIER_LABELS[draft.modelTier]}` : ROUTING_MODE_LABELS[mode]}
                    </option>
                  ))}
                </Select>
                <p id="field-routingMode-hint" className="mt-1.5 text-xs text-zinc-500">
                  {ROUTING_MODE_HINTS[draft.routingMode]}
                </p>
                <EscalationRateNote rate={escalationRate} />
                <FieldError id="field-routingMode-error" messages={fields.routingMode} />
              </div>
              <TextField
                name="maxTokens"
                label="Max tokens per answer"
                type="number"
                inputMode="numeric"
                min={CONFIG_LIMITS.minMaxTokens}
                max={plan.maxTokensCap}
                step={1}
                value={draft.maxTokens}
                onChange={(e) => update("maxTokens", e.target.value)}
                errors={fields.maxTokens}
                hint={`${CONFIG_LIMITS.minMaxTokens}–${formatInteger(plan.maxTokensCap)} on your plan. Longer answers use more of the monthly quota.`}
              />
            </div>
          </Section>

          <Section title="Security" description="How messages that try to override the assistant’s instructions are handled.">
            <div className="sm:max-w-md">
              <Label htmlFor="field-screeningPolicy">Prompt-injection screening</Label>
              <Select
                id="field-screeningPolicy"
                name="screeningPolicy"
                className="mt-1.5"
                value={draft.screeningPolicy}
                onChange={(e) => update("screeningPolicy", e.target.value as ConfigDraft["screeningPolicy"])}
                aria-describedby={`field-screeningPolicy-hint${fields.screeningPolicy ? " field-screeningPolicy-error" : ""}`}
                aria-invalid={fields.screeningPolicy ? true : undefined}
              >
                {SCREENING_POLICIES.map((policy) => (
                  <option key={policy} value={policy}>
                    {SCREENING_POLICY_LABELS[policy]}
                  </option>
                ))}
              </Select>
              <p id="field-screeningPolicy-hint" className="mt-1.5 text-xs text-zinc-500">
                {SCREENING_POLICY_HINTS[draft.screeningPolicy]}
              </p>
              <FieldError id="field-screeningPolicy-error" messages={fields.screeningPolicy} />
            </div>
          </Section>

          <div className="sticky bottom-0 z-10 -mx-4 border-t border-zinc-200 bg-white/95 px-4 py-3 backdrop-blur sm:mx-0 sm:rounded-xl sm:border sm:shadow-sm">
            {error && (
              <Alert tone="error" className="mb-3">
                {error.message}
                {error.conflict && (
                  <Button
                    variant="secondary"
                    size="sm"
                    className="mt-2 block"
                    onClick={() => {
                      reloading.current = true;
                      window.location.reload();
                    }}
                  >
                    Reload
                  </Button>
                )}
              </Alert>
            )}
            <div className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2">
              <p role="status" className="min-w-0 text-sm text-zinc-600">
                {pending ? (
                  "Saving…"
                ) : saved ? (
                  <span className="font-medium text-emerald-700">
                    {saved.unchanged ? `Nothing changed · still version ${saved.version}` : `Saved as version ${saved.version} · applies from the next message`}
                  </span>
                ) : dirty ? (
                  <span className="font-medium text-amber-800">Unsaved changes</span>
                ) : (
                  <>
                    Version {base.version} is live
                    <span className="hidden text-zinc-500 sm:inline" suppressHydrationWarning>
                      {" "}
                      · {base.author ? `${base.author.name}, ` : ""}
                      {formatDateTime(base.createdAt, timeZone)}
                    </span>
                  </>
                )}
              </p>
              <div className="flex gap-2">
                <Button variant="ghost" onClick={onDiscard} disabled={!dirty || pending}>
                  Discard
                </Button>
                <Button type="submit" disabled={!dirty} loading={pending}>
                  Save
                </Button>
              </div>
            </div>
          </div>
        </div>

        <div className="min-w-0 space-y-6">
          <PromptPreview config={normalised} />
          <ContextPreview slug={slug} config={normalised} />
        </div>
      </div>
    </form>
  );
}

function Section({ title, description, children }: { title: string; description: string; children: ReactNode }) {
  return (
    <Card>
      <CardHeader>
        <h2 className="font-semibold text-zinc-900">{title}</h2>
        <p className="mt-1 text-sm text-zinc-600">{description}</p>
      </CardHeader>
      <CardBody className="space-y-5">{children}</CardBody>
    </Card>
  );
}

function TextareaField({
  name,
  label,
  value,
  onChange,
  max,
  rows,
  hint,
  corner,
  errors,
}: {
  name: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  max: number;
  rows: number;
  hint?: string;
  corner?: string;
  errors?: string[];
}) {
  const id = `field-${name}`;
  const over = value.trim().length > max;
  const describedBy = [`${id}-count`, hint ? `${id}-hint` : null, errors?.length ? `${id}-error` : null].filter(Boolean).join(" ");
  return (
    <div>
      <div className="flex items-baseline justify-between gap-2">
        <Label htmlFor={id}>{label}</Label>
        {corner && <span className="text-xs text-zinc-500">{corner}</span>}
      </div>
      <Textarea id={id} name={name} rows={rows} value={value} onChange={(e) => onChange(e.target.value)} className="mt-1.5" aria-invalid={errors?.length || over ? true : undefined} aria-describedby={describedBy} />
      <div className="mt-1.5 flex justify-between gap-3 text-xs text-zinc-500">
        <span id={`${id}-hint`}>{hint}</span>
        <span id={`${id}-count`} className={cn("shrink-0 whitespace-nowrap tabular-nums", over && "font-medium text-red-600")}>
          {formatInteger(value.trim().length)} / {formatInteger(max)}
          <span className="sr-only"> characters</span>
        </span>
      </div>
      <FieldError id={`${id}-error`} messages={errors} />
    </div>
  );
}

/**
 * How often people asked for a stronger model after the router answered below the tier
 * (issue 14): a high rate says automatic routing is too eager to save here.
 */
function EscalationRateNote({ rate }: { rate: EscalationRate }) {
  return (
    <p className="mt-1.5 text-xs text-zinc-500" data-testid="escalation-rate">
      {rate.routedDown === 0
        ? `No answers were routed below the tier in the last ${rate.days} days.`
        : `“Regenerate with a stronger model” after ${formatInteger(rate.escalations)} of ${formatInteger(rate.routedDown)} routed-down answers (${formatPercent(rate.rate ?? 0)}) in the last ${rate.days} days.`}
    </p>
  );
}

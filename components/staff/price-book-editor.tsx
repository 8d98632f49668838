"use client";

import { useId, useRef, useState, useTransition, type FormEvent } from "react";
import { addPriceAction } from "@/app/staff/actions";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/field";
import { formatDateTime, formatUsdPrecise } from "@/lib/format";

/** The five rates of a price row, in the order the table and form show them. */
const COMPONENTS = [
  { key: "inputMicrosPerMTok", label: "Input", short: "Input" },
  { key: "outputMicrosPerMTok", label: "Output", short: "Output" },
  { key: "cacheWrite5mMicrosPerMTok", label: "Cache write (5 min)", short: "Cache write 5 min" },
  { key: "cacheWrite1hMicrosPerMTok", label: "Cache write (1 h)", short: "Cache write 1 h" },
  { key: "cacheReadMicrosPerMTok", label: "Cache read", short: "Cache read" },
] as const;

type RateKey = (typeof COMPONENTS)[number]["key"];

export interface PriceRowView extends Record<RateKey, number> {
  id: string;
  /** ISO instant. */
  effectiveFrom: string;
}

export interface ModelPricesView {
  model: string;
  displayName: string;
  current: PriceRowView | null;
  upcoming: PriceRowView[];
  superseded: number;
}

type Fields = Record<string, string[]>;

/** "2026-12-01T00:00" (a datetime-local value, read as UTC) → ISO, or "" when empty/invalid. */
function utcInstant(local: string): string {
  if (!local) return "";
  const ms = Date.parse(`${local.length === 16 ? `${local}:00` : local}Z`);
  return Number.isNaN(ms) ? local : new Date(ms).toISOString();
}

export function PriceBookEditor({ models, defaultEffectiveFrom }: { models: ModelPricesView[]; defaultEffectiveFrom: string }) {
  const [fields, setFields] = useState<Fields>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const [rates, setRates] = useState<Record<RateKey, string>>({
    inputMicrosPerMTok: "",
    outputMicrosPerMTok: "",
    cacheWrite5mMicrosPerMTok: "",
    cacheWrite1hMicrosPerMTok: "",
    cacheReadMicrosPerMTok: "",
  });
  const [model, setModel] = useState("");
  const [effectiveFrom, setEffectiveFrom] = useState(defaultEffectiveFrom);
  const form = useRef<HTMLFormElement>(null);
  const listId = useId();
  const headingId = useId();

  /** Picking a known model fills the empty rates from its current price, to edit from. */
  const prefill = (value: string) => {
    const known = models.find((m) => m.model === value.trim().toLowerCase());
    const source = known?.upcoming.at(-1) ?? known?.current;
    if (!source) return;
    setRates((r) => {
      const next = { ...r };
      for (const c of COMPONENTS) if (next[c.key] === "") next[c.key] = String(source[c.key]);
      return next;
    });
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setDone(null);
    startTransition(async () => {
      const result = await addPriceAction({ model, effectiveFrom: utcInstant(effectiveFrom), ...rates });
      if (!result.ok) {
        setFields(result.error.fields ?? {});
        setFormError(result.error.fields ? null : result.error.message);
        form.current?.querySelector<HTMLElement>("[aria-invalid='true']")?.focus();
        return;
      }
      setFields({});
      setFormError(null);
      setDone(`Scheduled a new price for ${result.data.model} from ${formatDateTime(result.data.effectiveFrom, "UTC")}.`);
      setModel("");
      setRates({ inputMicrosPerMTok: "", outputMicrosPerMTok: "", cacheWrite5mMicrosPerMTok: "", cacheWrite1hMicrosPerMTok: "", cacheReadMicrosPerMTok: "" });
    });
  };

  const rows = models.flatMap((m) => [
    ...(m.current ? [{ model: m, row: m.current, status: "current" as const }] : []),
    ...m.upcoming.map((row) => ({ model: m, row, status: "upcoming" as const })),
  ]);

  return (
    <div>
      {rows.length === 0 ? (
        <p className="px-5 py-6 text-sm text-zinc-600 sm:px-6">The price book is empty: every call is billed at the ceiling rates until a price is added.</p>
      ) : (
        <div role="region" aria-label="Price book (scrolls sideways)" tabIndex={0} className="overflow-x-auto focus-visible:outline-2 focus-visible:outline-indigo-600">
          <table className="w-full min-w-[56rem] text-left text-sm [&_td]:whitespace-nowrap [&_thead_th]:whitespace-nowrap">
            <caption className="sr-only">Prices per million tokens for each model: the one in force and any scheduled</caption>
            <thead className="bg-zinc-50 text-xs text-zinc-600">
              <tr>
                <th scope="col" className="py-2 pr-3 pl-5 font-medium sm:pl-6">Model</th>
                <th scope="col" className="px-3 py-2 font-medium">Effective from</th>
                {COMPONENTS.map((c) => (
                  <th key={c.key} scope="col" className="px-3 py-2 text-right font-medium last:pr-5 sm:last:pr-6">
                    {c.short}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 tabular-nums">
              {rows.map(({ model: m, row, status }) => (
                <tr key={row.id} data-model={m.model} data-status={status} className={status === "upcoming" ? "bg-indigo-50/50" : undefined}>
                  <th scope="row" className="py-2 pr-3 pl-5 font-normal sm:pl-6">
                    <span className="block font-medium text-zinc-900">{m.displayName}</span>
                    <span className="block text-xs text-zinc-500">{m.model}</span>
                  </th>
                  <td className="px-3 py-2 text-zinc-700">
                    <span className="block">{formatDateTime(row.effectiveFrom, "UTC")}</span>
                    {status === "current" ? (
                      <Badge tone="success">In force{m.superseded > 0 ? ` · replaced ${m.superseded}` : ""}</Badge>
                    ) : (
                      <Badge tone="accent">Scheduled</Badge>
                    )}
                  </td>
                  {COMPONENTS.map((c) => (
                    <td key={c.key} className="px-3 py-2 text-right text-zinc-900 last:pr-5 sm:last:pr-6">
                      {formatUsdPrecise(row[c.key])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <form ref={form} onSubmit={submit} noValidate aria-labelledby={headingId} className="border-t border-zinc-100 px-5 py-5 sm:px-6">
        <h3 id={headingId} className="text-sm font-semibold text-zinc-900">
          Schedule a price
        </h3>
        <p className="mt-1 text-sm text-zinc-600">
          Prices are never edited: a change is a new row from a future instant. Rates are whole micro-USD per million tokens ($3 = 3000000).
        </p>
        {done && (
          <Alert tone="success" className="mt-4">
            {done}
          </Alert>
        )}
        {formError && (
          <Alert tone="error" className="mt-4">
            {formError}
          </Alert>
        )}
        <div className="mt-4 grid gap-4 sm:grid-cols-2">
          <TextField
            name="model"
            label="Model id"
            list={listId}
            autoComplete="off"
            spellCheck={false}
            value={model}
            onChange={(e) => setModel(e.target.value)}
            onBlur={(e) => prefill(e.target.value)}
            errors={fields.model}
            hint="A known model fills the empty rates from its latest price."
          />
          <datalist id={listId}>
            {models.map((m) => (
              <option key={m.model} value={m.model}>
                {m.displayName}
              </option>
            ))}
          </datalist>
          <TextField
            name="effectiveFrom"
            label="Effective from (UTC)"
            type="datetime-local"
            step={60}
            value={effectiveFrom}
            onChange={(e) => setEffectiveFrom(e.target.value)}
            errors={fields.effectiveFrom}
            hint="At least a minute from now."
          />
        </div>
        <fieldset className="mt-4">
          <legend className="text-sm font-medium text-zinc-800">Rates per million tokens (micro-USD)</legend>
          <div className="mt-2 grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-5">
            {COMPONENTS.map((c) => {
              const value = rates[c.key];
              const valid = /^\d{1,13}$/.test(value);
              return (
                <TextField
                  key={c.key}
                  name={c.key}
                  label={c.label}
                  inputMode="numeric"
                  autoComplete="off"
                  value={value}
                  onChange={(e) => setRates((r) => ({ ...r, [c.key]: e.target.value }))}
                  errors={fields[c.key]}
                  hint={valid ? `= ${formatUsdPrecise(Number(value))} / MTok` : "e.g. 3000000"}
                />
              );
            })}
          </div>
        </fieldset>
        <div className="mt-5 flex justify-end">
          <Button type="submit" loading={pending}>
            Schedule price
          </Button>
        </div>
      </form>
    </div>
  );
}

"use client";

import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { FieldError } from "@/components/ui/field-error";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { daysBetween, isIsoDate } from "@/lib/usage/dates";

const MAX_DAYS = 366;

/**
 * Downloads the raw usage events of a date range as CSV. A plain GET form: the browser
 * saves the attachment and stays on the page. The range is checked here first so a
 * mistake shows next to the field instead of as an error document.
 */
export function ExportForm({ action, defaultFrom, defaultTo, today, scope }: { action: string; defaultFrom: string; defaultTo: string; today: string; scope?: "self" }) {
  const [from, setFrom] = useState(defaultFrom);
  const [to, setTo] = useState(defaultTo);
  const [error, setError] = useState<{ field: "from" | "to"; message: string } | null>(null);

  function validate(): typeof error {
    if (!isIsoDate(from)) return { field: "from", message: "Enter a start date." };
    if (!isIsoDate(to)) return { field: "to", message: "Enter an end date." };
    const span = daysBetween(from, to) + 1;
    if (span < 1) return { field: "to", message: "The end date must be on or after the start date." };
    if (span > MAX_DAYS) return { field: "to", message: `Export at most ${MAX_DAYS} days at a time.` };
    return null;
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    const problem = validate();
    setError(problem);
    if (problem) event.preventDefault();
  }

  return (
    <form method="get" action={action} onSubmit={onSubmit} noValidate className="flex flex-wrap items-end gap-3 sm:gap-4">
      {scope && <input type="hidden" name="scope" value={scope} />}
      <div className="w-full min-[420px]:w-auto">
        <Label htmlFor="export-from">From</Label>
        <Input
          id="export-from"
          name="from"
          type="date"
          required
          max={today}
          value={from}
          onChange={(e) => setFrom(e.target.value)}
          aria-invalid={error?.field === "from" || undefined}
          aria-describedby={error?.field === "from" ? "export-error" : undefined}
          className="mt-1.5 min-[420px]:w-44"
        />
      </div>
      <div className="w-full min-[420px]:w-auto">
        <Label htmlFor="export-to">To</Label>
        <Input
          id="export-to"
          name="to"
          type="date"
          required
          max={today}
          value={to}
          onChange={(e) => setTo(e.target.value)}
          aria-invalid={error?.field === "to" || undefined}
          aria-describedby={error?.field === "to" ? "export-error" : undefined}
          className="mt-1.5 min-[420px]:w-44"
        />
      </div>
      <Button type="submit" variant="secondary">
        <svg className="size-4" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true">
          <path d="M10.75 2.75a.75.75 0 0 0-1.5 0v8.614L6.295 8.235a.75.75 0 1 0-1.09 1.03l4.25 4.5a.75.75 0 0 0 1.09 0l4.25-4.5a.75.75 0 0 0-1.09-1.03l-2.955 3.129V2.75Z" />
          <path d="M3.5 12.75a.75.75 0 0 0-1.5 0v2.5A2.75 2.75 0 0 0 4.75 18h10.5A2.75 2.75 0 0 0 18 15.25v-2.5a.75.75 0 0 0-1.5 0v2.5c0 .69-.56 1.25-1.25 1.25H4.75c-.69 0-1.25-.56-1.25-1.25v-2.5Z" />
        </svg>
        Download CSV
      </Button>
      <div className="basis-full" aria-live="polite">
        <FieldError id="export-error" messages={error ? [error.message] : null} className="mt-0" />
      </div>
    </form>
  );
}

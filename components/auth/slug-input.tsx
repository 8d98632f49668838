"use client";

import { FieldError } from "@/components/ui/field-error";
import { Label } from "@/components/ui/label";
import { cn } from "@/components/ui/cn";
import { slugify } from "@/lib/auth/schemas";

/** Keeps what is typed close to a valid address: lower case, dashes for spaces. */
function normalizeSlugInput(value: string): string {
  return value.toLowerCase().replace(/\s+/g, "-").replace(/[^a-z0-9-]/g, "").slice(0, 40);
}

/** The optional workspace address, with a live preview of the URL it gives. */
export function SlugInput({ value, onChange, workspaceName, errors }: { value: string; onChange: (value: string) => void; workspaceName: string; errors?: string[] }) {
  const suggested = workspaceName.trim().length >= 2 ? slugify(workspaceName) : "";
  const shown = value || suggested;
  const invalid = Boolean(errors?.length);
  return (
    <div>
      <div className="flex items-baseline justify-between gap-2">
        <Label htmlFor="field-slug">Workspace address</Label>
        <span className="text-xs text-zinc-500">Optional</span>
      </div>
      <div
        className={cn(
          "mt-1.5 flex rounded-lg bg-white shadow-sm ring-1 ring-inset focus-within:ring-2 focus-within:ring-inset",
          invalid ? "ring-red-400 focus-within:ring-red-500" : "ring-zinc-300 focus-within:ring-indigo-600",
        )}
      >
        <span className="flex items-center pl-3 text-sm text-zinc-500 select-none">/w/</span>
        <input
          id="field-slug"
          name="slug"
          value={value}
          onChange={(e) => onChange(normalizeSlugInput(e.target.value))}
          placeholder={suggested || "your-team"}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={invalid || undefined}
          aria-describedby={`field-slug-hint${invalid ? " field-slug-error" : ""}`}
          className="block min-w-0 flex-1 border-0 bg-transparent py-2.5 pr-3 pl-0.5 text-sm text-zinc-900 placeholder:text-zinc-400 focus:outline-none"
        />
      </div>
      <p id="field-slug-hint" className="mt-1.5 text-xs text-zinc-500" aria-live="polite">
        {shown ? (
          <>
            Your workspace will live at <span className="font-mono font-medium text-zinc-700">/w/{shown}</span>
            {!value && " (from the name; a number is added if it’s taken)"}
          </>
        ) : (
          "Lowercase letters, digits and dashes. Left empty, we derive it from the name."
        )}
      </p>
      <FieldError id="field-slug-error" messages={errors} />
    </div>
  );
}

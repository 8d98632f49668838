import type { ComponentProps, ReactNode } from "react";
import { FieldError } from "@/components/ui/field-error";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

export interface TextFieldProps extends Omit<ComponentProps<"input">, "id" | "name"> {
  name: string;
  label: ReactNode;
  /** Shown under the input; stays visible next to errors (e.g. password rules). */
  hint?: ReactNode;
  errors?: string[];
  /** Right-aligned next to the label (e.g. "Optional"). */
  corner?: ReactNode;
}

/** Label + input + hint + errors, wired for assistive tech. */
export function TextField({ name, label, hint, errors, corner, ...props }: TextFieldProps) {
  const id = `field-${name}`;
  const describedBy = [hint ? `${id}-hint` : null, errors?.length ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div>
      <div className="flex items-baseline justify-between gap-2">
        <Label htmlFor={id}>{label}</Label>
        {corner && <span className="text-xs text-zinc-500">{corner}</span>}
      </div>
      <Input id={id} name={name} className="mt-1.5" aria-invalid={errors?.length ? true : undefined} aria-describedby={describedBy} {...props} />
      {hint && (
        <div id={`${id}-hint`} className="mt-1.5 text-xs text-zinc-500">
          {hint}
        </div>
      )}
      <FieldError id={`${id}-error`} messages={errors} />
    </div>
  );
}

import { cn } from "@/components/ui/cn";

/** A field's errors. Give the input `aria-describedby={id}` and `aria-invalid`. */
export function FieldError({ id, messages, className }: { id: string; messages?: string[] | null; className?: string }) {
  if (!messages?.length) return null;
  return (
    <p id={id} className={cn("mt-1.5 flex gap-1.5 text-sm text-red-600", className)}>
      <svg className="mt-0.5 size-4 shrink-0" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true">
        <path fillRule="evenodd" d="M18 10a8 8 0 1 1-16 0 8 8 0 0 1 16 0Zm-8-5a.75.75 0 0 1 .75.75v4.5a.75.75 0 0 1-1.5 0v-4.5A.75.75 0 0 1 10 5Zm0 10a1 1 0 1 0 0-2 1 1 0 0 0 0 2Z" clipRule="evenodd" />
      </svg>
      <span>{messages.join(" ")}</span>
    </p>
  );
}

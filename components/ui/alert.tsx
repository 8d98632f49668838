import type { ReactNode } from "react";
import { cn } from "@/components/ui/cn";

type Tone = "error" | "warning" | "success" | "info";

const TONES: Record<Tone, { box: string; icon: string; path: string }> = {
  error: { box: "bg-red-50 text-red-800 ring-red-600/15", icon: "text-red-500", path: "M10 18a8 8 0 1 0 0-16 8 8 0 0 0 0 16ZM8.28 7.22a.75.75 0 0 0-1.06 1.06L8.94 10l-1.72 1.72a.75.75 0 1 0 1.06 1.06L10 11.06l1.72 1.72a.75.75 0 1 0 1.06-1.06L11.06 10l1.72-1.72a.75.75 0 0 0-1.06-1.06L10 8.94 8.28 7.22Z" },
  warning: { box: "bg-amber-50 text-amber-900 ring-amber-600/20", icon: "text-amber-500", path: "M8.485 2.495c.673-1.167 2.357-1.167 3.03 0l6.28 10.875c.673 1.167-.17 2.625-1.516 2.625H3.72c-1.347 0-2.189-1.458-1.515-2.625L8.485 2.495ZM10 5a.75.75 0 0 1 .75.75v3.5a.75.75 0 0 1-1.5 0v-3.5A.75.75 0 0 1 10 5Zm0 9a1 1 0 1 0 0-2 1 1 0 0 0 0 2Z" },
  success: { box: "bg-emerald-50 text-emerald-900 ring-emerald-600/15", icon: "text-emerald-500", path: "M10 18a8 8 0 1 0 0-16 8 8 0 0 0 0 16Zm3.857-9.809a.75.75 0 0 0-1.214-.882l-3.483 4.79-1.88-1.88a.75.75 0 1 0-1.06 1.061l2.5 2.5a.75.75 0 0 0 1.137-.089l4-5.5Z" },
  info: { box: "bg-indigo-50 text-indigo-900 ring-indigo-600/15", icon: "text-indigo-500", path: "M18 10a8 8 0 1 1-16 0 8 8 0 0 1 16 0Zm-7-4a1 1 0 1 1-2 0 1 1 0 0 1 2 0ZM9 9a.75.75 0 0 0 0 1.5h.253a.25.25 0 0 1 .244.304l-.459 2.066A1.75 1.75 0 0 0 10.747 15H11a.75.75 0 0 0 0-1.5h-.253a.25.25 0 0 1-.244-.304l.459-2.066A1.75 1.75 0 0 0 9.253 9H9Z" },
};

/** Errors and warnings are announced (role="alert"); success and info are polite. */
export function Alert({ tone = "info", title, children, className }: { tone?: Tone; title?: ReactNode; children?: ReactNode; className?: string }) {
  const t = TONES[tone];
  return (
    <div role={tone === "error" || tone === "warning" ? "alert" : "status"} className={cn("flex gap-3 rounded-lg p-3.5 text-sm ring-1 ring-inset", t.box, className)}>
      <svg className={cn("mt-0.5 size-5 shrink-0", t.icon)} viewBox="0 0 20 20" fill="currentColor" aria-hidden="true">
        <path fillRule="evenodd" clipRule="evenodd" d={t.path} />
      </svg>
      <div className="min-w-0 space-y-1">
        {title && <p className="font-medium">{title}</p>}
        {children && <div className={cn(title ? "opacity-90" : undefined)}>{children}</div>}
      </div>
    </div>
  );
}

import { cn } from "@/components/ui/cn";

/** A workspace's initial on a colour picked from its slug, so workspaces are told apart at a glance. */
const COLORS = ["bg-indigo-600", "bg-sky-600", "bg-emerald-600", "bg-amber-600", "bg-rose-600", "bg-violet-600", "bg-teal-600", "bg-zinc-700"];

export function WorkspaceAvatar({ name, slug, className }: { name: string; slug: string; className?: string }) {
  let hash = 0;
  for (const ch of slug) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return (
    <span aria-hidden="true" className={cn("flex size-7 shrink-0 items-center justify-center rounded-md text-xs font-semibold text-white", COLORS[hash % COLORS.length], className)}>
      {(name.trim()[0] ?? "?").toUpperCase()}
    </span>
  );
}

import Link from "next/link";
import { cn, focusRing } from "@/components/ui/cn";

export interface SwitchOption {
  label: string;
  href: string;
  active: boolean;
}

/** A row of links that looks like a segmented control: each option is a URL (?days=, ?view=). */
export function SegmentedLinks({ label, options }: { label: string; options: SwitchOption[] }) {
  return (
    <nav aria-label={label}>
      <ul className="inline-flex rounded-lg bg-zinc-100 p-1 text-sm font-medium">
        {options.map((o) => (
          <li key={o.href}>
            <Link
              href={o.href}
              scroll={false}
              aria-current={o.active ? "page" : undefined}
              className={cn(
                "inline-flex h-8 items-center rounded-md px-3 whitespace-nowrap transition-colors",
                focusRing,
                o.active ? "bg-white text-zinc-900 shadow-sm ring-1 ring-zinc-950/5" : "text-zinc-600 hover:text-zinc-900",
              )}
            >
              {o.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

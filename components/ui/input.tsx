import type { ComponentProps } from "react";
import { cn } from "@/components/ui/cn";

export const inputClasses = cn(
  "block w-full rounded-lg border-0 bg-white px-3 py-2.5 text-sm text-zinc-900 shadow-sm ring-1 ring-inset ring-zinc-300",
  "placeholder:text-zinc-400 focus:ring-2 focus:ring-inset focus:ring-indigo-600 focus:outline-none",
  "aria-invalid:ring-red-400 aria-invalid:focus:ring-red-500 disabled:bg-zinc-50 disabled:text-zinc-500",
);

export function Input({ className, ...props }: ComponentProps<"input">) {
  return <input className={cn(inputClasses, className)} {...props} />;
}

export function Select({ className, ...props }: ComponentProps<"select">) {
  return <select className={cn(inputClasses, "pr-8", className)} {...props} />;
}

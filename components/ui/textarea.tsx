import type { ComponentProps } from "react";
import { cn } from "@/components/ui/cn";
import { inputClasses } from "@/components/ui/input";

export function Textarea({ className, ...props }: ComponentProps<"textarea">) {
  return <textarea className={cn(inputClasses, "min-h-24 resize-y leading-relaxed", className)} {...props} />;
}

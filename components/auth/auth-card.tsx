import type { ReactNode } from "react";
import { Card } from "@/components/ui/card";

export function AuthCard({ title, subtitle, children, footer }: { title: string; subtitle?: ReactNode; children: ReactNode; footer?: ReactNode }) {
  return (
    <div className="w-full max-w-md">
      <div className="mb-6 text-center">
        <h1 className="text-2xl font-semibold tracking-tight text-zinc-900">{title}</h1>
        {subtitle && <p className="mt-2 text-sm text-zinc-600">{subtitle}</p>}
      </div>
      <Card className="px-5 py-6 sm:px-8 sm:py-8">{children}</Card>
      {footer && <p className="mt-6 text-center text-sm text-zinc-600">{footer}</p>}
    </div>
  );
}

import type { ReactNode } from "react";
import { BareHeader } from "@/components/shell/bare-header";

export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <div className="flex min-h-dvh flex-col">
      <BareHeader />
      <main className="flex flex-1 justify-center px-4 pt-6 pb-16 sm:pt-12">{children}</main>
    </div>
  );
}

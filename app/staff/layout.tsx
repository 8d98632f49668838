import type { ReactNode } from "react";
import { StaffHeader } from "@/components/staff/staff-header";
import { requireStaff } from "@/lib/staff/guard";

export default async function StaffLayout({ children }: { children: ReactNode }) {
  const user = await requireStaff();
  return (
    <div className="flex min-h-dvh flex-col">
      <StaffHeader user={{ name: user.name, email: user.email, isStaff: user.isStaff }} />
      <div className="flex flex-1 flex-col">{children}</div>
    </div>
  );
}

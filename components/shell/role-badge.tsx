import { Badge } from "@/components/ui/badge";
import type { Role } from "@/lib/db/generated/enums";

const LABEL: Record<Role, string> = { owner: "Owner", admin: "Admin", member: "Member" };

export function RoleBadge({ role }: { role: Role }) {
  return <Badge tone={role === "member" ? "neutral" : "accent"}>{LABEL[role]}</Badge>;
}

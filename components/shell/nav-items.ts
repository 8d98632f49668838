import type { Role } from "@/lib/db/generated/enums";

export type NavIcon = "chat" | "knowledge" | "usage" | "admin" | "staff";

export interface NavItem {
  href: string;
  label: string;
  icon: NavIcon;
  /** Exact match for the workspace root; prefix match for sections. */
  exact?: boolean;
  /** More path prefixes that belong to this item (chat's conversation deep links). */
  alsoUnder?: string[];
}

/** What a person sees in the top bar. Hiding a link is not access control: each page checks again. */
export function navItemsFor(slug: string, role: Role, isStaff: boolean): NavItem[] {
  const base = `/w/${slug}`;
  const items: NavItem[] = [
    { href: base, label: "Chat", icon: "chat", exact: true, alsoUnder: [`${base}/c/`] },
    { href: `${base}/knowledge`, label: "Knowledge", icon: "knowledge" },
    { href: `${base}/usage`, label: "Usage", icon: "usage" },
  ];
  if (role === "admin" || role === "owner") {
    items.push({ href: `${base}/admin`, label: "Admin", icon: "admin" });
  }
  if (isStaff) items.push({ href: "/staff", label: "Staff", icon: "staff" });
  return items;
}

export function isActive(item: NavItem, pathname: string): boolean {
  if (item.alsoUnder?.some((prefix) => pathname.startsWith(prefix))) return true;
  if (item.exact) return pathname === item.href;
  return pathname === item.href || pathname.startsWith(`${item.href}/`);
}

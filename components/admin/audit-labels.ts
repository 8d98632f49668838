import { CONFIG_FIELD_LABELS, type TenantConfigFields } from "@/lib/admin/config-schema";
import type { AuditEntry } from "@/lib/admin/audit";

/** An audit entry in words: what happened, and the detail worth a glance. */
export interface AuditText {
  who: string;
  what: string;
  detail: string;
}

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" ? v : null);

function fieldList(changed: unknown): string {
  if (!Array.isArray(changed)) return "";
  return changed
    .map((f) => CONFIG_FIELD_LABELS[f as keyof TenantConfigFields] ?? String(f))
    .join(", ")
    .toLowerCase()
    .replace(/^./, (c) => c.toUpperCase());
}

export function describeAuditEntry(entry: AuditEntry): AuditText {
  const d = entry.details;
  const name = str(d.name) ?? "a former member";
  const who = entry.actor?.name ?? (entry.action === "member.left" ? (str(d.name) ?? "A former member") : entry.actorId ? "A former member" : "System");
  const version = num(d.version) ?? Number(entry.target?.replace(/^version /, "") ?? Number.NaN);
  const versionText = Number.isFinite(version) ? `Version ${version}` : "";
  const join = (...parts: (string | null | false)[]) => parts.filter(Boolean).join(" · ");

  switch (entry.action) {
    case "config.updated":
      return { who, what: "Saved the assistant", detail: join(versionText, fieldList(d.changed) || str(d.source)) };
    case "config.rolled_back":
      return { who, what: `Rolled back to version ${num(d.restoredVersion) ?? "?"}`, detail: join(versionText && `${versionText} created`, fieldList(d.changed)) };
    case "member.role_changed":
      return { who, what: `Changed ${name}’s role`, detail: `${str(d.from) ?? "?"} → ${str(d.to) ?? "?"}` };
    case "member.removed":
      return { who, what: `Removed ${name}`, detail: join(str(d.role) && `was ${str(d.role)}`, str(d.email)) };
    case "member.left":
      return { who, what: "Left the workspace", detail: join(str(d.role) && `was ${str(d.role)}`, str(d.email)) };
    case "invite.created":
      return { who, what: "Created an invite", detail: join(str(d.role) && `as ${str(d.role)}`, str(d.email) ? `for ${str(d.email)}` : "anyone with the link") };
    case "invite.revoked":
      return { who, what: "Revoked an invite", detail: "" };
    case "invite.accepted":
      return { who, what: "Joined through an invite", detail: str(d.role) ? `as ${str(d.role)}` : "" };
    case "api_key.created":
      return {
        who,
        what: `Created API key “${str(d.name) ?? "?"}”`,
        detail: join(str(d.prefix) && `${str(d.prefix)}…`, Array.isArray(d.scopes) && d.scopes.join(", "), str(d.source) === "cli" && "from the command line"),
      };
    case "knowledge.document_created":
      return { who, what: `Added “${str(d.title) ?? "a document"}” to the knowledge base`, detail: join(str(d.sourceType), str(d.visibility) === "admins" && "admins only") };
    case "knowledge.document_replaced":
      return { who, what: `Replaced “${str(d.title) ?? "a document"}”`, detail: num(d.version) !== null ? `Version ${num(d.version)}` : "" };
    case "knowledge.document_deleted":
      return { who, what: `Deleted “${str(d.title) ?? "a document"}” from the knowledge base`, detail: "" };
    case "knowledge.visibility_changed":
      return { who, what: `Changed who can read “${str(d.title) ?? "a document"}”`, detail: `${str(d.from) ?? "?"} → ${str(d.to) ?? "?"}` };
    case "api_key.revoked":
      return { who, what: `Revoked API key “${str(d.name) ?? "?"}”`, detail: str(d.prefix) ? `${str(d.prefix)}…` : "" };
    default:
      return { who, what: entry.action, detail: entry.target ?? "" };
  }
}

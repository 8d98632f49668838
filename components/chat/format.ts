import { MAX_MESSAGE_CHARS } from "@/lib/chat/limits";

/** What the 429 banner calls the limit that blocked (error.limit from the server). */
export function describeLimit(limit: string | undefined): string {
  const key = (limit ?? "").toLowerCase();
  if (key.includes("quota")) return "your workspace’s monthly token quota";
  if (key.includes("user") || key.includes("share")) return "your share of the workspace’s request limit";
  if (key.includes("token")) return "your workspace’s token limit";
  return "your workspace’s request limit";
}

/** The composer's counter: shown from 80 % of the cap, an error above it. */
export function messageLength(text: string, max = MAX_MESSAGE_CHARS): { count: number; showCounter: boolean; over: number } {
  const count = text.length;
  return { count, showCounter: count >= Math.floor(max * 0.8), over: Math.max(0, count - max) };
}

const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto", style: "short" });
const dateFormat = new Intl.DateTimeFormat("en", { month: "short", day: "numeric" });

/** "just now", "5 min. ago", "yesterday", "Mar 3": for the conversation list. */
export function formatUpdatedAt(iso: string, now = Date.now()): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return "";
  const seconds = Math.round((now - at) / 1000);
  if (seconds < 60) return "just now";
  if (seconds < 3600) return relative.format(-Math.floor(seconds / 60), "minute");
  if (seconds < 86400) return relative.format(-Math.floor(seconds / 3600), "hour");
  if (seconds < 7 * 86400) return relative.format(-Math.floor(seconds / 86400), "day");
  return dateFormat.format(at);
}

/**
 * Markdown reduced to what a screen reader should say: no fences, emphasis marks, heading
 * hashes or link targets. Not a parser; good enough for an announcement.
 */
export function speakableText(markdown: string, maxChars = 2000): string {
  const text = markdown
    .replace(/^```.*$/gm, "")
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/^\s{0,3}#{1,6}\s+/gm, "")
    .replace(/^\s*>\s?/gm, "")
    .replace(/(\*\*|__|~~)(.+?)\1/g, "$2")
    .replace(/(^|[^*\w])[*_]([^*_\n]+)[*_](?=[^*\w]|$)/g, "$1$2")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/^\s*\|?\s*:?-{3,}.*$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return text.length > maxChars ? `${text.slice(0, maxChars).trimEnd()}…` : text;
}

/**
 * A `next` redirect target is only followed when it is a path on this site. Anything that
 * a browser could resolve to another origin (`//evil.test`, `/\evil.test`, `https://…`,
 * control characters that browsers strip) is dropped.
 */
export function safeNextPath(next: unknown): string | null {
  if (typeof next !== "string" || next.length === 0 || next.length > 2048) return null;
  if (!next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return null;
  // Browsers ignore tabs and newlines inside URLs and treat "\" as "/".
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return null;
  let url: URL;
  try {
    url = new URL(next, "http://bulkhead.invalid");
  } catch {
    return null;
  }
  if (url.origin !== "http://bulkhead.invalid") return null;
  // Never bounce back into the auth pages or the auth API.
  if (/^\/(signin|signup|api\/auth)(\/|$)/.test(url.pathname)) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** `/signin?next=<path>` (and `&error=<code>`), used by requireUser and by links from public pages. */
export function signInPath(next?: string | null, page: "/signin" | "/signup" = "/signin", error?: string): string {
  const params = new URLSearchParams();
  const safe = safeNextPath(next);
  if (safe) params.set("next", safe);
  if (error) params.set("error", error);
  const query = params.toString();
  return query ? `${page}?${query}` : page;
}

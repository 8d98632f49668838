/**
 * A `next` redirect target is only followed when it is a path on this site. Anything that
 * a browser could resolve to another origin (`//evil.test`, `/\evil.test`, `https://…`,
 * control characters that browsers strip) is dropped.
 *
 * The check runs on what we return, after URL normalisation, not only on the input:
 * normalising `/.//evil.test` or `/a/..//evil.test` yields `//evil.test`, a
 * protocol-relative URL, from an input that looked like a path.
 */
const BASE = "http://bulkhead.invalid";

export function safeNextPath(next: unknown): string | null {
  if (typeof next !== "string" || next.length === 0 || next.length > 2048) return null;
  if (!isPlainPath(next)) return null;
  let url: URL;
  try {
    url = new URL(next, BASE);
  } catch {
    return null;
  }
  if (url.origin !== BASE) return null;
  const normalised = `${url.pathname}${url.search}${url.hash}`;
  if (!isPlainPath(normalised)) return null;
  // A server or proxy that decodes the path before routing must not find "//" or a backslash in it either.
  let decodedPath: string;
  try {
    decodedPath = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (!isPlainPath(decodedPath)) return null;
  // Never bounce back into the auth pages or the auth API.
  if (/^\/(signin|signup|api\/auth)(\/|$)/i.test(decodedPath)) return null;
  return normalised;
}

/** A same-site path: one leading "/", not followed by "/" or a backslash, no characters browsers strip. */
function isPlainPath(value: string): boolean {
  if (!value.startsWith("/") || value.startsWith("//")) return false;
  // Browsers ignore tabs and newlines inside URLs and treat a backslash as "/".
  return !/[\u0000-\u001f\u007f\\]/.test(value);
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

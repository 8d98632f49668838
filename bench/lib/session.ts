/**
 * Signs in the way a browser does (next-auth credentials): GET /api/auth/csrf for the token
 * and its cookie, POST the form to /api/auth/callback/credentials, keep the session cookie.
 */
const SESSION_COOKIE = "next-auth.session-token";

export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const csrfRes = await fetch(`${baseUrl}/api/auth/csrf`);
  if (!csrfRes.ok) throw new Error(`GET /api/auth/csrf answered ${csrfRes.status}`);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken?: string };
  if (!csrfToken) throw new Error("GET /api/auth/csrf returned no csrfToken");

  const res = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookieHeader(csrfRes.headers.getSetCookie()) },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
  });
  await res.arrayBuffer();
  const session = res.headers.getSetCookie().map(nameValue).find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (!session) throw new Error(`Sign-in as ${email} failed (status ${res.status}, no ${SESSION_COOKIE} cookie)`);
  return session;
}

function nameValue(setCookie: string): string {
  return setCookie.split(";", 1)[0]!.trim();
}

function cookieHeader(setCookies: string[]): string {
  return setCookies.map(nameValue).join("; ");
}

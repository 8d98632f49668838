export const dynamic = "force-dynamic";

/** Liveness for the start script and load balancers; touches no tenant data. */
export function GET(): Response {
  return Response.json({ ok: true });
}

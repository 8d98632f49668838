/** Prisma's known request errors carry a code; P2002 is a unique-constraint violation. */
export function isUniqueViolation(error: unknown, field?: string): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { code?: unknown; meta?: { target?: unknown; driverAdapterError?: { cause?: { constraint?: { fields?: unknown } } } }; message?: unknown };
  if (e.code !== "P2002") return false;
  if (!field) return true;
  const text = JSON.stringify(e.meta ?? {}) + String(e.message ?? "");
  return text.includes(field);
}

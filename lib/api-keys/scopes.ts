import { z } from "zod";

/**
 * What a key may do. `knowledge:write` is reserved for the knowledge API; the database
 * refuses any other value (CHECK in 0015_api_keys).
 */
export const API_KEY_SCOPES = ["messages", "usage:read", "knowledge:write"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const API_KEY_SCOPE_LABELS: Record<ApiKeyScope, string> = {
  messages: "Messages (POST /v1/messages, count_tokens, GET /v1/models)",
  "usage:read": "Read usage (GET /v1/usage)",
  "knowledge:write": "Write knowledge (POST /v1/knowledge/documents)",
};

export const scopeListSchema = z
  .array(z.enum(API_KEY_SCOPES, { error: "Unknown scope." }))
  .min(1, "Choose at least one scope.")
  .max(API_KEY_SCOPES.length)
  .transform((scopes) => API_KEY_SCOPES.filter((s) => scopes.includes(s)));

export function isApiKeyScope(value: string): value is ApiKeyScope {
  return (API_KEY_SCOPES as readonly string[]).includes(value);
}

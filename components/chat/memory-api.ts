import { requestJson, type ApiResult } from "@/components/chat/chat-api";
import type { MemoryFact, MemoryState } from "@/lib/memory/schemas";

/** The Memory panel's calls (app/api/w/[slug]/memories, memory-settings); errors in the one envelope. */
const base = (slug: string) => `/api/w/${encodeURIComponent(slug)}`;
const jsonInit = (method: string, body: unknown): RequestInit => ({ method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

export function fetchMemory(slug: string, signal?: AbortSignal): Promise<ApiResult<MemoryState>> {
  return requestJson(`${base(slug)}/memories`, { signal }, async (res) => (await res.json()) as MemoryState);
}

export function addMemoryRequest(slug: string, content: string): Promise<ApiResult<MemoryFact>> {
  return requestJson(`${base(slug)}/memories`, jsonInit("POST", { content }), async (res) => ((await res.json()) as { memory: MemoryFact }).memory);
}

export function updateMemoryRequest(slug: string, id: string, change: { content?: string; status?: "active" | "dismissed" }): Promise<ApiResult<MemoryFact>> {
  return requestJson(`${base(slug)}/memories/${encodeURIComponent(id)}`, jsonInit("PATCH", change), async (res) => ((await res.json()) as { memory: MemoryFact }).memory);
}

export function deleteMemoryRequest(slug: string, id: string): Promise<ApiResult<null>> {
  return requestJson(`${base(slug)}/memories/${encodeURIComponent(id)}`, { method: "DELETE" }, async () => null);
}

export function setProposalsRequest(slug: string, proposeFromConversations: boolean): Promise<ApiResult<boolean>> {
  return requestJson(`${base(slug)}/memory-settings`, jsonInit("PUT", { proposeFromConversations }), async (res) => ((await res.json()) as { proposeFromConversations: boolean }).proposeFromConversations);
}

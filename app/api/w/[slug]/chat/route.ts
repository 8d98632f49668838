import { chatRoute } from "@/lib/chat/chat-route";

export const dynamic = "force-dynamic";

/**
 * The chat request path (lib/chat/chat-route.ts). In production scripts/serve.mjs answers it
 * before Next's router (lib/gateway/chat-door.ts); this route serves it under `next dev`.
 */
export const POST = chatRoute();

import { MAX_MEMORY_CHARS } from "@/lib/memory/schemas";

/**
 * An explicit "remember that …" in a chat message, detected deterministically (no model):
 * the message must start with it, so an ordinary sentence that mentions remembering is not
 * taken for a request. English phrasings only:
 *
 *   remember that I prefer metric units      →  "I prefer metric units"
 *   Please remember: our fiscal year starts in April
 *   remember, I'm on the Berlin team
 *
 * Returns the fact (whitespace collapsed, the final full stop dropped), or null when the
 * message is not such a request or the fact would not fit a memory (then nothing is stored
 * and the message is an ordinary turn).
 */
const REMEMBER = /^\s*(?:(?:please|pls|kindly)[\s,]+)?(?:can you |could you )?remember(?:\s+that\b|\s*[:,]|\s+this\s*:)\s*([\s\S]+)$/i;

export function detectRememberRequest(message: string): string | null {
  const match = REMEMBER.exec(message);
  if (!match) return null;
  const fact = (match[1] ?? "").replace(/\s+/g, " ").trim().replace(/[.!?]+$/, "").replace(/\?$/, "").trim();
  if (fact.length < 3 || fact.length > MAX_MEMORY_CHARS) return null;
  return fact;
}

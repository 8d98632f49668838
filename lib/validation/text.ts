import { z } from "zod";

/**
 * Text the database and every later reader can hold. PostgreSQL `text` cannot store NUL
 * (the insert fails: a 500 where a 4xx belongs), and an unpaired UTF-16 surrogate cannot
 * be encoded as UTF-8 at all. Every string that enters through a request is checked:
 * `cleanText()` in zod schemas, and `assertCleanValue()` over a whole parsed JSON body or
 * server-action argument, so a schema that forgets still cannot let one through.
 */
const UNSAFE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const CLEAN_TEXT_MESSAGE = "Remove the invisible control character (NUL) or broken character from this text.";

export function isCleanText(value: string): boolean {
  return !UNSAFE.test(value);
}

/** z.string() that refuses NUL and unpaired surrogates; chain .trim(), .min(), .max() as usual. */
export function cleanText(params?: Parameters<typeof z.string>[0]) {
  return z.string(params).refine(isCleanText, { error: CLEAN_TEXT_MESSAGE, abort: true });
}

/** Deeper than any form or API body of ours: more is an attack on the parser or the walker. */
export const MAX_JSON_DEPTH = 32;

export type UncleanValue = { path: string; reason: "text" | "depth" } | null;

/**
 * The first string (key or value) that is not clean text, or the first place nested
 * deeper than `maxDepth`. Iterative, so a hostile body cannot overflow the stack.
 */
export function findUncleanValue(value: unknown, maxDepth = MAX_JSON_DEPTH): UncleanValue {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: "", depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === "string") {
      if (!isCleanText(item.value)) return { path: item.path || "_", reason: "text" };
      continue;
    }
    if (typeof item.value !== "object" || item.value === null) continue;
    if (item.depth >= maxDepth) return { path: item.path || "_", reason: "depth" };
    for (const [key, child] of Object.entries(item.value)) {
      const path = item.path ? `${item.path}.${key}` : key;
      if (!isCleanText(key)) return { path, reason: "text" };
      stack.push({ value: child, path, depth: item.depth + 1 });
    }
  }
  return null;
}

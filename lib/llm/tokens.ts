/**
 * Token arithmetic without Claude's tokenizer, in two kinds:
 *
 * - Estimates (`estimateTextTokens`, `estimateInputTokens`): about four characters per token,
 *   close for English prose. The simulator bills with them, and the app uses them where it must
 *   guess what was used (an aborted stream's output, a sweeper settlement) — always flagged
 *   `estimated` on the usage event.
 * - Bounds (`inputTokenBound`): never below the true count, so a quota reservation of
 *   bound + max_tokens is an upper bound of what a call can cost and concurrent calls can
 *   never take a tenant past its quota. Claude's tokenizer is byte-level BPE: every token
 *   covers at least one UTF-8 byte, so the byte length is a bound (CJK text, which the
 *   four-characters rule under-counts, is three bytes a character).
 */
export const CHARS_PER_TOKEN = 4;
/** Role markers around each message and around the system prompt. */
export const MESSAGE_OVERHEAD_TOKENS = 3;
/** An image or document block: roughly what a 1,092 px square image costs on the real API. */
export const MEDIA_BLOCK_TOKENS = 1_600;

export type CacheTtl = "5m" | "1h";

export interface CacheControlLike {
  readonly type: string;
  readonly ttl?: string | null;
}

/** Structural shapes: the SDK's param types and the simulator's parsed request both fit. */
export interface BlockLike {
  readonly type: string;
  readonly text?: string;
  readonly cache_control?: CacheControlLike | null;
}

export interface MessageLike {
  readonly role: string;
  readonly content: string | ReadonlyArray<BlockLike>;
}

export interface CacheControllable {
  readonly cache_control?: CacheControlLike | null;
}

export interface TokenCountable {
  readonly system?: string | ReadonlyArray<BlockLike> | null;
  readonly messages: ReadonlyArray<MessageLike>;
  readonly tools?: ReadonlyArray<CacheControllable> | null;
}

/** One piece of the prompt in the order the API caches it: tools, system, messages. */
export type SegmentVisitor = (tokens: number, part: string | object, breakpoint: CacheTtl | null) => void;

export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** Role and turn markers per message block, on top of its bytes: generous on purpose. */
export const BOUND_OVERHEAD_TOKENS = 16;
/** An image or document block: the API's ceiling for one image is about 1,600 tokens; PDFs can cost more per page. */
export const BOUND_MEDIA_BLOCK_TOKENS = 6_400;

/** An upper bound of a request's input tokens (see above): bytes plus per-block overhead. */
export function inputTokenBound(request: TokenCountable): number {
  let total = BOUND_OVERHEAD_TOKENS;
  for (const tool of request.tools ?? []) total += BOUND_OVERHEAD_TOKENS + Buffer.byteLength(JSON.stringify(tool), "utf8");
  const content = (c: string | ReadonlyArray<BlockLike>) => {
    if (typeof c === "string") {
      total += BOUND_OVERHEAD_TOKENS + Buffer.byteLength(c, "utf8");
      return;
    }
    total += BOUND_OVERHEAD_TOKENS;
    for (const block of c) {
      if (typeof block.text === "string") total += BOUND_OVERHEAD_TOKENS + Buffer.byteLength(block.text, "utf8");
      else if (block.type === "image" || block.type === "document") total += BOUND_MEDIA_BLOCK_TOKENS;
      else total += BOUND_OVERHEAD_TOKENS + Buffer.byteLength(JSON.stringify(block), "utf8");
    }
  };
  if (request.system) content(request.system);
  for (const message of request.messages) content(message.content);
  return total;
}

/** Total input tokens of a request (what count_tokens answers, cached or not). */
export function estimateInputTokens(request: TokenCountable): number {
  let total = 0;
  visitInputSegments(request, (tokens) => {
    total += tokens;
  });
  return total;
}

/**
 * Walks the prompt block by block. Callback style so the common path (just a total)
 * allocates nothing; the prompt-cache simulation uses the parts and breakpoints.
 */
export function visitInputSegments(request: TokenCountable, visit: SegmentVisitor): void {
  for (const tool of request.tools ?? []) {
    visit(estimateTextTokens(JSON.stringify(tool)), tool, breakpointOf(tool));
  }
  if (request.system) visitContent(request.system, visit);
  for (const message of request.messages) visitContent(message.content, visit);
}

function visitContent(content: string | ReadonlyArray<BlockLike>, visit: SegmentVisitor): void {
  if (typeof content === "string") {
    visit(MESSAGE_OVERHEAD_TOKENS + estimateTextTokens(content), content, null);
    return;
  }
  let overhead = MESSAGE_OVERHEAD_TOKENS;
  for (const block of content) {
    visit(overhead + estimateBlockTokens(block), block, breakpointOf(block));
    overhead = 0;
  }
  // An empty block list still costs its role markers.
  if (overhead > 0) visit(overhead, "", null);
}

function estimateBlockTokens(block: BlockLike): number {
  if (typeof block.text === "string") return estimateTextTokens(block.text);
  if (block.type === "image" || block.type === "document") return MEDIA_BLOCK_TOKENS;
  return estimateTextTokens(JSON.stringify(block));
}

function breakpointOf(part: CacheControllable): CacheTtl | null {
  const control = part.cache_control;
  if (!control) return null;
  return control.ttl === "1h" ? "1h" : "5m";
}

/**
 * Deterministic token estimator, shared by the simulator (to report usage) and the app (to
 * reserve quota before a call), so a reservation always equals what the simulator bills.
 *
 * It is an estimate, not Claude's tokenizer: about four characters per token, which is close
 * for English prose, over-counts code slightly and under-counts CJK text. Against the real API
 * the app settles on the usage the API reports; the estimate only sizes the reservation.
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

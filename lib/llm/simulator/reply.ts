import { CHARS_PER_TOKEN } from "../tokens";

/**
 * Reply text: deterministic for a seed, plausible Markdown (a paragraph, sometimes a list or
 * a fenced code block), and always opening with a line that says it is simulated, so nobody
 * mistakes it for Claude in the UI or in a screenshot.
 */
export const REPLY_FIRST_LINE = "(simulated reply)";
export const ECHO_FIRST_LINE = "(simulated echo)";

export type StopReason = "end_turn" | "max_tokens" | "stop_sequence";

export interface LimitedReply {
  text: string;
  stopReason: StopReason;
  stopSequence: string | null;
}

const OPENERS = [
  "Here is a short answer.",
  "Good question, and here is how I would approach it.",
  "Sure. Here is an overview.",
  "Let's break this down.",
  "Happy to help with that.",
];
const NOUNS = [
  "the request", "the configuration", "each step", "the cache", "the response", "your data",
  "the main loop", "the limit", "the workflow", "the interface", "this approach", "the first draft",
  "the test suite", "the input", "the summary", "the schedule",
];
const VERBS = ["validate", "cache", "update", "separate", "measure", "retry", "summarize", "review", "simplify", "document"];
const ADJECTIVES = ["consistent", "small", "explicit", "predictable", "up to date", "well tested", "bounded", "easy to read", "stable"];
const CLOSINGS = ["Let me know if you want more detail on any of these steps.", "Hope this helps.", "Happy to go deeper on any part of this."];
const SNIPPETS = [
  "```ts\nfunction normalize(input: string): string {\n  return input.trim().toLowerCase();\n}\n```",
  "```python\ndef summarize(items):\n    return {item: len(item) for item in items}\n```",
  "```bash\ncurl -s http://localhost:3000/health\n```",
  "```sql\nSELECT id, name FROM items ORDER BY created_at DESC LIMIT 10;\n```",
];

type Random = () => number;

/** mulberry32: tiny, fast, good enough to vary wording. */
function randomFrom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function sentence(random: Random): string {
  const n = () => pick(random, NOUNS);
  const v = () => pick(random, VERBS);
  const adj = () => pick(random, ADJECTIVES);
  switch (Math.floor(random() * 7)) {
    case 0: return `In most cases, ${n()} should ${v()} ${n()} before ${n()} becomes ${adj()}.`;
    case 1: return `A simple way to handle this is to ${v()} ${n()} and keep ${n()} ${adj()}.`;
    case 2: return `${capitalize(n())} usually matters more than ${n()} here.`;
    case 3: return `If ${n()} is ${adj()}, you can ${v()} ${n()} without extra work.`;
    case 4: return `It helps to ${v()} ${n()} early, because ${n()} tends to stay ${adj()} afterwards.`;
    case 5: return `The trade-off is that ${n()} is harder to ${v()} when ${n()} is not ${adj()}.`;
    default: return `Start by checking whether ${n()} is ${adj()}, then ${v()} ${n()}.`;
  }
}

function sentences(random: Random, min: number, max: number): string {
  const count = min + Math.floor(random() * (max - min + 1));
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(sentence(random));
  return out.join(" ");
}

function list(random: Random): string {
  const count = 3 + Math.floor(random() * 3);
  const items: string[] = [];
  for (let i = 0; i < count; i++) {
    items.push(`- **${capitalize(pick(random, VERBS))} ${pick(random, NOUNS)}**: ${sentence(random)}`);
  }
  return `A few points to keep in mind:\n\n${items.join("\n")}`;
}

/** The user's question, shortened, with fault markers removed. */
export function topicOf(lastUserText: string): string {
  // Quote what the user typed, not the markers the platform wrapped it in.
  const words = lastUserText
    .replace(/\[\[sim:[^\]]*\]\]/g, " ")
    .replace(/<\/?user_message>/g, " ")
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  if (words.length === 0) return "";
  const topic = words.slice(0, 10).join(" ");
  return words.length > 10 || topic.length > 80 ? `${topic.slice(0, 80)}…` : topic;
}

/**
 * A natural-length reply, or with `fillChars` one at least that long (the "slow" fault keeps
 * producing until max_tokens cuts it).
 */
export function composeReply(seed: number, topic: string, fillChars = 0): string {
  const random = randomFrom(seed);
  // "You asked about “Why is it slow?” The ..." — no extra period after a question mark.
  const about = topic ? ` You asked about “${topic}”${/[.!?…]$/.test(topic) ? "" : "."}` : "";
  const parts = [REPLY_FIRST_LINE, `${pick(random, OPENERS)}${about} ${sentences(random, 2, 4)}`];

  const extra = random();
  if (extra < 0.35) parts.push(list(random));
  else if (extra < 0.6) parts.push(`For example:\n\n${pick(random, SNIPPETS)}`);
  if (random() < 0.6) parts.push(pick(random, CLOSINGS));

  let text = parts.join("\n\n");
  while (text.length < fillChars) {
    text += `\n\n${random() < 0.25 ? list(random) : sentences(random, 3, 5)}`;
  }
  return text;
}

export function echoReply(summary: unknown): string {
  return `${ECHO_FIRST_LINE}\n${JSON.stringify(summary)}`;
}

/** Reads back an echo reply: for tests that check what the simulator was sent. */
export function parseEcho(text: string): unknown {
  if (!text.startsWith(`${ECHO_FIRST_LINE}\n`)) throw new Error("not a simulated echo reply");
  return JSON.parse(text.slice(ECHO_FIRST_LINE.length + 1));
}

/**
 * Applies stop sequences, then max_tokens. Output tokens are estimated from characters, so
 * cutting at max_tokens × CHARS_PER_TOKEN characters keeps output_tokens ≤ max_tokens.
 */
export function limitReply(text: string, maxTokens: number, stopSequences: readonly string[] = []): LimitedReply {
  let cut = text.length;
  let stopSequence: string | null = null;
  for (const sequence of stopSequences) {
    const at = text.indexOf(sequence);
    if (at !== -1 && at < cut) {
      cut = at;
      stopSequence = sequence;
    }
  }
  const maxChars = maxTokens * CHARS_PER_TOKEN;
  if (cut > maxChars) {
    return { text: text.slice(0, safeCut(text, maxChars)), stopReason: "max_tokens", stopSequence: null };
  }
  if (stopSequence !== null) return { text: text.slice(0, cut), stopReason: "stop_sequence", stopSequence };
  return { text, stopReason: "end_turn", stopSequence: null };
}

/** Never split a surrogate pair (an emoji in the quoted topic). */
function safeCut(text: string, at: number): number {
  const code = text.charCodeAt(at - 1);
  return code >= 0xd800 && code <= 0xdbff ? at - 1 : at;
}

/** Word-level stream chunks whose concatenation is exactly `text`. */
export function chunkText(text: string, wordsPerChunk = 2): string[] {
  const words = text.match(/\s*\S+\s*/g);
  if (!words) return text ? [text] : [];
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += wordsPerChunk) chunks.push(words.slice(i, i + wordsPerChunk).join(""));
  return chunks;
}

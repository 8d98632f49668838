import type { FlatMessage } from "./request";

/**
 * What the simulator received, for isolation tests ("tenant B's request never contained
 * tenant A's text"). Texts are kept whole, since a secret can sit anywhere in a long prompt;
 * the log is bounded by entry count and by total characters instead, oldest dropped first.
 */
export type ReceivedOutcome = "in_progress" | "completed" | "aborted" | "error";

export interface ReceivedUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export interface ReceivedEntry {
  requestId: string;
  /** ISO 8601 arrival time. */
  at: string;
  endpoint: "messages" | "count_tokens";
  model: string;
  /** System prompt, text blocks joined with "\n". */
  system: string;
  messages: FlatMessage[];
  maxTokens: number | null;
  stream: boolean;
  /**
   * The request's fields besides the prompt, max_tokens and stream (temperature, tools,
   * stop_sequences, metadata, …), as received: what a gateway in front passed through.
   */
  options?: Record<string, unknown>;
  /** Fault directives in effect, e.g. "429x2:0.05,slow"; null when none. */
  fault: string | null;
  headers: { "x-bulkhead-tenant"?: string; "x-bulkhead-request"?: string };
  /** HTTP status sent. A mid-stream error keeps 200 with outcome "error". */
  status: number;
  /** "in_progress" while a stream is still being written; updated in place. */
  outcome: ReceivedOutcome;
  usage: ReceivedUsage | null;
}

export interface ReceivedLog {
  /** Oldest first. */
  all(): ReceivedEntry[];
  find(predicate: (entry: ReceivedEntry) => boolean): ReceivedEntry | undefined;
  filter(predicate: (entry: ReceivedEntry) => boolean): ReceivedEntry[];
  last(): ReceivedEntry | undefined;
  readonly size: number;
  clear(): void;
}

export interface ReceivedRecorder extends ReceivedLog {
  add(entry: ReceivedEntry): void;
}

export interface ReceivedLogOptions {
  maxEntries?: number;
  maxChars?: number;
}

export function createReceivedLog({ maxEntries = 5_000, maxChars = 50_000_000 }: ReceivedLogOptions = {}): ReceivedRecorder {
  // A queue as array + start index: add and evict are O(1), compacted now and then.
  let entries: ReceivedEntry[] = [];
  let start = 0;
  let chars = 0;

  const live = () => entries.slice(start);

  return {
    add(entry) {
      entries.push(entry);
      chars += charsOf(entry);
      while (entries.length - start > maxEntries || (chars > maxChars && entries.length - start > 1)) {
        const dropped = entries[start];
        if (dropped) chars -= charsOf(dropped);
        start++;
      }
      if (start > 1_024 && start * 2 > entries.length) {
        entries = entries.slice(start);
        start = 0;
      }
    },
    all: live,
    find(predicate) {
      for (let i = start; i < entries.length; i++) {
        const entry = entries[i];
        if (entry && predicate(entry)) return entry;
      }
      return undefined;
    },
    filter: (predicate) => live().filter(predicate),
    last: () => (entries.length > start ? entries[entries.length - 1] : undefined),
    get size() {
      return entries.length - start;
    },
    clear() {
      entries = [];
      start = 0;
      chars = 0;
    },
  };
}

function charsOf(entry: ReceivedEntry): number {
  let total = entry.system.length;
  for (const m of entry.messages) total += m.text.length;
  return total;
}

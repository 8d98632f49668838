/**
 * Watches a streamed reply for leaks of the system prompt, across chunk boundaries: the
 * tenant's canary (lib/security/canary.ts), in any case, and long verbatim spans of the
 * platform rules or the tenant configuration (VERBATIM_WORDS words in a row, compared
 * word by word, ignoring case and punctuation).
 *
 * Text is released only once it cannot be the start of a canary, so a canary split over
 * two chunks never reaches the client even in part, and a word only once it is complete,
 * so a verbatim span is caught at its VERBATIM_WORDS-th word with the words before it out.
 */
export const VERBATIM_WORDS = 12;

export type LeakReason = "leak.canary" | "leak.verbatim_prompt";

export interface LeakCheck {
  /** Text safe to send on now. */
  emit: string;
  /** Set once a leak is found; nothing more is emitted after it. */
  leak: LeakReason | null;
}

export interface LeakWatcher {
  push(chunk: string): LeakCheck;
  /** At the end of a reply with no leak: the held-back tail. */
  flush(): string;
  /** Everything emitted so far (what the client saw). */
  readonly emitted: string;
  /** The leak found, if any (by push or by flush). */
  readonly leak: LeakReason | null;
}

const WORD = /[\p{L}\p{N}]+/gu;
const WORD_CHAR = /[\p{L}\p{N}]/u;
/** A longer run without a break (a pasted blob) is released rather than held. */
const MAX_HELD_WORD = 64;

/** Where the word that runs up to `end` starts (`end` itself when none does). */
function lastWordStart(text: string, end: number): number {
  let i = end;
  while (i > 0 && WORD_CHAR.test(text[i - 1]!)) i--;
  return i;
}

function words(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/** Every run of VERBATIM_WORDS consecutive words of the protected text. */
export function verbatimIndex(protectedText: string): Set<string> {
  const all = words(protectedText);
  const index = new Set<string>();
  for (let i = 0; i + VERBATIM_WORDS <= all.length; i++) index.add(all.slice(i, i + VERBATIM_WORDS).join(" "));
  return index;
}

export function createLeakWatcher(options: { canary: string; protectedText: string; index?: Set<string> }): LeakWatcher {
  const canary = options.canary.toLowerCase();
  const index = options.index ?? verbatimIndex(options.protectedText);
  let held = ""; // not yet emitted: could be the start of the canary
  let emitted = "";
  let leak: LeakReason | null = null;
  // Word tracking for the verbatim check: the last completed words and the partial one.
  const recent: string[] = [];
  let partial = "";

  const trackWords = (text: string): boolean => {
    for (const ch of text) {
      if (WORD_CHAR.test(ch)) {
        partial += ch.toLowerCase();
        continue;
      }
      if (partial === "") continue;
      recent.push(partial);
      partial = "";
      if (recent.length > VERBATIM_WORDS) recent.shift();
      if (recent.length === VERBATIM_WORDS && index.has(recent.join(" "))) return true;
    }
    return false;
  };

  return {
    get emitted() {
      return emitted;
    },
    get leak() {
      return leak;
    },
    push(chunk: string): LeakCheck {
      if (leak) return { emit: "", leak };
      const buffer = held + chunk;
      const lower = buffer.toLowerCase();
      const at = lower.indexOf(canary);
      if (at >= 0) {
        // What came before the canary may go out, unless it completes a verbatim span.
        const before = buffer.slice(0, at);
        leak = "leak.canary";
        if (trackWords(before)) return { emit: "", leak };
        emitted += before;
        return { emit: before, leak };
      }
      // Hold back the longest tail that is a prefix of the canary, and the word in progress
      // (it may be the last word of a verbatim span), up to MAX_HELD_WORD characters.
      let keep = Math.min(canary.length - 1, buffer.length);
      while (keep > 0 && !canary.startsWith(lower.slice(lower.length - keep))) keep--;
      let end = buffer.length - keep;
      const wordStart = lastWordStart(buffer, end);
      if (end - wordStart <= MAX_HELD_WORD) end = wordStart;
      const emit = buffer.slice(0, end);
      held = buffer.slice(end);
      if (trackWords(emit)) {
        leak = "leak.verbatim_prompt";
        return { emit: "", leak };
      }
      emitted += emit;
      return { emit, leak: null };
    },
    flush(): string {
      if (leak) return "";
      const rest = held;
      held = "";
      // The last word ends with the reply.
      if (trackWords(`${rest} `)) {
        leak = "leak.verbatim_prompt";
        return "";
      }
      emitted += rest;
      return rest;
    },
  };
}

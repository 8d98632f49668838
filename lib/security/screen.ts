import { fold, skeleton, skeletonInfo, spacedSkeleton } from "@/lib/security/normalise";
import { MultiMatcher, type MatchSet } from "@/lib/security/multi-match";
import { COMBO_RULES, CONCEPTS, DERIVED_SPANS, type ComboRule, type Concept, type Derived } from "@/lib/security/screen-lexicon";
import {
  COOCCURRENCE_RULES,
  SCREEN_GATES,
  SCREEN_RULES,
  SCREEN_THRESHOLDS,
  type ScreenCategory,
  type ScreenGate,
  type ScreenRule,
} from "@/lib/security/screen-rules";

/**
 * The prompt-injection detector: deterministic, no network, no model. The message is
 * normalised (lib/security/normalise.ts) and read once by a multi-term automaton
 * (lib/security/multi-match.ts) that finds every word family of screen-lexicon.ts and
 * every gate word of screen-rules.ts. The gates decide which phrase rules can match at all
 * (most never run); the word families score co-occurrence signals (a dismissal near the
 * assistant's own instructions, in any order and many languages). Payloads hidden in
 * base64, hex, ROT13 or reversed text are decoded, only where candidate spans exist, and
 * read the same way. The weights of the distinct signals add up to a score from 0 to 100.
 */
export type DetectorVerdict = "allow" | "flag" | "block";

export interface ScreenFinding {
  /** The rule id, prefixed by the encoding it was found under ("base64:override.en"). */
  reason: string;
  category: ScreenCategory;
  weight: number;
}

export interface ScreenResult {
  score: number;
  verdict: DetectorVerdict;
  /** Distinct reasons, strongest first. */
  reasons: string[];
  categories: ScreenCategory[];
}

type Encoding = "base64" | "hex" | "rot13" | "reversed" | "tags" | "url" | "escapes";

const SKELETON_RULES = SCREEN_RULES.filter((r) => r.form === "skeleton");
const FOLDED_RULES = SCREEN_RULES.filter((r) => r.form === "folded");
const DECODED_RULES = SCREEN_RULES.filter((r) => r.decoded === true);

/** Hiding an instruction is itself a signal: a decoded match weighs this much more. */
const ENCODED_BONUS = 10;
/** Beyond the Latin blocks: the folded (all-script) rules can only match such text. */
const NON_LATIN = /[^\u0000-\u024F\u1E00-\u1EFF\u2000-\u206F]/;
const TAG_CHARACTERS = /[\u{E0000}-\u{E007F}]/u;
const NON_ASCII = /[^\x00-\x7f]/;
/** Words glued into one run of letters: at least this many. */
const GLUED_LETTERS = 18;
const INVISIBLE_BETWEEN_LETTERS = /[a-z][\u200B-\u200D\u2060-\u2064\u180E\u034F\uFEFF][a-z]/i;
const MIXED_SCRIPT_WORD = /[a-z][\u0370-\u03FF\u0400-\u04FF]|[\u0370-\u03FF\u0400-\u04FF][a-z]/i;
// Runs are found by a character loop over a lookup table: a regex restarts inside every
// long word, which cost more than all the rules together on an 8,000-character message.
const charTable = (chars: string): Uint8Array => {
  const table = new Uint8Array(128);
  for (const ch of chars) table[ch.charCodeAt(0)] = 1;
  return table;
};
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BASE64_CHARS = charTable(`${ALNUM}+/_-=`);
const HEX_CHARS = charTable("0123456789abcdefABCDEFx\\ :,");
const LOWER_LETTERS = charTable("abcdefghijklmnopqrstuvwxyz");
const MAX_CANDIDATES = 32;
const WRAPPED_BASE64 = /(?:^[A-Za-z0-9+/_-]{12,}[ \t]*\r?\n){1,40}[A-Za-z0-9+/_-]{2,}={0,2}[ \t]*$/gm;
const MAX_DECODED_CHARS = 4000;

let useGates = true;
/** For the test that proves the gates never change a result; not for production use. */
export function setScreenGatesForTest(enabled: boolean): void {
  useGates = enabled;
}

export function screenText(text: string): ScreenResult {
  stretchCache = new Map();
  try {
    return screenOnce(text);
  } finally {
    stretchCache = null;
  }
}

function screenOnce(text: string): ScreenResult {
  const findings: ScreenFinding[] = [];
  const { text: skel, invisible } = skeletonInfo(text);

  const latin = LATIN.matcher.scan(skel);
  readSkeleton(skel, latin, findings);
  // Invisible characters may stand for word breaks rather than sit inside words: words
  // glued into one long run are the sign, and only then is the text read a second way.
  if (invisible > 0 && (hasRun(skel, LOWER_LETTERS, GLUED_LETTERS) || INVISIBLE_BETWEEN_LETTERS.test(text))) {
    const spaced = spacedSkeleton(text);
    readSkeleton(spaced, LATIN.matcher.scan(spaced), findings);
  }
  // "i g n o r e", "ig-nore prev-ious": letters split by spaces or hyphens, read joined.
  // Hyphens inside words are common ("follow-up", "e-mail"): the joined text is read in full
  // only when joining made an attack word appear; split single letters always are.
  const joined = joinSplitLetters(skel);
  if (joined !== null) {
    const joinedMatches = LATIN.matcher.scan(joined.text);
    if (joined.letters || JOIN_WORDS.some((c) => joinedMatches.starts(LATIN.concept.get(c)!).length > latin.starts(LATIN.concept.get(c)!).length)) {
      readSkeleton(joined.text, joinedMatches, findings);
    }
  }
  // "1gn0re y0ur rul3s": only when a key word is spelled with digits is the text read again.
  if (latin.has(LATIN.leetAnchor)) {
    const letters = unleet(skel);
    readSkeleton(letters, LATIN.matcher.scan(letters), findings);
  }
  if (NON_LATIN.test(text)) {
    const folded = fold(text, { invisible: invisible > 0 });
    const script = SCRIPT.matcher.scan(folded);
    matchRules(FOLDED_RULES, folded, SCRIPT, script, findings);
    matchCombos(folded, SCRIPT, script, findings);
  }

  hiddenSignals(text, invisible, findings);
  // Invisible characters between the letters of an attack word: hiding it is the signal.
  if (invisible >= 3 && INVISIBLE_BETWEEN_LETTERS.test(text) && HIDDEN_WORDS.some((c) => latin.has(LATIN.concept.get(c)!))) {
    findings.push({ reason: "hidden.split_attack_words", category: "hidden", weight: 25 });
  }
  for (const payload of decodedPayloads(text, skel, latin, invisible > 0)) {
    const matches = LATIN.matcher.scan(payload.text);
    matchRules(DECODED_RULES, payload.text, LATIN, matches, findings, payload.encoding);
    matchCombos(payload.text, LATIN, matches, findings, payload.encoding);
  }
  // "Is it possible for a user to make you reveal your system prompt?" asks about an attack.
  const hypothetical = latin.has(LATIN.concept.get("hypothetical")!);
  const supplied = latin.has(LATIN.concept.get("supplied")!) || othersQuotedInDocument(skel, latin);
  return score(findings, latin.has(LATIN.concept.get("mention")!), hypothetical || quotedOnly(skel, latin), hypothetical, supplied);
}

/** Word families whose letters, split by invisible characters, make hiding an attack. */
const HIDDEN_WORDS: readonly Concept[] = ["dismiss", "dismissed", "hiddenPrompt", "unrestricted", "toldPhrase"];

/** Words that carry an attack (not generic ones like "show" or "pretend"). */
const ATTACK_WORDS: readonly Concept[] = ["dismiss", "dismissed", "hiddenPrompt", "unrestricted", "toldPhrase", "obeyMe"];
const QUOTED = /(["`])[^"`\n]{2,300}?\1|(?<![a-z])'[^'\n]{2,300}?'(?![a-z])/g;

/**
 * A message that talks about attacks ("is 'ignore previous instructions' still a working
 * attack?") with every attack word inside quotes: it quotes an attack rather than makes one.
 */
function quotedOnly(skel: string, latin: MatchSet): boolean {
  if (!latin.has(LATIN.concept.get("attackTalk")!)) return false;
  const starts = ATTACK_WORDS.flatMap((c) => latin.starts(LATIN.concept.get(c)!));
  if (starts.length === 0) return false;
  const regions: [number, number][] = [];
  for (const m of skel.matchAll(QUOTED)) regions.push([m.index, m.index + m[0].length]);
  return regions.length > 0 && starts.every((p) => regions.some(([a, b]) => p > a && p < b));
}

/**
 * A pasted text for work ("proofread this FAQ: 'Can I see other users' chats? No …'") with
 * every mention of other people inside its quotes: the others are the document's.
 */
function othersQuotedInDocument(skel: string, latin: MatchSet): boolean {
  if (!latin.has(LATIN.concept.get("docFrame")!)) return false;
  const starts = latin.starts(LATIN.concept.get("others")!);
  if (starts.length === 0) return false;
  const regions: [number, number][] = [];
  for (const m of skel.matchAll(QUOTED)) regions.push([m.index, m.index + m[0].length]);
  return regions.length > 0 && starts.every((p) => regions.some(([a, b]) => p > a && p < b));
}

function readSkeleton(skel: string, matches: MatchSet, findings: ScreenFinding[]): void {
  matchRules(SKELETON_RULES, skel, LATIN, matches, findings);
  matchCooccurrence(skel, matches, findings);
  matchCombos(skel, LATIN, matches, findings);
}

// --- the automata -------------------------------------------------------------------------

/**
 * One automaton per normalised form: the skeleton (Latin-script terms) and the folded text
 * (terms in other scripts). Each knows where its concepts and gates sit among its groups.
 */
interface FormMatcher {
  matcher: MultiMatcher;
  concept: ReadonlyMap<Concept, number>;
  gate: ReadonlyMap<ScreenGate, number>;
  leetAnchor: number;
  percentAnchor: number;
  escapeAnchor: number;
  rot13Anchor: number;
  reversedAnchor: number;
}

/**
 * A gate's pattern as literal terms: SCREEN_GATES are alternations of plain words, kept as
 * regular expressions so that a reader (and the gates test) sees what they match. `x\b` and
 * `\bx` keep only the literal (a superset: never fewer rules run), `[lł]` and `x ?` expand.
 */
export function gateTerms(pattern: RegExp): string[] {
  const out: string[] = [];
  // Split on the alternation bars, not on an escaped "\\|".
  for (const raw of pattern.source.split(/(?<!\\)\|/)) {
    // A leading \b makes a word-start term, a trailing one a word-end term; both read ASCII
    // letters and digits as word characters, the regex also "_": never a narrower gate.
    const wordStart = raw.startsWith("\\b");
    const wordEnd = raw.endsWith("\\b") && raw.length > 2;
    const alternative = raw.slice(wordStart ? 2 : 0, wordEnd ? -2 : undefined);
    let variants = [""];
    for (let i = 0; i < alternative.length; i++) {
      const ch = alternative[i]!;
      if (ch === "\\") {
        const next = alternative[++i];
        if (next === "b") continue;
        if (next === undefined || /[a-zA-Z0-9]/.test(next)) throw new Error(`gate ${pattern}: unsupported escape \\${next}`);
        variants = variants.map((v) => v + next);
      } else if (ch === "[") {
        const close = alternative.indexOf("]", i);
        const options = [...alternative.slice(i + 1, close)];
        variants = variants.flatMap((v) => options.map((o) => v + o));
        i = close;
      } else if (alternative[i + 1] === "?") {
        variants = variants.flatMap((v) => [v, v + ch]);
        i++;
      } else if ("()*+{}^$.".includes(ch)) {
        throw new Error(`gate ${pattern}: unsupported ${ch}`);
      } else {
        variants = variants.map((v) => v + ch);
      }
    }
    for (const v of variants) if (v !== "") out.push(`${wordStart ? "" : "*"}${v.normalize("NFKC")}${wordEnd ? "\\b" : ""}`);
  }
  return out;
}

/** Words that, ROT13-encoded or reversed, mark a text worth decoding. */
const TRANSFORM_ANCHOR_WORDS = ["ignore", "disregard", "forget", "instruction", "prompt", "system", "reveal", "jailbreak", "anything now", "pretend", "previous", "override", "bypass", "customer", "tenant", "password", "users", "conversation", "rules", "everything", "obey", "guidance", "guideline", "setup", "configuration", "restriction", "filter", "show me", "other"];

/** Words that, spelled with digits for letters ("1gn0re", "rul3s"), call for a leet reading. */
const LEET_ANCHOR_WORDS = ["ignore", "rules", "instructions", "previous", "prompt", "system", "reveal", "forget", "disregard", "restrictions", "jailbreak"];
const LEET: Readonly<Record<string, string>> = { o: "0", i: "1", e: "3", a: "4", s: "5", t: "7" };
const UNLEET: Readonly<Record<string, string>> = { "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", $: "s" };

/** Every spelling of a word with some (at least one) of its letters as digits. */
function leetVariants(word: string): string[] {
  let variants = [""];
  for (const ch of word) {
    const digit = LEET[ch];
    variants = digit === undefined ? variants.map((v) => v + ch) : variants.flatMap((v) => [v + ch, v + digit]);
  }
  return variants.filter((v) => v !== word).map((v) => `*${v}`);
}

/** Single letters, at least three, with one separator between them throughout ("i g n o r e", "r.u.l.e.s"). */
const SPLIT_LETTERS = /(?<![a-z0-9])[a-z]([ ._*|/-])[a-z](?:\1[a-z])+(?![a-z0-9])/g;
const SPLIT_SEPARATORS = /[ ._*|/-]/g;
/** A hyphen inside a word ("ig-nore"): two of them make a text worth reading joined. */
// These start with the separator, not with a lookbehind: a pattern that opens with a
// lookbehind is tried at every position of the text.
const INNER_HYPHEN = /-(?<=[a-z]-)(?=[a-z])/g;
const HAS_SPLIT = /[ ._*|/-](?<=(?<![a-z0-9])[a-z][ ._*|/-])[a-z][ ._*|/-][a-z](?![a-z0-9])|-(?<=[a-z]-)[a-z][^]*?[a-z]-[a-z]/;

/**
 * The text with words put back together where letters were split apart to dodge the
 * matcher: single letters with separators between them become one word (runs of two or
 * more spaces stay word breaks), hyphens inside words go. Null when nothing was split;
 * `letters` says single letters were joined (not only hyphens removed).
 */
function joinSplitLetters(skel: string): { text: string; letters: boolean } | null {
  if (!HAS_SPLIT.test(skel)) return null;
  let letters = false;
  const joined = skel
    .replace(SPLIT_LETTERS, (run) => {
      letters = true;
      return run.replace(SPLIT_SEPARATORS, "");
    })
    .replace(INNER_HYPHEN, "");
  return joined === skel ? null : { text: joined, letters };
}

/** The word families whose new appearance in the joined text makes it worth reading. */
const JOIN_WORDS: readonly Concept[] = ["dismiss", "dismissed", "rulesNoun", "hiddenPrompt", "configNoun", "unrestricted", "toldPhrase", "obeyMe", "reveal"];

/** Digits and symbols read as the letters they stand for, inside words only. */
function unleet(text: string): string {
  return text.replace(/(?<=[a-z0-9@$])[013457@$]|[013457@$](?=[a-z])/g, (c) => UNLEET[c] ?? c);
}

const isScriptTerm = (term: string): boolean => term.startsWith("*") && NON_LATIN.test(term);
/** Latin terms written with a trailing space must end a word there ("skip " is not "skipper"). */
const latinTerm = (term: string): string => (term.endsWith(" ") && !term.startsWith("*") ? `${term.trimEnd()}\\b` : term);

/** A gate with more words than this in a text opens its rules on all of the text anyway. */
const GATE_POSITIONS = 16;

function buildFormMatcher(script: boolean): FormMatcher {
  const groups: { terms: string[]; limit?: number }[] = [];
  const concept = new Map<Concept, number>();
  for (const [name, terms] of Object.entries(CONCEPTS) as [Concept, readonly string[]][]) {
    concept.set(name, groups.length);
    groups.push({ terms: terms.filter((t) => isScriptTerm(t) === script).map((t) => (script ? t.normalize("NFKC").toLowerCase() : latinTerm(t))) });
  }
  const gate = new Map<ScreenGate, number>();
  for (const [name, pattern] of Object.entries(SCREEN_GATES) as [ScreenGate, RegExp][]) {
    gate.set(name, groups.length);
    groups.push({ terms: gateTerms(pattern), limit: GATE_POSITIONS });
  }
  const leetAnchor = groups.length;
  groups.push({ terms: script ? [] : LEET_ANCHOR_WORDS.flatMap(leetVariants), limit: 1 });
  // Percent-encoded letters (%41–%7a start with %4…%7) and \u / &# escapes: decoded on sight.
  const percentAnchor = groups.length;
  groups.push({ terms: script ? [] : ["*%4", "*%5", "*%6", "*%7"], limit: 1 });
  const escapeAnchor = groups.length;
  groups.push({ terms: script ? [] : ["*\\u00", "*&#"], limit: 1 });
  const rot13Anchor = groups.length;
  groups.push({ terms: script ? [] : TRANSFORM_ANCHOR_WORDS.map((w) => `*${rot13(w)}`) });
  const reversedAnchor = groups.length;
  groups.push({ terms: script ? [] : TRANSFORM_ANCHOR_WORDS.map((w) => `*${reverse(w)}`) });
  return { matcher: new MultiMatcher(groups), concept, gate, leetAnchor, percentAnchor, escapeAnchor, rot13Anchor, reversedAnchor };
}

// --- phrase rules ---------------------------------------------------------------------------

function gatesOpen(gate: ScreenGate | readonly ScreenGate[] | undefined, form: FormMatcher, matches: MatchSet): boolean {
  if (!useGates || gate === undefined) return true;
  const list: readonly ScreenGate[] = typeof gate === "string" ? [gate] : gate;
  return list.every((g) => matches.has(form.gate.get(g)!));
}

function matchRules(rules: readonly ScreenRule[], text: string, form: FormMatcher, matches: MatchSet, findings: ScreenFinding[], encoding?: Encoding): void {
  for (const rule of rules) {
    if (!gatesOpen(rule.gate, form, matches)) continue;
    if (!testRule(rule, text, form, matches)) continue;
    findings.push(finding(rule.id, rule.category, rule.weight, encoding));
  }
}

/** How far a phrase rule's match can reach from the gate word inside it (gaps are bounded). */
const RULE_REACH = 400;
/** Rules whose result depends on where the text starts or ends run on all of it. */
const ANCHORED = new Set(SCREEN_RULES.filter((r) => /(?<!\\)[\^$]|\(\?<[=!]/.test(r.pattern.source.replace(/\[\^/g, "["))).map((r) => r.id));

/**
 * A rule runs only on the stretches of text around its gate words: every match holds a term
 * of each of its gates, so nothing outside RULE_REACH of one can be part of a match. On an
 * 8,000-character message with one suspicious sentence, the rules read a few hundred
 * characters instead of all of them. Stretches start and end between words so that \b
 * reads the same as in the whole text.
 */
function testRule(rule: ScreenRule, text: string, form: FormMatcher, matches: MatchSet): boolean {
  if (ANCHORED.has(rule.id)) return rule.pattern.test(text);
  return stretches(text, rule.gate, form, matches).some((stretch) => rule.pattern.test(stretch));
}

/**
 * The parts of the text a gated check needs to read: the whole text when it is short, has
 * no usable gate, or its gate words are everywhere; otherwise the stretches of RULE_REACH
 * around each word of the rarest gate, merged where they overlap.
 */
function stretches(text: string, gate: ScreenGate | readonly ScreenGate[] | undefined, form: FormMatcher, matches: MatchSet): string[] {
  if (!useGates || gate === undefined || text.length <= 2 * RULE_REACH) return [text];
  const gates: readonly ScreenGate[] = typeof gate === "string" ? [gate] : gate;
  let anchors: readonly number[] | null = null;
  for (const g of gates) {
    const group = form.gate.get(g)!;
    if (matches.saturated(group)) continue;
    const other = matches.starts(group);
    if (anchors === null || other.length < anchors.length) anchors = other;
  }
  if (anchors === null || anchors.length * 2 * RULE_REACH >= text.length) return [text];
  // Rules that share a rarest gate share its stretches: cut once per text.
  if (stretchCache === null) return cutStretches(text, anchors);
  let cut = stretchCache.get(anchors);
  if (cut === undefined) stretchCache.set(anchors, (cut = cutStretches(text, anchors)));
  return cut;
}

/**
 * The stretches cut during one screenText call, per gate-match list: a new map each call,
 * dropped when it ends. A long-lived cache (it was a module-level WeakMap keyed by each
 * scan's fresh lists) is old-space memory pointing at young strings: every scavenge then
 * kept and promoted the call's stretches and texts, and the promoted garbage made the
 * collector's pauses the 99th percentile of the bench's attack-at-the-end shape.
 */
let stretchCache: Map<readonly number[], string[]> | null = null;

function cutStretches(text: string, anchors: readonly number[]): string[] {
  const sorted = [...anchors].sort((x, y) => x - y);
  const out: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const start = wordBoundaryBefore(text, Math.max(0, sorted[i]! - RULE_REACH));
    let end = sorted[i]! + RULE_REACH;
    while (i + 1 < sorted.length && sorted[i + 1]! - RULE_REACH <= end) end = sorted[++i]! + RULE_REACH;
    i++;
    out.push(text.slice(start, wordBoundaryAfter(text, end)));
  }
  return out;
}

const isWordChar = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;

function wordBoundaryBefore(text: string, at: number): number {
  let i = at;
  while (i > 0 && isWordChar(text.charCodeAt(i - 1))) i--;
  return i;
}

function wordBoundaryAfter(text: string, at: number): number {
  let i = Math.min(at, text.length);
  while (i < text.length && isWordChar(text.charCodeAt(i))) i++;
  return i;
}

interface Signal extends ScreenFinding {
  /** What was found, whatever it was hidden in: "override" for base64:override.en too. */
  family: string;
  /** A co-occurrence signal: counts only where no phrase rule of its family matched. */
  fallback: boolean;
}

function finding(id: string, category: ScreenCategory, weight: number, encoding?: Encoding, fallback = false): Signal {
  const family = `${encoding ?? ""}:${category}`;
  return encoding
    ? { reason: `${encoding}:${id}`, category: "encoded", weight: weight + ENCODED_BONUS, family, fallback }
    : { reason: id, category, weight, family, fallback };
}

const SENTENCE_BREAK = /[.!?;\n]+/;

function matchCooccurrence(form: string, matches: MatchSet, findings: ScreenFinding[]): void {
  for (const rule of COOCCURRENCE_RULES) {
    if (!gatesOpen(rule.gate, LATIN, matches)) continue;
    const [first, ...rest] = rule.all;
    // Only the stretches around the gate words are split into sentences, and only those where
    // the first pattern occurs at all (a sentence holding every part holds the gate words).
    const hit = stretches(form, rule.gate, LATIN, matches).some(
      (stretch) => first!.test(stretch) && stretch.split(SENTENCE_BREAK).some((sentence) => first!.test(sentence) && rest.every((p) => p.test(sentence))),
    );
    if (hit) findings.push(finding(rule.id, rule.category, rule.weight));
  }
}

// --- co-occurrence of word families ------------------------------------------------------------

/** Where sentences end: a concept pair counts only within one sentence. */
function sentenceBreaks(text: string): Int32Array {
  const breaks: number[] = [];
  // . ! ? ; newline, and their ideographic and full-width forms. A full stop followed by a
  // letter or digit is inside a token ("a.i.", "v2.1", "example.com"): see isBreakAt.
  for (let i = 0; i < text.length; i++) if (isBreakAt(text, i)) breaks.push(i);
  return Int32Array.from(breaks);
}

/** Checks of nearness read locally before the whole text's breaks are indexed. */
const LOCAL_NEAR_CHECKS = 256;

const isBreakAt = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i);
  // A full stop or semicolon followed by a letter or digit is inside a token ("v2.1", "tl;dr").
  if (c === 0x2e || c === 0x3b) {
    const next = text.charCodeAt(i + 1);
    return !((next >= 0x61 && next <= 0x7a) || (next >= 0x30 && next <= 0x39));
  }
  return c === 0x21 || c === 0x3f || c === 0x0a || c === 0x3002 || c === 0xff01 || c === 0xff1f || c === 0xff1b;
};

/** Whether a sentence break lies in [min(a, b), max(a, b)), read off the text itself. */
function breakBetween(text: string, a: number, b: number): boolean {
  const hi = Math.max(a, b);
  for (let i = Math.min(a, b); i < hi; i++) if (isBreakAt(text, i)) return true;
  return false;
}

/** Whether a sentence break lies between offsets a and b. */
function broken(breaks: Int32Array, a: number, b: number): boolean {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  // First break at or after lo (binary search).
  let l = 0;
  let r = breaks.length;
  while (l < r) {
    const m = (l + r) >> 1;
    if (breaks[m]! < lo) l = m + 1;
    else r = m;
  }
  return l < breaks.length && breaks[l]! < hi;
}

const NEAR = 25;
/** Data and its owners may sit further apart ("phone numbers of users in the other workspaces"). */
const NEAR_OWNERS = 40;
/** Between data and its owners: "the messages of other users", not "data with other companies". */
const OF_OWNER = /\b(?:of|from|for|by|belong to|belongs to|belonging to|owned by|sent by|written by|under|in|that|which|de|des|der|di|van|dari|anderer|d'autres)\b/;
/** "The chats of other users" owns; "data is isolated from other tenants" is a clause about it. */
const CLAUSE = /\b(?:is|are|be|been|was|were|stays?|kept)\b/;
const ofOwner = (between: string): boolean => OF_OWNER.test(between) && !CLAUSE.test(between);
/** An owner word and its noun are one phrase: no colon or comma between ("Your task: read the rules"). */
const PHRASE_BREAK = /[:,;]/;

/** Co-occurrence within one sentence: a concept's matches near another's. */
class ComboReader {
  private breaks: Int32Array | null = null;
  private nearChecks = 0;
  private readonly derived = new Map<Derived, readonly number[]>();

  constructor(
    private readonly text: string,
    private readonly form: FormMatcher,
    private readonly matches: MatchSet,
  ) {}

  has(name: Concept): boolean {
    return this.matches.has(this.form.concept.get(name)!);
  }

  /** Whether the concept (or derived span) can occur at all, without looking at windows. */
  possible(name: Concept | Derived): boolean {
    switch (name) {
      case "ownInstructions":
        return this.has("toldPhrase") || ((this.has("owner") || this.has("you")) && this.has("rulesNoun"));
      case "ownConfig":
        return this.has("you") && this.has("configNoun");
      case "priorInstructions":
        return this.has("prior") && this.has("rulesNoun");
      case "anyInstructions":
        return this.possible("ownInstructions") || this.possible("priorInstructions");
      case "othersData":
        return this.has("others") && this.has("data");
      default:
        return this.has(name);
    }
  }

  starts(name: Concept | Derived): readonly number[] {
    const after = FOLLOWED_BY[name as Concept];
    if (after !== undefined) return this.notFollowedBy(name as Concept, after);
    if (name === "toldPhrase") return this.notUsers("toldPhrase");
    if (!isDerived(name)) return this.matches.starts(this.form.concept.get(name)!);
    let spans = this.derived.get(name);
    if (spans === undefined) this.derived.set(name, (spans = this.derive(name)));
    return spans;
  }

  /**
   * Matches of a concept except what the user gave ("the numbers I gave you", "what I told
   * you earlier"): the user's own earlier words are data to correct, not instructions.
   */
  private notUsers(name: Concept): readonly number[] {
    const starts = this.matches.starts(this.form.concept.get(name)!);
    if (starts.length === 0) return starts;
    return starts.filter((p) => !USERS_OWN.test(this.text.slice(Math.max(0, p - 12), p)));
  }

  /** Matches of a concept except those the next words turn into something else (FOLLOWED_BY). */
  private notFollowedBy(name: Concept, after: RegExp): readonly number[] {
    const group = this.form.concept.get(name)!;
    const ends = this.matches.ends(group);
    return this.matches.starts(group).filter((_, k) => !after.test(this.text.slice(ends[k]!, ends[k]! + 24)));
  }

  between(p: number, q: number): string {
    return this.text.slice(Math.min(p, q), Math.max(p, q));
  }

  near(p: number, q: number, window: number): boolean {
    if (Math.abs(q - p) > window) return false;
    // A few checks read the characters between the two offsets; many share one index.
    if (this.breaks === null && ++this.nearChecks <= LOCAL_NEAR_CHECKS) return !breakBetween(this.text, p, q);
    return !broken((this.breaks ??= sentenceBreaks(this.text)), p, q);
  }

  /** Whether a prior word stands right before or after the noun at n, no word between. */
  private adjacentPrior(n: number): boolean {
    const group = this.form.concept.get("prior")!;
    const ends = this.matches.ends(group);
    const nounEnd = this.text.slice(n).search(/[^a-z-]/);
    const after = nounEnd < 0 ? this.text.length : n + nounEnd;
    return this.matches.starts(group).some((p, k) => /^\s*$/.test(this.text.slice(ends[k]!, n)) || (p >= after && /^\s*$/.test(this.text.slice(after, p))));
  }

  private derive(name: Derived): readonly number[] {
    const nearNoun = (owners: readonly number[], nouns: readonly number[] = this.starts("rulesNoun")) =>
      nouns.filter((n) => owners.some((o) => o !== n && this.near(o, n, NEAR) && !PHRASE_BREAK.test(this.text.slice(Math.min(o, n), Math.max(o, n)))));
    switch (name) {
      case "ownInstructions":
        // "their system prompt", "an operator's rules": someone else's, not this assistant's.
        return [...this.starts("toldPhrase"), ...nearNoun([...this.starts("owner").filter((o) => !THIRD_PERSON.test(this.text.slice(Math.max(0, o - 8), o))), ...this.starts("you")])];
      case "ownConfig":
        return nearNoun(this.starts("you"), this.starts("configNoun"));
      case "priorInstructions":
        // Earlier settings are not earlier instructions ("overriding previous build
        // configuration"): without an owner, only the nouns of orders count.
        // configuration"): without an owner, a settings noun counts only right next to
        // its prior word ("any prior configuration", "the configuration above").
        // A document's own earlier instructions ("las instrucciones anteriores del manual") are its.
        return nearNoun(this.starts("prior")).filter(
          (n) => (!SETTINGS_NOUN.test(this.text.slice(n, n + 14)) || this.adjacentPrior(n)) && !OF_A_DOCUMENT.test(this.text.slice(n, n + 60)),
        );
      case "anyInstructions":
        return [...this.starts("ownInstructions"), ...this.starts("priorInstructions")];
      case "othersData": {
        const group = this.form.concept.get("others")!;
        const others = this.matches.starts(group);
        const othersEnd = this.matches.ends(group);
        const data = this.starts("data");
        // Data after the others ("other users' chats"), or before them with an "of" between
        // ("the chats of other users", "die Dateien anderer Firmen").
        const dataEnd = this.matches.ends(this.form.concept.get("data")!);
        const freeOrder = this.form === SCRIPT;
        return others.filter((o, k) =>
          // Word order is free in the folded scripts' languages ("какие вопросы задавали другие").
          data.some((d, j) => this.near(o, d, NEAR_OWNERS) && (d > o || freeOrder || o - dataEnd[j]! <= 2 || ofOwner(this.text.slice(d, othersEnd[k]!)))),
        );
      }
    }
  }
}

const DERIVED = new Set<string>(DERIVED_SPANS);
/** After a rules noun: the document whose rules they are (see priorInstructions). */
const OF_A_DOCUMENT = /^\S*[^.!?;\n]{0,14}?\b(?:del|de la|de los|of the|in the|from the|in this|of this) (?:manual|document|documento|guide|guia|handbook|policy|politica|contract|contrato|vendor|supplier|proveedor|fabricante|manufacturer|recipe|receta|kit|template|plantilla|form|formulario)\b/;
/** Nouns of settings rather than of orders (see priorInstructions). */
const SETTINGS_NOUN = /^(?:config|setup|set-up|training|filters|polic|limits|limitations|boundaries|tasks)/;
/** Before an owner word: a third party's ("their system prompt"). */
const THIRD_PERSON = /(?:^|[^a-z])(?:their|its|his|her|a|an)\s+$/;
/** Before a phrase about what the assistant was told: the user as the one who told it. */
const USERS_OWN = /(?:^|[^a-z])(?:i|i've|i have|i just|i already|we|we've|we have)\s+$/;
/** After a noun: what it is about, which makes "your instructions" someone's know-how. */
const ABOUT_SOMETHING = /^\w*\s+(?:for|on|about|to make|to build|to install|of thumb|regarding|para|pour|fur|per|voor)\b|^\w*\s+(?:length|limit|limits|size|format|template|field|parameter|param|token|tokens|best practices|design|engineering|injection|caching|placement|structure|examples?)\b/;
/** After a request: "show me how …" asks for know-how, not for anybody's data. */
const HOW_TO = /^\w*\s+(?:me\s+|us\s+)?how\b/;
/** After "no filters": on what ("no filters on your feedback" asks for candour, not a jailbreak). */
const ON_CANDOUR = /^\w*\s+(?:on|in|for) (?:your|my|the) (?!answers|responses|replies|outputs?|content|words|rest|remainder|conversation|chat|session|duration|next|whole|entire)[a-z]/;
/** After a Japanese dismissal: a condition ("無視すると…?", what happens if one ignores it), no order. */
/** Also after a dismissal: a past participle in a log line ("previous instruction ignored due to cache"). */
const CONDITIONAL_JA = /^(?:ed\b|すると|したら|すれば|した場合|できます|するのは|されたら|された場合|されると)/;
const FOLLOWED_BY: Partial<Record<Concept, RegExp>> = { hiddenPrompt: ABOUT_SOMETHING, configNoun: ABOUT_SOMETHING, request: HOW_TO, unrestricted: ON_CANDOUR, dismiss: CONDITIONAL_JA };
const isDerived = (name: Concept | Derived): name is Derived => DERIVED.has(name);

function matchCombos(text: string, form: FormMatcher, matches: MatchSet, findings: ScreenFinding[], encoding?: Encoding): void {
  const reader = new ComboReader(text, form, matches);
  const formName = form === LATIN ? "latin" : "script";
  for (const rule of COMBO_RULES) {
    if (rule.form !== undefined && rule.form !== formName) continue;
    // Cheap first: every part must occur somewhere before any window is looked at.
    if (!rule.all.every((c) => reader.possible(c))) continue;
    if (rule.context && !rule.context.every((c) => reader.has(c))) continue;
    if (!cooccur(rule, reader)) continue;
    let weight = rule.weight;
    for (const b of rule.boost ?? []) if (reader.has(b.concept)) weight += b.weight;
    findings.push(finding(rule.id, rule.category, weight, encoding, true));
  }
}

/** Words that negate what stands between two parts of a signal (ComboRule.negatable). */
const NEGATION = /\b(?:never|not|cannot|no one|nobody|nothing)\b|n't\b/;

function cooccur(rule: ComboRule, reader: ComboReader): boolean {
  const [first, ...rest] = rule.all;
  const lists = rest.map((c) => reader.starts(c));
  const near = (p: number, q: number) => (rule.acrossSentences ? Math.abs(q - p) <= rule.window : reader.near(p, q, rule.window));
  const close = rule.negatable ? (p: number, q: number) => near(p, q) && !NEGATION.test(reader.between(p, q)) : near;
  return reader.starts(first!).some((p) => lists.every((list) => list.some((q) => close(p, q))));
}

const LATIN = buildFormMatcher(false);
const SCRIPT = buildFormMatcher(true);

/** The detector's verdict for a score. */
export function verdictFor(score: number): DetectorVerdict {
  if (score >= SCREEN_THRESHOLDS.block) return "block";
  if (score >= SCREEN_THRESHOLDS.flag) return "flag";
  return "allow";
}

function hiddenSignals(text: string, invisible: number, findings: ScreenFinding[]): void {
  if (invisible > 0 && TAG_CHARACTERS.test(text)) findings.push({ reason: "hidden.tag_characters", category: "hidden", weight: 50 });
  else if (invisible >= 3) findings.push({ reason: "hidden.invisible_characters", category: "hidden", weight: 20 });
  if (NON_ASCII.test(text) && MIXED_SCRIPT_WORD.test(text)) findings.push({ reason: "hidden.mixed_script_words", category: "hidden", weight: 15 });
}

/** Candidate decodings worth a look: only those that contain an anchor word. */
function* decodedPayloads(text: string, skel: string, latin: MatchSet, hidesCharacters: boolean): Generator<{ encoding: Encoding; text: string }> {
  const runs = candidateRuns(text);
  // A log repeats the same token on every line: each distinct run is decoded once.
  for (const run of new Set(runs.base64)) {
    const decoded = decodeBase64(run);
    if (decoded) yield* decodedText("base64", decoded);
  }
  // A payload wrapped over several lines: the lines joined are one more candidate.
  if (runs.base64.length > 1) {
    for (const block of text.matchAll(WRAPPED_BASE64)) {
      const decoded = decodeBase64(block[0].replace(/\s+/g, ""));
      if (decoded) yield* decodedText("base64", decoded);
    }
  }
  for (const run of new Set(runs.hex)) {
    const decoded = decodeHex(run);
    if (decoded) yield* decodedText("hex", decoded);
  }
  if (hidesCharacters && TAG_CHARACTERS.test(text)) yield* decodedText("tags", decodeTagCharacters(text));
  // The anchors are looked for in encoded form first: most texts never get transformed.
  if (latin.has(LATIN.rot13Anchor)) yield* decodedText("rot13", rot13(skel), true);
  if (latin.has(LATIN.reversedAnchor)) yield* decodedText("reversed", reverse(skel), true);
  if (latin.has(LATIN.percentAnchor)) yield* decodedText("url", decodePercent(text));
  if (latin.has(LATIN.escapeAnchor)) yield* decodedText("escapes", decodeEscapes(text));
}

/** %-encoded runs ("%69%67%6e…") as the text they spell; other text unchanged. */
function decodePercent(text: string): string {
  return text.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** \u0069 and &#105; / &#x69; escapes as the characters they stand for. */
function decodeEscapes(text: string): string {
  return text
    .replace(/\\u([0-9a-f]{4})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/&#x([0-9a-f]{1,6});/gi, (_, h: string) => String.fromCodePoint(Math.min(parseInt(h, 16), 0x10ffff)))
    .replace(/&#(\d{1,7});/g, (_, d: string) => String.fromCodePoint(Math.min(Number(d), 0x10ffff)));
}

function* decodedText(encoding: Encoding, decoded: string, normalised = false): Generator<{ encoding: Encoding; text: string }> {
  const text = normalised ? decoded : skeleton(decoded.slice(0, MAX_DECODED_CHARS));
  // No word list decides here: the decoded text goes through the same automaton and gates
  // as the message (cheap on a few hundred characters), so every family can match in it.
  yield { encoding, text };
}

/** Printable text or null: random bytes and binary blobs are not payloads. */
function printable(bytes: Buffer): string | null {
  if (bytes.length < 8) return null;
  const text = bytes.toString("utf8");
  let good = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09 || (c >= 0xa0 && c !== 0xfffd)) good++;
  }
  return good / text.length >= 0.9 ? text : null;
}

/**
 * Maximal runs of base64 characters (at least 16) and of hex digits with separators (at
 * least 20), up to MAX_CANDIDATES each.
 */
function candidateRuns(text: string): { base64: string[]; hex: string[] } {
  return { base64: runsOf(text, BASE64_CHARS, 16, MAX_CANDIDATES), hex: runsOf(text, HEX_CHARS, 20, MAX_CANDIDATES).map((r) => r.trim()) };
}

/**
 * Maximal runs of at least `min` characters of a table, up to `max` of them. A run that
 * long covers every min-th position, so the search looks at one character in `min` until
 * one belongs to the table, then reads back to where the run could start: prose, whose
 * words are short, is read at a fraction of its length (a character loop read all of it,
 * and a regex restarts inside every word).
 */
function runsOf(text: string, table: Uint8Array, min: number, max: number): string[] {
  const out: string[] = [];
  const n = text.length;
  const inTable = (i: number): boolean => {
    const c = text.charCodeAt(i);
    return c < 128 && table[c] === 1;
  };
  // Invariant: i is 0 or follows a character outside the table.
  let i = 0;
  while (i + min <= n && out.length < max) {
    let j = i + min - 1;
    if (!inTable(j)) {
      i = j + 1;
      continue;
    }
    while (j > i && inTable(j - 1)) j--;
    if (j > i) {
      // A character outside the table at j - 1: no run of min starts before j.
      i = j;
      continue;
    }
    let end = i + min;
    while (end < n && inTable(end)) end++;
    out.push(text.slice(i, end));
    i = end + 1;
  }
  return out;
}

/** Whether the text holds a run of at least `min` characters of the table (see runsOf). */
function hasRun(text: string, table: Uint8Array, min: number): boolean {
  return runsOf(text, table, min, 1).length > 0;
}

function decodeBase64(run: string): string | null {
  return printable(Buffer.from(run.replace(/-/g, "+").replace(/_/g, "/"), "base64"));
}

function decodeHex(run: string): string | null {
  // The run may start inside a word ("hex: 4967…" begins at "ex"): keep its hex body.
  const body = run.match(/(?:(?:0x|\\x)?[0-9a-f]{2}[\s:,]*){8,}/i)?.[0] ?? "";
  const digits = body.replace(/0x|\\x|[\s:,]/gi, "");
  if (digits.length < 16) return null;
  return printable(Buffer.from(digits.length % 2 === 0 ? digits : digits.slice(0, -1), "hex"));
}

/** The ASCII spelled by Unicode tag characters, on its own (not run into visible words). */
function decodeTagCharacters(text: string): string {
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xe0020 && cp <= 0xe007e) out += String.fromCharCode(cp - 0xe0000);
  }
  return out;
}

function rot13(text: string): string {
  return text.replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 97 + 13) % 26) + 97));
}

function reverse(text: string): string {
  return Array.from(text).reverse().join("");
}

const isFallback = (f: ScreenFinding): boolean => (f as Partial<Signal>).fallback === true;

/**
 * Findings that are syntax alone: a chat-template token, a forged turn, a SQL fragment, a
 * hidden style. In a message that talks about syntax ("what does [INST] mean", "escape
 * this template") and shows nothing else, they are likelier quoted than used.
 */
const SYNTAX_ONLY = (f: ScreenFinding): boolean =>
  (f.category === "forgery" && f.reason.startsWith("forgery.")) || f.reason === "cross_tenant.sql" || f.reason === "embedded.hidden_style" || f.reason === "embedded.html_comment";
const MENTION_FACTOR = 0.5;
/** Cross-tenant findings in a message that supplies the data itself count this much. */
const SUPPLIED_FACTOR = 0.6;
/** Syntax findings in a message about syntax add up to at most this much before halving. */
const SYNTAX_MENTION_CAP = 70;

/** Quoted attacks in a message about attacks count this much (see quotedOnly). */
const QUOTED_FACTOR = 0.35;
const QUOTABLE = new Set<ScreenCategory>(["override", "extraction", "jailbreak"]);
const QUOTABLE_HYPOTHETICAL = new Set<ScreenCategory>([...QUOTABLE, "cross_tenant", "embedded"]);

function score(findings: ScreenFinding[], talksAboutSyntax = false, quotesAttacks = false, hypothetical = false, suppliesData = false): ScreenResult {
  // "What did other users in the forum say? (pasted below)": the others are in the paste.
  if (suppliesData) findings = findings.map((f) => (f.category === "cross_tenant" ? { ...f, weight: Math.round(f.weight * SUPPLIED_FACTOR) } : f));
  // A question about what a user could make the assistant do counts cross-tenant findings
  // as quoted too ("can a user in one tenant ever read another tenant's conversations?").
  const quotable = hypothetical ? QUOTABLE_HYPOTHETICAL : QUOTABLE;
  if (talksAboutSyntax && findings.length > 0 && findings.every(SYNTAX_ONLY)) {
    // Two rules reading the same token ("<system>" is a tag and a bracketed role) are one
    // mention: the halved findings together weigh at most half the strongest one's ceiling.
    let room = Math.round(SYNTAX_MENTION_CAP * MENTION_FACTOR);
    findings = findings.map((f) => {
      const weight = Math.min(room, Math.round(f.weight * MENTION_FACTOR));
      room -= weight;
      return { ...f, weight };
    });
  }

  // The word-family signals are a net under the phrase rules, not extra evidence: a sentence
  // a phrase rule already scored is not scored twice for the same thing.
  // A weak phrase finding (a hidden style, 30) does not stand in for a stronger signal of
  // its family (an order to the AI in the hidden text, 50): only as much or more does.
  const phraseWeight = new Map<string | undefined, number>();
  for (const f of findings) if (!isFallback(f)) phraseWeight.set((f as Partial<Signal>).family, Math.max(phraseWeight.get((f as Partial<Signal>).family) ?? 0, f.weight));
  // A rule counts once, at its strongest (the same rule can match plain and decoded).
  const byReason = new Map<string, ScreenFinding>();
  for (const f of findings) {
    if (isFallback(f) && (phraseWeight.get((f as Signal).family) ?? -1) >= f.weight) continue;
    const seen = byReason.get(f.reason);
    if (!seen || seen.weight < f.weight) byReason.set(f.reason, f);
  }
  const distinct = [...byReason.values()].sort((a, b) => b.weight - a.weight || a.reason.localeCompare(b.reason));
  const sum = (list: ScreenFinding[]) => list.reduce((total, f) => total + f.weight, 0);
  // A quoted attack counts as a fraction of what the attack itself would (capped first, so
  // that two rules reading the same quoted phrase do not add back up to a flag).
  const total = quotesAttacks
    ? Math.min(100, sum(distinct.filter((f) => !quotable.has(f.category))) + Math.round(Math.min(100, sum(distinct.filter((f) => quotable.has(f.category)))) * QUOTED_FACTOR))
    : Math.min(100, sum(distinct));
  return {
    score: total,
    verdict: verdictFor(total),
    reasons: distinct.map((f) => f.reason),
    categories: [...new Set(distinct.map((f) => f.category))],
  };
}

import { fold, skeleton, skeletonInfo, spacedSkeleton } from "@/lib/security/normalise";
import {
  COOCCURRENCE_RULES,
  DECODED_ANCHORS,
  SCREEN_GATES,
  SCREEN_RULES,
  SCREEN_THRESHOLDS,
  type ScreenCategory,
  type ScreenGate,
  type ScreenRule,
} from "@/lib/security/screen-rules";

/**
 * The prompt-injection detector: deterministic, no network, no model. The message is
 * normalised (lib/security/normalise.ts), every rule of SCREEN_RULES is tried on its form,
 * payloads hidden in base64, hex, ROT13 or reversed text are decoded and tried again, and
 * the weights of the distinct rules that match add up to a score from 0 to 100.
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

type Encoding = "base64" | "hex" | "rot13" | "reversed" | "tags";

const SKELETON_RULES = SCREEN_RULES.filter((r) => r.form === "skeleton");
const FOLDED_RULES = SCREEN_RULES.filter((r) => r.form === "folded");
const RAW_RULES = SCREEN_RULES.filter((r) => r.form === "raw");
const DECODED_RULES = SCREEN_RULES.filter((r) => r.decoded === true);

/** Hiding an instruction is itself a signal: a decoded match weighs this much more. */
const ENCODED_BONUS = 10;
/** Beyond the Latin blocks: the folded (all-script) rules can only match such text. */
const NON_LATIN = /[^\u0000-\u024F\u1E00-\u1EFF\u2000-\u206F]/;
const TAG_CHARACTERS = /[\u{E0000}-\u{E007F}]/u;
const NON_ASCII = /[^\x00-\x7f]/;
const GLUED_WORDS = /[a-z]{18,}/;
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
const MAX_CANDIDATES = 32;
const MAX_DECODED_CHARS = 4000;

let useGates = true;
/** For the test that proves the gates never change a result; not for production use. */
export function setScreenGatesForTest(enabled: boolean): void {
  useGates = enabled;
}

export function screenText(text: string): ScreenResult {
  const findings: ScreenFinding[] = [];
  const { text: skel, invisible } = skeletonInfo(text);

  matchRules(SKELETON_RULES, skel, findings);
  matchCooccurrence(skel, findings);
  // Invisible characters may stand for word breaks rather than sit inside words: words
  // glued into one long run are the sign, and only then is the text read a second way.
  if (invisible > 0 && GLUED_WORDS.test(skel)) matchRules(SKELETON_RULES, spacedSkeleton(text), findings);
  if (NON_LATIN.test(text)) matchRules(FOLDED_RULES, fold(text), findings);
  matchRules(RAW_RULES, text, findings);

  hiddenSignals(text, invisible, findings);
  for (const payload of decodedPayloads(text, skel, invisible > 0)) {
    matchRules(DECODED_RULES, payload.text, findings, payload.encoding);
  }
  return score(findings);
}

/** The detector's verdict for a score. */
export function verdictFor(score: number): DetectorVerdict {
  if (score >= SCREEN_THRESHOLDS.block) return "block";
  if (score >= SCREEN_THRESHOLDS.flag) return "flag";
  return "allow";
}

function matchRules(rules: readonly ScreenRule[], form: string, findings: ScreenFinding[], encoding?: Encoding): void {
  const gates = new Map<ScreenGate, boolean>();
  const open = (gate: ScreenGate): boolean => {
    let result = gates.get(gate);
    if (result === undefined) gates.set(gate, (result = !useGates || SCREEN_GATES[gate].test(form)));
    return result;
  };
  for (const rule of rules) {
    if (rule.gate && !open(rule.gate)) continue;
    if (!rule.pattern.test(form)) continue;
    findings.push(
      encoding
        ? { reason: `${encoding}:${rule.id}`, category: "encoded", weight: rule.weight + ENCODED_BONUS }
        : { reason: rule.id, category: rule.category, weight: rule.weight },
    );
  }
}

const SENTENCE_BREAK = /[.!?;\n]+/;

function matchCooccurrence(form: string, findings: ScreenFinding[]): void {
  for (const rule of COOCCURRENCE_RULES) {
    const [first, ...rest] = rule.all;
    // One scan of the whole text first: most texts never get split into sentences.
    if (!first || !first.test(form)) continue;
    const hit = form.split(SENTENCE_BREAK).some((sentence) => first.test(sentence) && rest.every((p) => p.test(sentence)));
    if (hit) findings.push({ reason: rule.id, category: rule.category, weight: rule.weight });
  }
}

function hiddenSignals(text: string, invisible: number, findings: ScreenFinding[]): void {
  if (invisible > 0 && TAG_CHARACTERS.test(text)) findings.push({ reason: "hidden.tag_characters", category: "hidden", weight: 50 });
  else if (invisible >= 3) findings.push({ reason: "hidden.invisible_characters", category: "hidden", weight: 20 });
  if (NON_ASCII.test(text) && MIXED_SCRIPT_WORD.test(text)) findings.push({ reason: "hidden.mixed_script_words", category: "hidden", weight: 15 });
}

/** Candidate decodings worth a look: only those that contain an anchor word. */
function* decodedPayloads(text: string, skel: string, hidesCharacters: boolean): Generator<{ encoding: Encoding; text: string }> {
  const runs = candidateRuns(text);
  // A log repeats the same token on every line: each distinct run is decoded once.
  for (const run of new Set(runs.base64)) {
    const decoded = decodeBase64(run);
    if (decoded) yield* anchored("base64", decoded);
  }
  for (const run of new Set(runs.hex)) {
    const decoded = decodeHex(run);
    if (decoded) yield* anchored("hex", decoded);
  }
  if (hidesCharacters && TAG_CHARACTERS.test(text)) yield* anchored("tags", decodeTagCharacters(text));
  // The anchors are looked for in encoded form first: most texts never get transformed.
  if (ROT13_ANCHORS.test(skel)) yield* anchored("rot13", rot13(skel), true);
  if (REVERSED_ANCHORS.test(skel)) yield* anchored("reversed", reverse(skel), true);
}

function* anchored(encoding: Encoding, decoded: string, normalised = false): Generator<{ encoding: Encoding; text: string }> {
  const text = normalised ? decoded : skeleton(decoded.slice(0, MAX_DECODED_CHARS));
  if (DECODED_ANCHORS.test(text)) yield { encoding, text };
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
 * least 20), up to MAX_CANDIDATES each, in one pass over the text.
 */
function candidateRuns(text: string): { base64: string[]; hex: string[] } {
  const base64: string[] = [];
  const hex: string[] = [];
  let b = -1;
  let h = -1;
  const n = text.length;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 0;
    const inB = c < 128 && BASE64_CHARS[c] === 1;
    const inH = c < 128 && HEX_CHARS[c] === 1;
    if (inB) {
      if (b < 0) b = i;
    } else if (b >= 0) {
      if (i - b >= 16 && base64.length < MAX_CANDIDATES) base64.push(text.slice(b, i));
      b = -1;
    }
    if (inH) {
      if (h < 0) h = i;
    } else if (h >= 0) {
      if (i - h >= 20 && hex.length < MAX_CANDIDATES) hex.push(text.slice(h, i).trim());
      h = -1;
    }
  }
  return { base64, hex };
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

/** Words that, ROT13-encoded or reversed, mark a text worth decoding. */
const TRANSFORM_ANCHOR_WORDS = ["ignore", "disregard", "forget", "instruction", "prompt", "system", "reveal", "jailbreak", "anything now", "pretend", "previous", "override", "bypass", "customer", "tenant", "password", "users", "conversation", "rules", "everything", "obey"];
const ROT13_ANCHORS = new RegExp(TRANSFORM_ANCHOR_WORDS.map(rot13).join("|"));
const REVERSED_ANCHORS = new RegExp(TRANSFORM_ANCHOR_WORDS.map(reverse).join("|"));

function score(findings: ScreenFinding[]): ScreenResult {
  // A rule counts once, at its strongest (the same rule can match plain and decoded).
  const byReason = new Map<string, ScreenFinding>();
  for (const f of findings) {
    const seen = byReason.get(f.reason);
    if (!seen || seen.weight < f.weight) byReason.set(f.reason, f);
  }
  const distinct = [...byReason.values()].sort((a, b) => b.weight - a.weight || a.reason.localeCompare(b.reason));
  const total = Math.min(100, distinct.reduce((sum, f) => sum + f.weight, 0));
  return {
    score: total,
    verdict: verdictFor(total),
    reasons: distinct.map((f) => f.reason),
    categories: [...new Set(distinct.map((f) => f.category))],
  };
}

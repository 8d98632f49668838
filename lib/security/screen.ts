import { countInvisible, fold, skeleton } from "@/lib/security/normalise";
import { DECODED_ANCHORS, SCREEN_RULES, SCREEN_THRESHOLDS, type ScreenCategory, type ScreenRule } from "@/lib/security/screen-rules";

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

type Encoding = "base64" | "hex" | "rot13" | "reversed";

const SKELETON_RULES = SCREEN_RULES.filter((r) => r.form === "skeleton");
const FOLDED_RULES = SCREEN_RULES.filter((r) => r.form === "folded");
const RAW_RULES = SCREEN_RULES.filter((r) => r.form === "raw");
const DECODED_RULES = SCREEN_RULES.filter((r) => r.decoded === true);

/** Hiding an instruction is itself a signal: a decoded match weighs this much more. */
const ENCODED_BONUS = 10;
/** Beyond the Latin blocks: the folded (all-script) rules can only match such text. */
const NON_LATIN = /[^\u0000-\u024F\u1E00-\u1EFF\u2000-\u206F]/;
const TAG_CHARACTERS = /[\u{E0000}-\u{E007F}]/u;
const MIXED_SCRIPT_WORD = /[a-z][\u0370-\u03FF\u0400-\u04FF]|[\u0370-\u03FF\u0400-\u04FF][a-z]/i;
// Lookbehinds start a run only at its first character: without them every position inside
// a long word restarts the scan, which costs more than all the rules together.
const BASE64_RUN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}={0,2}/g;
const HEX_RUN = /(?<![0-9a-fA-Fx\\])(?:(?:0x|\\x)?[0-9a-fA-F]{2}[\s:,]?){10,}/g;
const MAX_CANDIDATES = 8;
const MAX_DECODED_CHARS = 4000;

export function screenText(text: string): ScreenResult {
  const findings: ScreenFinding[] = [];
  const skel = skeleton(text);

  matchRules(SKELETON_RULES, skel, findings);
  if (NON_LATIN.test(text)) matchRules(FOLDED_RULES, fold(text), findings);
  matchRules(RAW_RULES, text, findings);

  hiddenSignals(text, findings);
  for (const payload of decodedPayloads(text, skel)) {
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
  for (const rule of rules) {
    if (!rule.pattern.test(form)) continue;
    findings.push(
      encoding
        ? { reason: `${encoding}:${rule.id}`, category: "encoded", weight: rule.weight + ENCODED_BONUS }
        : { reason: rule.id, category: rule.category, weight: rule.weight },
    );
  }
}

function hiddenSignals(text: string, findings: ScreenFinding[]): void {
  if (TAG_CHARACTERS.test(text)) findings.push({ reason: "hidden.tag_characters", category: "hidden", weight: 50 });
  else if (countInvisible(text) >= 3) findings.push({ reason: "hidden.invisible_characters", category: "hidden", weight: 20 });
  if (MIXED_SCRIPT_WORD.test(text)) findings.push({ reason: "hidden.mixed_script_words", category: "hidden", weight: 15 });
}

/** Candidate decodings worth a look: only those that contain an anchor word. */
function* decodedPayloads(text: string, skel: string): Generator<{ encoding: Encoding; text: string }> {
  let n = 0;
  for (const match of text.matchAll(BASE64_RUN)) {
    if (n++ >= MAX_CANDIDATES) break;
    const decoded = decodeBase64(match[0]);
    if (decoded) yield* anchored("base64", decoded);
  }
  n = 0;
  for (const match of text.matchAll(HEX_RUN)) {
    if (n++ >= MAX_CANDIDATES) break;
    const decoded = decodeHex(match[0]);
    if (decoded) yield* anchored("hex", decoded);
  }
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

function decodeBase64(run: string): string | null {
  return printable(Buffer.from(run.replace(/-/g, "+").replace(/_/g, "/"), "base64"));
}

function decodeHex(run: string): string | null {
  const digits = run.replace(/0x|\\x|[\s:,]/g, "");
  return printable(Buffer.from(digits.length % 2 === 0 ? digits : digits.slice(0, -1), "hex"));
}

function rot13(text: string): string {
  return text.replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 97 + 13) % 26) + 97));
}

function reverse(text: string): string {
  return Array.from(text).reverse().join("");
}

/** Words that, ROT13-encoded or reversed, mark a text worth decoding. */
const TRANSFORM_ANCHOR_WORDS = ["ignore", "disregard", "forget", "instruction", "prompt", "system", "reveal", "jailbreak", "anything now", "pretend", "previous", "override", "bypass", "customer", "tenant", "password"];
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

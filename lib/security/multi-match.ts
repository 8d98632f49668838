/**
 * Many literal terms found in one pass over a text (Aho-Corasick). The screen's prefilter:
 * a regular expression with hundreds of alternatives restarts at every position, and a
 * dozen of them cost more than an 8,000-character message may (bench/screen.ts); this
 * automaton reads each character once, whatever the number of terms.
 *
 * A term belongs to a group (its index in the group list). Term syntax:
 * - "ignor"   matches at the start of a word, as a prefix ("ignoring", "ignored");
 * - "*gnor"   matches anywhere, inside words too (what a regex without \b does);
 * - "dan\\b"  must also end a word. Word characters are ASCII letters and digits: terms in
 *   other scripts (Chinese, Japanese, Korean, Arabic, Hindi, Russian) are written with "*".
 */
export interface TermGroup {
  readonly terms: readonly string[];
  /**
   * Keep at most this many offsets (then `saturated` says so): for groups only asked
   * whether they occur, where a word like ":" may occur a thousand times.
   */
  readonly limit?: number;
}

export interface MatchSet {
  /** Whether group g had at least one term in the text. */
  has(group: number): boolean;
  /** Start offsets of the group's matches, in text order (empty when none). */
  starts(group: number): readonly number[];
  /** End offsets (exclusive), parallel to starts. */
  ends(group: number): readonly number[];
  /** Whether the group hit its limit, so that starts() is not all of its matches. */
  saturated(group: number): boolean;
}

interface Term {
  group: number;
  length: number;
  wordStart: boolean;
  wordEnd: boolean;
}

const ASCII = 128;
const NONE: readonly number[] = Object.freeze([]);
const isWordCode = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a);

export class MultiMatcher {
  readonly groupCount: number;
  /** ASCII transitions, one row per state over the compact alphabet (ASCII_CLASS). */
  private readonly asciiNext: Uint16Array | Int32Array;
  private readonly classOf = new Uint8Array(ASCII);
  private readonly width: number;
  private otherNext: Map<number, number>[];
  /** The root's transitions for BMP code units beyond ASCII (0: none), read without a Map. */
  private readonly rootOther = new Int32Array(0x10000);
  /** BMP code units (beyond ASCII) that some term contains; any other sends us to the root. */
  private readonly inTerms = new Uint8Array(0x10000);
  private readonly fail: Int32Array;
  private readonly outputs: (readonly number[])[];
  private readonly terms: Term[] = [];
  private readonly limits: Int32Array;

  constructor(groups: readonly TermGroup[]) {
    this.groupCount = groups.length;
    this.limits = Int32Array.from(groups, (g) => g.limit ?? 0x7fffffff);
    const children: Map<number, number>[] = [new Map()];
    const own: number[][] = [[]];
    groups.forEach((group, g) => {
      for (const raw of group.terms) {
        const anywhere = raw.startsWith("*");
        const wordEnd = raw.endsWith("\\b");
        const text = raw.slice(anywhere ? 1 : 0, wordEnd ? -2 : undefined);
        if (text === "") throw new Error(`empty term in group ${g}`);
        let state = 0;
        for (let i = 0; i < text.length; i++) {
          const c = text.charCodeAt(i);
          let next = children[state]!.get(c);
          if (next === undefined) {
            next = children.length;
            children.push(new Map());
            own.push([]);
            children[state]!.set(c, next);
          }
          state = next;
        }
        own[state]!.push(this.terms.length);
        this.terms.push({ group: g, length: text.length, wordStart: !anywhere, wordEnd });
      }
    });

    // Breadth-first: failure links, then outputs merged along them, then a full transition
    // table for ASCII (the common case needs no failure walk at match time).
    const n = children.length;
    this.fail = new Int32Array(n);
    // Only the ASCII characters some term contains get a column (the rest send every state
    // back to the root): a table a few times smaller stays in cache.
    let width = 1;
    for (const m of children) for (const c of m.keys()) if (c < ASCII && this.classOf[c] === 0) this.classOf[c] = width++;
    this.width = width;
    this.asciiNext = n < 0x10000 ? new Uint16Array(n * width) : new Int32Array(n * width);
    this.otherNext = children.map((m) => {
      const other = new Map<number, number>();
      for (const [c, s] of m) {
        if (c < ASCII) continue;
        other.set(c, s);
        this.inTerms[c] = 1;
      }
      return other;
    });
    for (const [c, t] of this.otherNext[0]!) if (c < 0x10000) this.rootOther[c] = t;
    this.outputs = new Array<readonly number[]>(n);
    const order: number[] = [0];
    for (let k = 0; k < order.length; k++) {
      const s = order[k]!;
      for (const [c, t] of children[s]!) {
        if (s !== 0) {
          let f = this.fail[s]!;
          while (f !== 0 && !children[f]!.has(c)) f = this.fail[f]!;
          const target = children[f]!.get(c);
          this.fail[t] = target !== undefined && target !== t ? target : 0;
        }
        order.push(t);
      }
    }
    // Beyond ASCII, each state's map holds its own transitions and those of its failure
    // chain short of the root (the root's are rootOther): one lookup per character, no walk.
    // A state without transitions of its own shares its failure state's map.
    const ownOther = this.otherNext;
    const fullOther: Map<number, number>[] = new Array<Map<number, number>>(n);
    fullOther[0] = new Map();
    for (const s of order) {
      if (s !== 0) {
        const inheritedOther = fullOther[this.fail[s]!]!;
        if (ownOther[s]!.size === 0) fullOther[s] = inheritedOther;
        else {
          const merged = new Map(inheritedOther);
          for (const [c, t] of ownOther[s]!) merged.set(c, t);
          fullOther[s] = merged;
        }
      }
      const inherited = s === 0 ? [] : this.outputs[this.fail[s]!]!;
      this.outputs[s] = own[s]!.length === 0 ? inherited : [...own[s]!, ...inherited];
      for (let c = 0; c < ASCII; c++) {
        const k = this.classOf[c]!;
        if (k === 0) continue;
        const direct = children[s]!.get(c);
        this.asciiNext[s * width + k] = direct !== undefined ? direct : s === 0 ? 0 : this.asciiNext[this.fail[s]! * width + k]!;
      }
    }
    this.otherNext = fullOther;
  }

  /** Every group's matches in one left-to-right pass. */
  scan(text: string): MatchSet {
    // Lists only for groups that match: most of a scan's groups never do (less garbage).
    const starts: (number[] | undefined)[] = new Array<number[] | undefined>(this.groupCount);
    const ends: (number[] | undefined)[] = new Array<number[] | undefined>(this.groupCount);
    const { asciiNext, otherNext, rootOther, outputs, terms, classOf, width, limits, inTerms } = this;
    let state = 0;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < ASCII) {
        state = asciiNext[state * width + classOf[c]!]!;
      } else if (inTerms[c] === 0) {
        state = 0;
        continue;
      } else {
        state = (state !== 0 ? otherNext[state]!.get(c) : undefined) ?? rootOther[c]!;
      }
      const out = outputs[state]!;
      if (out.length === 0) continue;
      for (const t of out) {
        const term = terms[t]!;
        const start = i + 1 - term.length;
        if (term.wordStart && start > 0 && isWordCode(text.charCodeAt(start - 1))) continue;
        if (term.wordEnd && i + 1 < n && isWordCode(text.charCodeAt(i + 1))) continue;
        let list = starts[term.group];
        if (list === undefined) {
          list = starts[term.group] = [];
          ends[term.group] = [];
        }
        // Two terms of a group at one place ("ignor", "ignore") are one match.
        if (list.length >= limits[term.group]! || (list.length > 0 && list[list.length - 1] === start)) continue;
        list.push(start);
        ends[term.group]!.push(i + 1);
      }
    }
    return {
      has: (g) => starts[g] !== undefined,
      starts: (g) => starts[g] ?? NONE,
      ends: (g) => ends[g] ?? NONE,
      saturated: (g) => (starts[g]?.length ?? 0) >= limits[g]!,
    };
  }
}

import * as P from "@/lib/routing/patterns";

/**
 * What the router knows about a request, read from its text by a few regular expressions
 * (no model call). The keyword families (lib/routing/patterns.ts) are matched against the
 * *ask*: the whole text when it is short, and for a pasted document only its head and tail,
 * where the instruction is — words inside a pasted contract or minutes are not the user's
 * request. Code and log lines are counted over a bounded window, and lengths over the whole
 * text, so the cost stays flat however much was pasted.
 */
export interface RouteInput {
  /** The user's message (after screening's normalisation, when there is one). */
  text: string;
  /** Messages already in the conversation window (user and assistant). */
  historyMessages?: number;
  /** Tokens of tenant knowledge added to the turn. */
  knowledgeTokens?: number;
}

export interface RequestFeatures {
  chars: number;
  words: number;
  codeFence: boolean;
  /** Lines that look like source code (in the window). */
  codeLines: number;
  /** Lines that look like log output: timestamps, levels (in the window). */
  logLines: number;
  stackTrace: boolean;
  /** Names a language, framework, system component or programming notion. */
  codeTopic: boolean;
  /** Asks for code to be written. */
  codeWrite: boolean;
  /** Distinct terms of hard engineering: concurrency, distribution, performance, security, scale. */
  hardTerms: number;
  debugging: boolean;
  systemDesign: boolean;
  mathBasic: boolean;
  mathAdvanced: boolean;
  /** Research-level or graduate mathematics (PDEs, abstract algebra, analysis). */
  mathResearch: boolean;
  proof: boolean;
  /** Numbers in the ask: word problems and scenarios carry several. */
  numbers: number;
  multiStep: boolean;
  /** Numbered or bulleted lines in the ask. */
  listItems: number;
  questions: number;
  /** Commas, semicolons and "and"s in the ask: how many requirements are packed in. */
  clauses: number;
  analysisStrong: boolean;
  judgement: boolean;
  explanation: boolean;
  writingTask: boolean;
  reasoningStrong: boolean;
  reasoningWeak: boolean;
  longOutput: boolean;
  /** A word count the user asked for, 0 when none. */
  wordTarget: number;
  briefOutput: boolean;
  /** A lookup, definition, translation, or light edit of short text. */
  simpleTask: boolean;
  greeting: boolean;
  highStakes: boolean;
  nonEnglish: boolean;
  historyMessages: number;
  knowledgeTokens: number;
}

/** Texts up to this long are read whole; longer ones through a head and a tail. */
const WHOLE_TEXT_CHARS = 1_500;
const ASK_HEAD = 700;
const ASK_TAIL = 400;
const WINDOW_HEAD = 4_000;
const WINDOW_TAIL = 1_500;
/** A line longer than this is prose, not code or a log line. */
const MAX_CODE_LINE = 400;

function headAndTail(text: string, head: number, tail: number): string {
  return text.length <= head + tail ? text : `${text.slice(0, head)}\n${text.slice(-tail)}`;
}

/**
 * The instruction around a pasted document: what comes before the first blank line or
 * "…:\n" near the start (or the opening sentence or two), and a short last paragraph.
 */
function askOf(text: string): string {
  const head = text.slice(0, ASK_HEAD);
  const breakAt = head.search(/\n\s*\n|:\s*\n/);
  const opening = breakAt > 0 ? head.slice(0, breakAt) : head.slice(0, 300);
  // Only the tail is searched: a scan of the whole paste for its last blank line would cost more than the rest of the router.
  const tail = text.slice(-ASK_TAIL);
  const lastBreak = tail.lastIndexOf("\n\n");
  const closing = lastBreak >= 0 && text.length - ASK_TAIL + lastBreak > breakAt ? tail.slice(lastBreak) : "";
  return closing ? `${opening}\n${closing}` : opening;
}

function countMatches(text: string, pattern: RegExp): number {
  pattern.lastIndex = 0;
  let n = 0;
  while (pattern.exec(text) !== null) n++;
  return n;
}

function distinctMatches(text: string, pattern: RegExp): number {
  pattern.lastIndex = 0;
  const seen = new Set<string>();
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) seen.add(m[0].toLowerCase());
  return seen.size;
}

function countWords(text: string): number {
  // Past the window, words are estimated from characters (~6 per word with its space).
  if (text.length > WINDOW_HEAD + WINDOW_TAIL) return Math.round(text.length / 6);
  const matches = text.match(/\S+/g);
  return matches ? matches.length : 0;
}

export function extractFeatures(input: RouteInput): RequestFeatures {
  const text = input.text;
  const window = headAndTail(text, WINDOW_HEAD, WINDOW_TAIL);
  const ask = text.length <= WHOLE_TEXT_CHARS ? text : askOf(text);
  let codeLines = 0;
  let logLines = 0;
  let listItems = 0;
  for (const line of window.split("\n")) {
    if (line.trim().length === 0 || line.length > MAX_CODE_LINE) continue;
    if (P.CODE_LINE.test(line)) codeLines++;
    if (P.LOG_LINE.test(line)) logLines++;
  }
  for (const line of ask.split("\n")) if (P.LIST_ITEM.test(line)) listItems++;
  const words = countWords(text);
  const askWords = ask === text ? words : countWords(ask);
  const opening = ask.slice(0, 120);
  const wordTarget = Number(P.WORD_TARGET.exec(ask)?.[1] ?? 0);
  const nonLatin = countMatches(ask, P.NON_LATIN);
  const foreignWords = countMatches(ask, P.LATIN_FOREIGN);
  const codeTopic = P.CODE_TOPIC.test(ask);
  return {
    chars: text.length,
    words,
    codeFence: P.CODE_FENCE.test(window),
    codeLines,
    logLines,
    stackTrace: P.STACK_TRACE.test(window),
    codeTopic,
    codeWrite: P.CODE_WRITE.test(ask) || (codeTopic && P.BUILD_VERB.test(opening)),
    hardTerms: distinctMatches(ask, P.HARD_ENGINEERING),
    debugging: P.DEBUGGING.test(ask),
    systemDesign: P.SYSTEM_DESIGN.test(ask),
    mathBasic: P.MATH_BASIC.test(ask),
    mathAdvanced: P.MATH_ADVANCED.test(ask),
    mathResearch: P.MATH_RESEARCH.test(ask),
    proof: P.PROOF.test(ask),
    numbers: countMatches(ask, P.NUMBER),
    multiStep: P.MULTI_STEP.test(ask),
    listItems,
    questions: countMatches(ask, P.QUESTION_MARK),
    clauses: countMatches(ask, P.CLAUSE),
    analysisStrong: P.ANALYSIS.test(ask),
    judgement: P.JUDGEMENT.test(ask),
    explanation: P.EXPLANATION.test(ask),
    writingTask: P.WRITING_TASK.test(ask),
    reasoningStrong: P.REASONING_STRONG.test(ask),
    reasoningWeak: P.REASONING_WEAK.test(ask),
    longOutput: P.LONG_OUTPUT.test(ask),
    wordTarget: Number.isFinite(wordTarget) ? wordTarget : 0,
    briefOutput: P.BRIEF_OUTPUT.test(ask),
    simpleTask: (P.SIMPLE_TASK.test(opening) && askWords <= 30) || (P.SHORT_QUESTION.test(opening) && askWords <= 10),
    greeting: P.GREETING.test(opening) && words <= 8,
    highStakes: P.HIGH_STAKES.test(ask),
    // A script other than Latin for a tenth of the characters, or several common function words of another Latin language.
    nonEnglish: nonLatin * 10 >= ask.length || foreignWords >= Math.max(3, askWords * 0.1),
    historyMessages: input.historyMessages ?? 0,
    knowledgeTokens: input.knowledgeTokens ?? 0,
  };
}

import type { ModelTier } from "@/lib/db/generated/enums";
import type { RequestFeatures } from "@/lib/routing/features";

/**
 * The router's policy, as data. Every rule whose test holds adds its weight to the score
 * (negative weights pull simple requests down); the score picks the tier through
 * TIER_THRESHOLDS, and a rule with a `floor` lifts the request to at least that tier
 * whatever else matched. The reason recorded for a decision is the code of the heaviest
 * rule that matched, so a decision can always be explained by naming rules in this table.
 *
 * The bias is deliberate: a request is routed down only when nothing in it suggests it
 * needs more. Sending a simple request one tier too high costs a few cents per thousand;
 * a hard one sent too low costs the answer.
 */
export type RuleCode =
  | "code_present"
  | "logs_present"
  | "code_generation"
  | "code_question"
  | "code_debugging"
  | "stack_trace"
  | "hard_engineering"
  | "hard_engineering_many"
  | "hard_debugging"
  | "system_design"
  | "maths_basic"
  | "word_problem"
  | "maths_advanced"
  | "maths_research"
  | "proof"
  | "multi_step"
  | "many_parts"
  | "many_requirements"
  | "analysis"
  | "judgement"
  | "explanation"
  | "writing_task"
  | "reasoning_strong"
  | "reasoning_weak"
  | "long_output"
  | "word_target_long"
  | "prompt_medium"
  | "prompt_long"
  | "prompt_very_long"
  | "pasted_document"
  | "long_document"
  | "high_stakes"
  | "non_english"
  | "conversation_depth"
  | "knowledge_context"
  | "compound_task"
  | "demanding_request"
  | "brief_output"
  | "simple_task"
  | "greeting";

export interface RoutingRule {
  code: RuleCode;
  /** For people: what the rule looks for and why it matters. */
  description: string;
  weight: number;
  /** Matching this rule alone puts the request on at least this tier. */
  floor?: ModelTier;
  /** Evidence of hard work: premium needs the score and at least one such rule. */
  hard?: true;
  applies: (f: RequestFeatures) => boolean;
}

/** Score at or above which a tier is chosen (economy below standard's). */
export const TIER_THRESHOLDS = { standard: 30, premium: 70 } as const;
export const MAX_SCORE = 100;

const hasCode = (f: RequestFeatures) => f.codeFence || f.codeLines >= 3;
const softwareContext = (f: RequestFeatures) => f.codeWrite || hasCode(f) || f.codeTopic || f.systemDesign || f.logLines >= 3 || f.stackTrace;
const hardEngineering = (f: RequestFeatures) => f.hardTerms > 0 && softwareContext(f);
/** How many independent kinds of hard work the request combines. */
const hardKinds = (f: RequestFeatures) =>
  [hardEngineering(f), f.systemDesign, f.mathAdvanced, f.proof, f.reasoningStrong, f.analysisStrong, f.highStakes, f.codeWrite].filter(Boolean).length;

export const ROUTING_RULES: readonly RoutingRule[] = [
  { code: "code_present", description: "Source code in the message (a fence or several code-like lines)", weight: 30, floor: "standard", applies: hasCode },
  { code: "logs_present", description: "Log output pasted (several timestamped or levelled lines)", weight: 25, floor: "standard", applies: (f) => f.logLines >= 3 },
  { code: "code_generation", description: "Asks for code to be written", weight: 35, floor: "standard", applies: (f) => f.codeWrite },
  {
    code: "code_question",
    description: "A programming question of more than one short line",
    weight: 30,
    floor: "standard",
    applies: (f) => f.codeTopic && !f.codeWrite && !hasCode(f) && !f.debugging && f.words > 15 && !f.briefOutput,
  },
  { code: "code_debugging", description: "Something in software fails and the user wants it fixed or explained", weight: 30, floor: "standard", applies: (f) => f.debugging && softwareContext(f) },
  { code: "stack_trace", description: "A stack trace or compiler error is pasted", weight: 15, floor: "standard", applies: (f) => f.stackTrace },
  {
    code: "hard_engineering",
    description: "Concurrency, distribution, performance, security or scale in a software task",
    weight: 35, hard: true,
    floor: "standard",
    applies: hardEngineering,
  },
  { code: "hard_engineering_many", description: "Three or more distinct hard-engineering concerns at once", weight: 25, hard: true, applies: (f) => f.hardTerms >= 3 && softwareContext(f) },
  { code: "hard_debugging", description: "A failure in concurrent, distributed or performance-critical software", weight: 20, hard: true, applies: (f) => f.debugging && hardEngineering(f) },
  { code: "system_design", description: "Design of a system, architecture, schema or pipeline, or traffic at scale", weight: 50, hard: true, floor: "standard", applies: (f) => f.systemDesign },
  { code: "maths_basic", description: "Arithmetic or a quantity to compute", weight: 10, applies: (f) => f.mathBasic && !f.mathAdvanced },
  { code: "word_problem", description: "Several numbers to reason with (a word problem or a scenario)", weight: 20, applies: (f) => f.numbers >= 4 && !hasCode(f) && !f.stackTrace && f.logLines < 3 },
  { code: "maths_advanced", description: "Calculus, linear algebra, probability, statistics, number theory", weight: 35, floor: "standard", applies: (f) => f.mathAdvanced },
  { code: "maths_research", description: "Graduate mathematics: PDEs, abstract algebra, analysis, game-theoretic results", weight: 40, hard: true, floor: "premium", applies: (f) => f.mathResearch },
  { code: "proof", description: "A proof, derivation or generalisation is asked for", weight: 45, hard: true, floor: "standard", applies: (f) => f.proof },
  { code: "multi_step", description: "Explicitly multi-step: step by step, first … then, a plan or roadmap", weight: 20, applies: (f) => f.multiStep },
  { code: "many_parts", description: "Several numbered asks or questions in one message", weight: 15, applies: (f) => f.listItems >= 3 || f.questions >= 3 },
  { code: "many_requirements", description: "Many requirements packed into one ask (five or more clauses)", weight: 15, applies: (f) => f.clauses >= 5 },
  { code: "analysis", description: "Analyse, evaluate, critique, trade-offs, root cause, risks", weight: 30, floor: "standard", applies: (f) => f.analysisStrong },
  { code: "judgement", description: "Compare, choose, review or recommend for the user's situation", weight: 30, applies: (f) => f.judgement && !f.analysisStrong },
  { code: "explanation", description: "Explain how or why something works, beyond a definition", weight: 30, applies: (f) => f.explanation },
  { code: "writing_task", description: "A document to write: post, letter, email, speech, guide, plan, checklist", weight: 30, applies: (f) => f.writingTask },
  { code: "reasoning_strong", description: "Reasoning as the task: second-order effects, game theory, logic puzzles, feasibility", weight: 45, hard: true, floor: "standard", applies: (f) => f.reasoningStrong },
  { code: "reasoning_weak", description: "Reasoning under constraints: strategy, edge cases, optimisation", weight: 15, applies: (f) => f.reasoningWeak },
  { code: "long_output", description: "A long or complete deliverable: report, guide, full implementation, with tests", weight: 20, applies: (f) => f.longOutput },
  { code: "word_target_long", description: "Asks for 800 words or more", weight: 20, applies: (f) => f.wordTarget >= 800 },
  {
    code: "prompt_medium",
    description: "Over 14 words with nothing marking it simple: when in doubt, not the smallest model",
    weight: 30,
    applies: (f) => f.words > 14 && !f.simpleTask && !f.briefOutput && !f.greeting,
  },
  { code: "prompt_long", description: "A long request (over 35 words): long asks carry more constraints", weight: 10, applies: (f) => f.words > 35 && f.words <= 150 },
  { code: "prompt_very_long", description: "A very long request (over 150 words)", weight: 20, applies: (f) => f.words > 150 && f.chars <= 2_500 },
  { code: "pasted_document", description: "A pasted document (over 2,500 characters) to work on", weight: 25, floor: "standard", applies: (f) => f.chars > 2_500 && f.chars <= 12_000 },
  { code: "long_document", description: "A long pasted document (over 12,000 characters)", weight: 40, floor: "standard", applies: (f) => f.chars > 12_000 },
  { code: "high_stakes", description: "Legal, medical, financial or security matters where a weak answer does harm", weight: 30, floor: "standard", applies: (f) => f.highStakes },
  { code: "non_english", description: "Not in English: the smallest model is weakest outside English", weight: 15, applies: (f) => f.nonEnglish },
  { code: "conversation_depth", description: "A long conversation (12+ messages): more context to keep straight", weight: 10, applies: (f) => f.historyMessages >= 12 },
  { code: "knowledge_context", description: "Much tenant knowledge in the turn (3,000+ tokens) to reason over", weight: 10, applies: (f) => f.knowledgeTokens >= 3_000 },
  {
    code: "compound_task",
    description: "Two or more kinds of hard work at once (engineering, design, maths, proof, reasoning, analysis, stakes, code)",
    weight: 20, hard: true,
    applies: (f) => hardKinds(f) >= 2,
  },
  {
    code: "demanding_request",
    description: "A long ask with many requirements (35+ words, four or more clauses): weighs as hard work",
    weight: 10,
    hard: true,
    applies: (f) => f.words >= 35 && f.words <= 400 && f.clauses >= 4 && !hasCode(f) && !f.stackTrace && f.logLines < 3,
  },
  { code: "brief_output", description: "Asks for a short or simplified answer", weight: -15, applies: (f) => f.briefOutput },
  { code: "simple_task", description: "A lookup, definition, translation or light edit of short text", weight: -20, applies: (f) => f.simpleTask && !f.judgement },
  { code: "greeting", description: "A greeting, thanks or acknowledgement", weight: -30, applies: (f) => f.greeting },
];

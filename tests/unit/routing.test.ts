import { describe, expect, it } from "vitest";
import { extractFeatures } from "@/lib/routing/features";
import { capTier, fitTier, recordedDecision, routeRequest, scoreRequest, TIER_ORDER, type RouteInput } from "@/lib/routing/route";
import { ROUTING_RULES, TIER_THRESHOLDS, type RuleCode } from "@/lib/routing/rules";

const ALL = TIER_ORDER;
const auto = { mode: "auto", tier: "premium", allowedTiers: ALL } as const;
const rulesOf = (input: RouteInput | string) => routeRequest(typeof input === "string" ? { text: input } : input, auto).rules;

const MINUTES = "Minutes of the review. Priya reported dispatch times. Marcus covered shipping costs. ".repeat(40);
const CODE = "```python\ndef f(xs):\n    return sum(xs) / len(xs)\n```";
const LOGS = "2024-05-02T10:14:03Z worker-3 lease\n2024-05-02T10:14:04Z worker-7 lease\n2024-05-02T10:14:05Z rebalance";

/** For every rule: a request it must match, and a near miss it must not. */
const EXAMPLES: Record<RuleCode, { hit: RouteInput | string; miss: RouteInput | string }> = {
  code_present: { hit: `What does this return for an empty list?\n${CODE}`, miss: "What does this return for an empty list?" },
  logs_present: { hit: `Why do both workers take the lease?\n${LOGS}`, miss: "Why do both workers take the lease?" },
  code_generation: { hit: "Write a Python function that groups records by key.", miss: "Write a poem about records." },
  code_question: { hit: "How do I read a CSV in pandas and drop rows where the email column is empty?", miss: "How do I read faster?" },
  code_debugging: { hit: "My React component throws an error when the list is empty.", miss: "My garden hose throws water everywhere when the tap is open." },
  stack_trace: { hit: "Traceback (most recent call last):\n  File \"a.py\", line 1\nValueError: bad", miss: "I saw a trace of flour on the table." },
  hard_engineering: { hit: "Make this Java cache thread-safe.", miss: "Make this recipe thread the needle between sweet and sour." },
  hard_engineering_many: { hit: "Build a distributed job queue service with leases, exponential backoff and exactly-once completion.", miss: "Build a job queue service with retries." },
  hard_debugging: { hit: "Our Go service deadlocks under load; fix it.", miss: "Our Go service needs a new endpoint." },
  system_design: { hit: "Design the architecture for a ride-sharing backend.", miss: "Design a logo for a bakery." },
  maths_basic: { hit: "What is 15% of 240?", miss: "What is the capital of Peru?" },
  word_problem: { hit: "A train leaves at 9:15 at 80 km/h and another at 10:00 at 120 km/h. When does it catch up?", miss: "A train leaves in the morning. When does it arrive?" },
  maths_advanced: { hit: "Compute the integral of x e^x from 0 to 1.", miss: "Compute the total of my shopping list." },
  maths_research: { hit: "Solve the heat equation on [0, L] by separation of variables.", miss: "Solve my scheduling headache for next week." },
  proof: { hit: "Prove that there are infinitely many primes.", miss: "There are many primes." },
  multi_step: { hit: "Walk me through setting up a home network step by step.", miss: "Set up a home network." },
  many_parts: { hit: "What is X? What is Y? What is Z?", miss: "What is X?" },
  many_requirements: { hit: "A form with name, email, phone, address, a date picker and validation.", miss: "A form with a name field." },
  analysis: { hit: "Analyse the trade-offs of this plan.", miss: "Read this plan." },
  judgement: { hit: "Compare Postgres and MongoDB for our shop.", miss: "Postgres for our shop." },
  explanation: { hit: "Explain how vaccines train the immune system.", miss: "Vaccines are available at the clinic." },
  writing_task: { hit: "Write a cover letter for a data analyst role.", miss: "Write the word hello." },
  reasoning_strong: { hit: "What are the second-order effects of a rate cut on emerging markets?", miss: "What is a rate cut?" },
  reasoning_weak: { hit: "Find the optimal strategy for our pricing.", miss: "Find our pricing page." },
  long_output: { hit: "Give me a comprehensive guide to composting.", miss: "Give me a tip about composting." },
  word_target_long: { hit: "An essay of 1200 words on trade.", miss: "An essay of 300 words on trade." },
  prompt_medium: { hit: "Tell me about the history of the Silk Road and the goods that moved along it.", miss: "Tell me about the Silk Road." },
  demanding_request: {
    hit: "We need a plan for the office move, covering IT, furniture, parking, access badges and the first-day schedule, and it has to fit a budget of ten thousand while respecting the landlord's rules on noise and weekend work.",
    miss: "We need a plan for the office move that fits our budget and respects what the landlord allows us to do on the weekend when the building is quiet and nobody else is around to be disturbed.",
  },
  prompt_long: { hit: "word ".repeat(50), miss: "word ".repeat(20) },
  prompt_very_long: { hit: "word ".repeat(300), miss: "word ".repeat(100) },
  pasted_document: { hit: `Summarise these minutes:\n\n${MINUTES}`, miss: "Summarise these minutes: the meeting was short." },
  long_document: { hit: `Summarise:\n\n${MINUTES.repeat(5)}`, miss: `Summarise:\n\n${MINUTES}` },
  high_stakes: { hit: "Is this non-compete clause enforceable?", miss: "Is this recipe tasty?" },
  non_english: { hit: "Explica por qué el cielo es azul y qué pasa con la luz en el atardecer.", miss: "Explain why the sky is blue and what happens to light at sunset." },
  conversation_depth: { hit: { text: "And then?", historyMessages: 14 }, miss: { text: "And then?", historyMessages: 4 } },
  knowledge_context: { hit: { text: "What is our policy?", knowledgeTokens: 4_000 }, miss: { text: "What is our policy?", knowledgeTokens: 500 } },
  compound_task: { hit: "Design a distributed architecture and analyse its trade-offs.", miss: "Analyse the trade-offs of remote work." },
  brief_output: { hit: "In one sentence, what is DNS?", miss: "What is DNS?" },
  simple_task: { hit: "Translate 'good morning' into French.", miss: "Good morning tea rituals across cultures and their history in trade." },
  greeting: { hit: "hello!", miss: "hello, can you help me plan the migration of our billing system to a new provider?" },
};

describe("every routing rule", () => {
  it("has an example here (a rule added to the table without a test fails this)", () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(ROUTING_RULES.map((r) => r.code).sort());
  });

  for (const rule of ROUTING_RULES) {
    it(`${rule.code}: matches its example and not the near miss`, () => {
      const example = EXAMPLES[rule.code];
      expect(rulesOf(example.hit)).toContain(rule.code);
      expect(rulesOf(example.miss)).not.toContain(rule.code);
    });
  }
});

describe("tiers from the score", () => {
  it("routes simple requests to economy, ordinary work to standard and hard work to premium", () => {
    expect(routeRequest({ text: "What is the capital of Australia?" }, auto).tier).toBe("economy");
    expect(routeRequest({ text: "Write a Python function that groups a list of dicts by a key." }, auto).tier).toBe("standard");
    expect(routeRequest({ text: "Design a multi-region payments architecture at 20,000 requests per second with failover and exactly-once charges." }, auto).tier).toBe("premium");
  });

  it("needs a hard-work rule for premium: a high score from standard-level rules alone stays standard", () => {
    const text = "Explain step by step how to compare the two job offers and write me a detailed email about my decision, should I take the bank one?";
    const scored = scoreRequest(extractFeatures({ text }));
    expect(scored.score).toBeGreaterThanOrEqual(TIER_THRESHOLDS.premium);
    expect(scored.matched.some((r) => r.hard)).toBe(false);
    expect(scored.tier).toBe("standard");
  });

  it("lets a floor lift a request whose score is low: pasted code is never economy", () => {
    const d = routeRequest({ text: `briefly: ${CODE}` }, auto);
    expect(d.score).toBeLessThan(TIER_THRESHOLDS.standard);
    expect(d.tier).toBe("standard");
  });

  it("clamps the score to 0–100", () => {
    expect(routeRequest({ text: "hi" }, auto).score).toBe(0);
    const d = routeRequest({ text: `Design a distributed, thread-safe, sharded architecture and prove its consensus protocol correct; analyse the trade-offs. ${CODE}` }, auto);
    expect(d.score).toBe(100);
  });

  it("is deterministic: the same request gets the same decision", () => {
    const text = "Analyse the root cause of our Kafka consumer's duplicate writes after rebalances.";
    expect(routeRequest({ text }, auto)).toEqual(routeRequest({ text }, auto));
  });

  it("explains economy by the rule that pulled it down, and no_signal when nothing matched", () => {
    expect(routeRequest({ text: "hello" }, auto).reason).toBe("greeting");
    expect(routeRequest({ text: "blue" }, auto).reason).toBe("no_signal");
  });

  it("reads the instruction of a pasted document, not the document's own words", () => {
    const doc = "The contract's liability clause and the theorem of the architecture were analysed. ".repeat(40);
    const d = routeRequest({ text: `Fix the typos in the first line of this:\n\n${doc}` }, auto);
    expect(d.rules).not.toContain("high_stakes");
    expect(d.rules).not.toContain("proof");
    expect(d.rules).toContain("pasted_document");
  });

  it("stays under a millisecond on a 200 KB paste (it reads a window, not the whole text)", () => {
    const text = `Summarise this log:\n\n${"x".repeat(200_000)}`;
    routeRequest({ text }, auto);
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) routeRequest({ text }, auto);
    expect((performance.now() - t0) / 20).toBeLessThan(1);
  });
});

describe("the cap", () => {
  const hard = "Design a multi-region payments architecture at 20,000 requests per second with failover and exactly-once charges.";

  it("never routes above the configured tier, and says so", () => {
    const d = routeRequest({ text: hard }, { mode: "auto", tier: "standard", allowedTiers: ALL });
    expect(d).toMatchObject({ tier: "standard", model: "claude-sonnet-4-6", reason: "capped", wantedTier: "premium", defaultTier: "standard" });
  });

  it("never routes above the plan even when the configuration asks for more", () => {
    const d = routeRequest({ text: hard }, { mode: "auto", tier: "premium", allowedTiers: ["economy", "standard"] });
    expect(d.tier).toBe("standard");
    expect(d.defaultTier).toBe("standard");
  });

  it("keeps an economy-capped tenant on economy whatever the request", () => {
    expect(routeRequest({ text: hard }, { mode: "auto", tier: "economy", allowedTiers: ALL }).tier).toBe("economy");
  });

  it("fixed mode always uses the configured tier (within the plan), still scoring for the record", () => {
    const d = routeRequest({ text: "hi" }, { mode: "fixed", tier: "premium", allowedTiers: ALL });
    expect(d).toMatchObject({ tier: "premium", model: "claude-opus-4-8", reason: "fixed_tier", wantedTier: "economy" });
    expect(routeRequest({ text: "hi" }, { mode: "fixed", tier: "premium", allowedTiers: ["economy"] }).tier).toBe("economy");
  });

  it("capTier falls back to the plan's highest tier, in tier order whatever the array order", () => {
    expect(capTier({ tier: "premium", allowedTiers: ["standard", "economy"] })).toBe("standard");
    expect(capTier({ tier: "economy", allowedTiers: ["standard", "economy"] })).toBe("economy");
  });

  it("fitTier skips a tier the plan leaves out, upward within the cap, else the highest below", () => {
    expect(fitTier("standard", "premium", ["economy", "premium"])).toBe("premium");
    expect(fitTier("premium", "standard", ["economy", "standard"])).toBe("standard");
    expect(fitTier("economy", "premium", ["standard", "premium"])).toBe("standard");
  });

  it("records the default tier's model with the decision, for savings priced on the same tokens", () => {
    const d = routeRequest({ text: "hi" }, auto);
    expect(recordedDecision(d)).toEqual({ tier: "economy", defaultTier: "premium", defaultModel: "claude-opus-4-8", score: 0, reason: "greeting" });
  });
});

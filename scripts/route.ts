/**
 * `npm run route`: one routing decision per line of input, for a tenant capped at premium.
 * Reads JSON lines {"text": "...", "historyMessages"?: n, "knowledgeTokens"?: n} on stdin and
 * prints {"tier", "model", "score", "reason", "rules"} per line, in order. A line that is not
 * such an object prints {"error": "..."} in its place, so output lines match input lines.
 */
import { createInterface } from "node:readline";
import { routeRequest, TIER_ORDER } from "@/lib/routing/route";

const policy = { mode: "auto", tier: "premium", allowedTiers: TIER_ORDER } as const;
const optionalCount = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : undefined);

function decide(line: string): Record<string, unknown> {
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch {
    return { error: "not JSON" };
  }
  if (typeof row !== "object" || row === null || typeof (row as { text?: unknown }).text !== "string") return { error: 'expected {"text": string}' };
  const { text, historyMessages, knowledgeTokens } = row as { text: string; historyMessages?: unknown; knowledgeTokens?: unknown };
  const d = routeRequest({ text, historyMessages: optionalCount(historyMessages), knowledgeTokens: optionalCount(knowledgeTokens) }, policy);
  return { tier: d.tier, model: d.model, score: d.score, reason: d.reason, rules: d.rules };
}

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (line.trim().length === 0) continue;
  process.stdout.write(`${JSON.stringify(decide(line))}\n`);
}

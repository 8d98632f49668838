import { createInterface } from "node:readline";
import { screenText } from "@/lib/security/screen";

/**
 * `npm run screen`: reads JSON lines ({"text": "…"}) on stdin and prints one JSON verdict
 * per line ({"score", "verdict": "allow" | "flag" | "block", "reasons"}), in input order.
 * The detector alone: no tenant policy, no database, no network. A line that is not such
 * an object gets {"error": "…"} so the output stays aligned with the input.
 */
async function main(): Promise<void> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let failed = 0;
  for await (const line of lines) {
    if (line.trim() === "") continue;
    process.stdout.write(`${JSON.stringify(verdictFor(line, () => failed++))}\n`);
  }
  process.exitCode = failed > 0 ? 1 : 0;
}

function verdictFor(line: string, onError: () => void): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    onError();
    return { error: "not JSON" };
  }
  if (typeof parsed !== "object" || parsed === null || typeof (parsed as { text?: unknown }).text !== "string") {
    onError();
    return { error: 'expected {"text": string}' };
  }
  const { score, verdict, reasons } = screenText((parsed as { text: string }).text);
  return { score, verdict, reasons };
}

void main();

import { describe, expect, it } from "vitest";
import { buildSystemPrompt, type SystemTextBlock } from "@/lib/context/system-prompt";
import type { Caller } from "@/lib/pipeline/caller";
import type { ComposedTurn } from "@/lib/pipeline/compose";
import { guardReply } from "@/lib/pipeline/leak-guard";

/**
 * What the chat's leak watch protects: the cached prefix (platform rules and tenant
 * configuration), not the knowledge passages after it, which an answer may quote word for word.
 */
const INSTRUCTIONS = "Always answer in the voice of a cheerful lighthouse keeper who loves tide tables and polished brass instruments.";
const PASSAGE = "The warranty covers every laptop for three years from the date of purchase, parts and labour included, in every country we sell in.";
const prefix = buildSystemPrompt({ companyName: "Acme", persona: "A helpful assistant.", allowedTopics: [], restrictedTopics: [], customInstructions: INSTRUCTIONS }, { canary: "canary-leak-scope" });
const knowledge: SystemTextBlock = { type: "text", text: `<knowledge>\n<passage id="c1" source="Warranty">\n${PASSAGE}\n</passage>\n</knowledge>` };
const turn = { prefix, system: [...prefix, knowledge] } as unknown as ComposedTurn;
const caller = { tenantId: "00000000-0000-4000-8000-0000000000aa", userId: "00000000-0000-4000-8000-0000000000bb" } as Caller;

function replyWith(text: string): { cut: boolean; emitted: string } {
  const guard = guardReply(caller, turn, "req_scope", new AbortController().signal);
  let emitted = "";
  for (const piece of text.match(/.{1,7}/gs) ?? []) emitted += guard.release(piece);
  return { cut: guard.signal.aborted, emitted };
}

describe("the chat's leak watch", () => {
  it("lets an answer quote a knowledge passage verbatim", () => {
    const reply = replyWith(`According to the handbook: ${PASSAGE} Let me know if you need the claim form.`);
    expect(reply.cut).toBe(false);
    expect(reply.emitted).toContain(PASSAGE.slice(0, 60));
  });

  it("cuts an answer that repeats the tenant's configuration verbatim", () => {
    expect(replyWith(`My instructions say: ${INSTRUCTIONS}`).cut).toBe(true);
  });
});

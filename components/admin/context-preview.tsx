"use client";

import { useDeferredValue, useEffect, useId, useMemo, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { CONTEXT_BUDGET } from "@/lib/context/budget";
import { composeContext } from "@/lib/context/compose-context";
import type { KnowledgePassage } from "@/lib/context/context-blocks";
import { buildSystemPrompt, type TenantPromptConfig } from "@/lib/context/system-prompt";
import { formatInteger } from "@/lib/format";

const preClasses = "overflow-auto px-5 py-3 font-mono text-xs leading-relaxed whitespace-pre-wrap break-words text-zinc-800 sm:px-6";

/** Shown when the search finds nothing (or the workspace has no documents yet): clearly not the tenant's. */
const SAMPLE_PASSAGE: KnowledgePassage = {
  id: "sample-passage",
  documentId: "sample",
  title: "Sample document (not from your knowledge base)",
  section: "Refunds",
  text: "Annual plans can be refunded in full within 30 days of purchase. After that, unused months are credited to the account.",
};
const SAMPLE_MEMORY = [{ id: "sample-memory", content: "(sample) Prefers short answers with a bulleted summary." }];
const SAMPLE_SUMMARY = "(sample) Earlier, the user asked how to change the billing email and the assistant explained the account settings page.";
const SAMPLE_HISTORY = [
  { role: "user" as const, content: "(sample) Hi, I have a question about our plan." },
  { role: "assistant" as const, content: "(sample) Of course — what would you like to know?" },
];

type Knowledge = { status: "loading" } | { status: "ready"; passages: KnowledgePassage[] } | { status: "error" };

/**
 * A sample of what one chat turn sends, composed by the same function as the chat path
 * (lib/context/compose-context.ts) from the unsaved draft: the cached prefix, the knowledge
 * the sample question retrieves from this workspace's documents, then sample memory,
 * summary and turns (labelled: an admin never sees a user's own), trimmed to the budget.
 */
export function ContextPreview({ slug, config }: { slug: string; config: TenantPromptConfig }) {
  const inputId = useId();
  const [question, setQuestion] = useState("How do refunds work for annual plans?");
  const query = useDeferredValue(question.trim());
  const [knowledge, setKnowledge] = useState<Knowledge>({ status: "loading" });
  const deferredConfig = useDeferredValue(config);

  useEffect(() => {
    if (!query) return;
    const ac = new AbortController();
    const timer = setTimeout(async () => {
      setKnowledge({ status: "loading" });
      try {
        const res = await fetch(`/api/w/${encodeURIComponent(slug)}/context-preview`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query }),
          signal: ac.signal,
        });
        if (!res.ok) throw new Error(String(res.status));
        const body = (await res.json()) as { passages: KnowledgePassage[] };
        setKnowledge({ status: "ready", passages: body.passages });
      } catch {
        if (!ac.signal.aborted) setKnowledge({ status: "error" });
      }
    }, 300);
    return () => {
      ac.abort();
      clearTimeout(timer);
    };
  }, [slug, query]);

  const fromDocuments = knowledge.status === "ready" && knowledge.passages.length > 0;
  const composed = useMemo(
    () =>
      composeContext({
        prefix: buildSystemPrompt(deferredConfig),
        knowledge: fromDocuments ? knowledge.passages : [SAMPLE_PASSAGE],
        memories: SAMPLE_MEMORY,
        summary: SAMPLE_SUMMARY,
        history: SAMPLE_HISTORY,
        userText: query || "(your question)",
        budget: CONTEXT_BUDGET,
      }),
    [deferredConfig, fromDocuments, knowledge, query],
  );
  const [, , ...contextBlocks] = composed.system;

  return (
    <Card className="overflow-hidden">
      <CardHeader className="flex items-start justify-between gap-3">
        <div>
          <h2 className="font-semibold text-zinc-900">Turn context preview</h2>
          <p className="mt-1 text-sm text-zinc-600">
            What follows the system prompt in one chat turn: knowledge for the question, the user’s memory, a summary of older turns, recent turns and the message.
          </p>
        </div>
        <Badge tone="neutral">Sample</Badge>
      </CardHeader>
      <div className="space-y-2 border-b border-zinc-100 px-5 pb-4 sm:px-6">
        <label htmlFor={inputId} className="text-sm font-medium text-zinc-800">
          Sample question
        </label>
        <Input
          id={inputId}
          value={question}
          maxLength={500}
          onChange={(e) => setQuestion(e.target.value)}
          // Inside the settings form: Enter must not save the configuration.
          onKeyDown={(e) => {
            if (e.key === "Enter") e.preventDefault();
          }}
          data-testid="context-preview-question"
        />
        <p className="text-xs text-zinc-500" data-testid="context-preview-knowledge-source">
          {knowledge.status === "loading"
            ? "Searching your knowledge base…"
            : knowledge.status === "error"
              ? "The knowledge search failed; showing a sample passage."
              : fromDocuments
                ? `${knowledge.passages.length} passage${knowledge.passages.length === 1 ? "" : "s"} from your knowledge base.`
                : "No passage in your knowledge base matches (or it has no documents yet): showing a labelled sample passage."}
        </p>
      </div>
      <div className="divide-y divide-zinc-100" data-testid="context-preview">
        {contextBlocks.map((block) => (
          <pre key={block.text.slice(0, 40)} tabIndex={0} className={`${preClasses} max-h-56`}>
            {block.text}
          </pre>
        ))}
        {composed.messages.map((m, i) => (
          <pre key={i} tabIndex={0} className={`${preClasses} max-h-40 ${m.role === "assistant" ? "bg-zinc-50 text-zinc-600" : ""}`}>
            <span className="font-sans text-[11px] font-semibold tracking-wide text-zinc-600 uppercase">{m.role === "user" ? "user turn" : "assistant turn"}</span>
            {"\n"}
            {m.content}
          </pre>
        ))}
      </div>
      <p className="px-5 py-3 text-xs text-zinc-500 sm:px-6">
        About {formatInteger(composed.estimatedInputTokens)} of {formatInteger(CONTEXT_BUDGET.totalTokens)} input tokens. When a turn needs more, older turns go first, then the summary,
        knowledge passages (lowest ranked first), memories, and the last exchange; the system prompt and the message always stay.
      </p>
    </Card>
  );
}

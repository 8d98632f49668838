"use client";

import { useEffect, useState } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import EXAMPLES from "@/components/admin/api-examples.json";

/**
 * The admin console's API docs: how this workspace's products call Bulkhead, with
 * copy-paste examples for curl and the official TypeScript and Python SDKs, and the
 * OpenAPI document (/api/openapi.json). The base URL is the address this page was opened at.
 */
const LANGUAGES = ["curl", "TypeScript", "Python"] as const;
type Language = (typeof LANGUAGES)[number];

/** The snippets are content (components/admin/api-examples.json), filled with this page's address and model. */
function examples(base: string, model: string): Record<Language, string> {
  const fill = (text: string) => text.replaceAll("{base}", base).replaceAll("{model}", model);
  return { curl: fill(EXAMPLES.curl), TypeScript: fill(EXAMPLES.TypeScript), Python: fill(EXAMPLES.Python) };
}

const FACTS: { title: string; body: string }[] = [
  { title: "Your assistant comes first", body: "The workspace's configuration (persona, topics, instructions) is applied to every call; a system prompt you send follows it in its own block and cannot override it." },
  { title: "Models", body: "Use a model your plan includes (GET /v1/models) or \"auto\": the cheapest model likely to handle the request, up to your workspace's tier. max_tokens is capped at your plan's limit." },
  { title: "Limits", body: "Calls count against the workspace's requests/min, tokens/min and monthly quota; each key counts as one user for the fair share. A 429 names the limit and carries retry-after." },
  { title: "Usage", body: "Every call is metered on its key. GET /v1/usage (scope usage:read) returns usage by day, model or key, with the same totals as the usage dashboard." },
  { title: "Knowledge", body: "POST /v1/knowledge/search ranks your knowledge base as the assistant does; POST /v1/knowledge/documents (scope knowledge:write) adds or replaces a document from text." },
  { title: "Errors", body: "Errors use Anthropic's format and status codes, so the SDKs raise their usual exceptions. Unknown request fields are refused with a 400 that names them." },
];

export function ApiDocsPanel({ slug, defaultModel }: { slug: string; defaultModel: string }) {
  const [base, setBase] = useState("https://your-bulkhead-host");
  const [language, setLanguage] = useState<Language>("curl");
  const [copied, setCopied] = useState<Language | null>(null);
  useEffect(() => setBase(window.location.origin), []);
  const code = examples(base, defaultModel)[language];

  async function copy() {
    try {
      await navigator.clipboard.writeText(code);
      setCopied(language);
    } catch {
      setCopied(null);
    }
  }

  return (
    <div className="space-y-6">
      <Card>
        <CardHeader>
          <h2 className="text-base font-semibold text-zinc-950">Call your assistant from your own product</h2>
          <p className="mt-1 text-sm text-zinc-600">
            The tenant API speaks Anthropic&rsquo;s Messages API: point an official SDK at <code className="rounded bg-zinc-100 px-1 font-mono text-[13px]">{base}</code> with a key from the{" "}
            <a className="font-medium text-indigo-700 underline-offset-2 hover:underline" href={`/w/${slug}/admin?tab=api-keys`}>
              API keys
            </a>{" "}
            tab.
          </p>
        </CardHeader>
        <CardBody className="space-y-3">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <div role="tablist" aria-label="Example language" className="flex flex-wrap gap-2">
              {LANGUAGES.map((l) => (
                <button
                  key={l}
                  type="button"
                  role="tab"
                  aria-selected={language === l}
                  onClick={() => setLanguage(l)}
                  className={`rounded-md px-3 py-1.5 text-sm font-medium focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 ${language === l ? "bg-zinc-900 text-white" : "bg-zinc-100 text-zinc-700 hover:bg-zinc-200"}`}
                >
                  {l}
                </button>
              ))}
            </div>
            <Button variant="secondary" onClick={() => void copy()}>
              {copied === language ? "Copied" : "Copy"}
            </Button>
          </div>
          <pre className="overflow-x-auto rounded-lg bg-zinc-950 p-4 text-[13px] leading-relaxed text-zinc-100" aria-label={`${language} example`}>
            <code>{code}</code>
          </pre>
          <p className="text-sm text-zinc-600">
            Full reference:{" "}
            <a className="font-medium text-indigo-700 underline-offset-2 hover:underline" href="/api/openapi.json">
              OpenAPI 3.1 document
            </a>{" "}
            (messages, count_tokens, models, usage, knowledge search and documents).
          </p>
        </CardBody>
      </Card>
      <dl className="grid gap-4 sm:grid-cols-2">
        {FACTS.map((f) => (
          <div key={f.title} className="rounded-xl bg-white p-5 shadow-sm ring-1 ring-zinc-950/5">
            <dt className="text-sm font-semibold text-zinc-950">{f.title}</dt>
            <dd className="mt-1 text-sm text-zinc-600">{f.body}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

"use client";

import { useDeferredValue, useMemo } from "react";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import type { TenantPromptConfig } from "@/lib/context/system-prompt";
import { buildSystemPrompt } from "@/lib/context/system-prompt";

const preClasses = "overflow-auto px-5 py-4 font-mono text-xs leading-relaxed whitespace-pre-wrap break-words text-zinc-800 sm:px-6";

/**
 * The system prompt exactly as the chat path builds it (the same pure buildSystemPrompt),
 * from the unsaved draft. Deferred so typing stays smooth on long instructions.
 */
export function PromptPreview({ config }: { config: TenantPromptConfig }) {
  const deferred = useDeferredValue(config);
  const [platform, tenant] = useMemo(() => buildSystemPrompt(deferred).map((block) => block.text), [deferred]);

  return (
    <Card className="overflow-hidden">
      <CardHeader className="flex items-start justify-between gap-3">
        <div>
          <h2 id="prompt-preview-title" className="font-semibold text-zinc-900">
            System prompt preview
          </h2>
          <p className="mt-1 text-sm text-zinc-600">Exactly what Claude receives with every message, including your unsaved edits.</p>
        </div>
        <Badge tone="accent">Live</Badge>
      </CardHeader>
      <section aria-labelledby="prompt-preview-title">
        <details className="group border-b border-zinc-100">
          <summary className="cursor-pointer px-5 py-3 text-sm font-medium text-zinc-700 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-indigo-600 sm:px-6">
            Platform rules <span className="font-normal text-zinc-500">· first block, the same for every workspace</span>
          </summary>
          <pre tabIndex={0} className={`${preClasses} max-h-72 bg-zinc-50 text-zinc-600`}>
            {platform}
          </pre>
        </details>
        <pre tabIndex={0} data-testid="prompt-preview" className={`${preClasses} max-h-[36rem]`}>
          {tenant}
        </pre>
      </section>
    </Card>
  );
}

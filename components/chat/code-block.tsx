"use client";

import { useEffect, useRef, useState } from "react";
import { cn } from "@/components/ui/cn";
import { CheckIcon } from "@/components/ui/icons";
import { CopyIcon } from "@/components/chat/icons";

/** The focus ring on a dark surface (components/ui's indigo-600 is too dark to see on zinc-950). */
const darkFocusRing = "focus-visible:outline-2 focus-visible:outline-indigo-400";

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No async clipboard (plain http on a non-local host): the old way still works.
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  }
}

/** A fenced code block: dark, monospace, horizontally scrollable, with a copy button. */
export function CodeBlock({ code, language }: { code: string; language: string | null }) {
  const [copied, setCopied] = useState<"idle" | "copied" | "failed">("idle");
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const onCopy = async () => {
    setCopied((await copyText(code)) ? "copied" : "failed");
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setCopied("idle"), 2000);
  };

  return (
    <div className="my-3 first:mt-0 last:mb-0 overflow-hidden rounded-lg bg-zinc-950 text-zinc-100 ring-1 ring-zinc-950/10">
      <div className="flex items-center justify-between gap-2 border-b border-white/10 bg-white/5 py-1 pr-1 pl-3">
        <span className="font-mono text-xs text-zinc-400">{language ?? "code"}</span>
        <button
          type="button"
          onClick={onCopy}
          className={cn("inline-flex h-7 items-center gap-1.5 rounded-md px-2 text-xs font-medium text-zinc-300 hover:bg-white/10 hover:text-white", darkFocusRing, "focus-visible:outline-offset-0")}
          aria-label={copied === "copied" ? "Copied" : `Copy ${language ?? "code"} to clipboard`}
        >
          {copied === "copied" ? <CheckIcon className="size-3.5 text-emerald-400" /> : <CopyIcon className="size-3.5" />}
          <span aria-live="polite">{copied === "copied" ? "Copied" : copied === "failed" ? "Copy failed" : "Copy"}</span>
        </button>
      </div>
      {/* Focusable so keyboard users can scroll long lines sideways. */}
      <pre tabIndex={0} className={cn("overflow-x-auto p-3.5 text-[13px] leading-relaxed", darkFocusRing, "focus-visible:-outline-offset-2")}>
        <code className="font-mono">{code}</code>
      </pre>
    </div>
  );
}

import { memo } from "react";
import Markdown, { type Components, type ExtraProps } from "react-markdown";
import remarkGfm from "remark-gfm";
import { CodeBlock } from "@/components/chat/code-block";
import { cn, focusRing } from "@/components/ui/cn";

/**
 * An assistant reply as Markdown (GFM: tables, task lists, strikethrough, autolinks).
 * Raw HTML in the text is dropped (react-markdown's default; no rehype-raw), and images
 * become links: a reply must not make the browser fetch a URL on its own, or a prompt
 * injection could smuggle data out in an image's query string.
 */
type Element = NonNullable<ExtraProps["node"]>;
type HastNode = { type: string; value?: unknown; children?: HastNode[] };

function textOf(node: HastNode): string {
  if (node.type === "text") return typeof node.value === "string" ? node.value : "";
  return (node.children ?? []).map(textOf).join("");
}

function languageOf(code: Element | undefined): string | null {
  const classes = code?.properties?.className;
  const list = Array.isArray(classes) ? classes : [];
  const lang = list.map(String).find((c) => c.startsWith("language-"));
  return lang ? lang.slice("language-".length) : null;
}

const heading = "mt-5 mb-2 first:mt-0 font-semibold tracking-tight text-zinc-900";

const components: Components = {
  p: ({ node: _node, ...props }) => <p className="my-3 leading-7 first:mt-0 last:mb-0" {...props} />,
  a: ({ node: _node, href, children }) => (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow" className={cn("font-medium text-indigo-700 underline decoration-indigo-300 underline-offset-2 hover:decoration-indigo-600", focusRing)}>
      {children}
    </a>
  ),
  h1: ({ node: _node, ...props }) => <h3 className={cn(heading, "text-lg")} {...props} />,
  h2: ({ node: _node, ...props }) => <h4 className={cn(heading, "text-base")} {...props} />,
  h3: ({ node: _node, ...props }) => <h5 className={cn(heading, "text-[15px]")} {...props} />,
  h4: ({ node: _node, ...props }) => <h6 className={cn(heading, "text-sm")} {...props} />,
  h5: ({ node: _node, ...props }) => <h6 className={cn(heading, "text-sm")} {...props} />,
  h6: ({ node: _node, ...props }) => <h6 className={cn(heading, "text-sm text-zinc-700")} {...props} />,
  ul: ({ node: _node, className, ...props }) => (
    <ul className={cn("my-3 space-y-1 pl-6 first:mt-0 last:mb-0", className?.includes("contains-task-list") ? "list-none pl-1" : "list-disc marker:text-zinc-400", className)} {...props} />
  ),
  ol: ({ node: _node, ...props }) => <ol className="my-3 list-decimal space-y-1 pl-6 marker:text-zinc-500 first:mt-0 last:mb-0" {...props} />,
  li: ({ node: _node, ...props }) => <li className="pl-1 leading-7 [&>ol]:my-1 [&>ul]:my-1" {...props} />,
  blockquote: ({ node: _node, ...props }) => <blockquote className="my-3 border-l-2 border-zinc-300 pl-4 text-zinc-600 first:mt-0 last:mb-0" {...props} />,
  hr: () => <hr className="my-5 border-zinc-200" />,
  strong: ({ node: _node, ...props }) => <strong className="font-semibold text-zinc-900" {...props} />,
  table: ({ node: _node, ...props }) => (
    // Focusable so keyboard users can scroll a wide table sideways.
    <div role="region" aria-label="Table" tabIndex={0} className={cn("my-3 overflow-x-auto rounded-lg ring-1 ring-zinc-200 first:mt-0 last:mb-0", focusRing)}>
      <table className="w-full border-collapse text-left text-sm" {...props} />
    </div>
  ),
  thead: ({ node: _node, ...props }) => <thead className="bg-zinc-50" {...props} />,
  th: ({ node: _node, style, ...props }) => <th style={style} className="border-b border-zinc-200 px-3 py-2 font-semibold text-zinc-900" {...props} />,
  td: ({ node: _node, style, ...props }) => <td style={style} className="border-b border-zinc-100 px-3 py-2 align-top [tr:last-child>&]:border-b-0" {...props} />,
  // GFM task-list boxes (read-only): named so they are not unlabelled form controls.
  input: ({ node: _node, ...props }) => (
    <input {...props} aria-label={props.checked ? "Done" : "Not done"} className="mr-1.5 size-3.5 translate-y-0.5 accent-indigo-600" />
  ),
  code: ({ node: _node, className, ...props }) => (
    <code className={cn("rounded-md bg-zinc-100 px-1.5 py-0.5 font-mono text-[0.85em] text-zinc-800 ring-1 ring-zinc-950/5", className)} {...props} />
  ),
  pre: ({ node }) => {
    const code = node?.children.find((c): c is Element => c.type === "element" && c.tagName === "code");
    const text = code ? textOf(code) : node ? textOf(node) : "";
    return <CodeBlock code={text.replace(/\n$/, "")} language={languageOf(code)} />;
  },
  img: ({ node: _node, src, alt }) => {
    const label = alt?.trim() || "image";
    return typeof src === "string" && src ? (
      <a href={src} target="_blank" rel="noopener noreferrer nofollow" className="text-indigo-700 underline underline-offset-2">
        [{label}]
      </a>
    ) : (
      <span>[{label}]</span>
    );
  },
};

export const MarkdownContent = memo(function MarkdownContent({ text, className }: { text: string; className?: string }) {
  return (
    <div className={cn("min-w-0 break-words text-[15px] text-zinc-800", className)}>
      <Markdown remarkPlugins={[remarkGfm]} components={components}>
        {text}
      </Markdown>
    </div>
  );
});

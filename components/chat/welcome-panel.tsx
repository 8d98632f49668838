import { AssistantAvatar } from "@/components/chat/message-bubble";
import { SparklesIcon } from "@/components/chat/icons";
import { cn, focusRing } from "@/components/ui/cn";

/** Starting points that suit any workspace; clicking one fills the composer (it does not send). */
const SUGGESTED_PROMPTS: ReadonlyArray<{ title: string; prompt: string }> = [
  { title: "Draft a reply", prompt: "Help me write a friendly, concise reply to a customer who is asking when their order will arrive." },
  { title: "Explain it simply", prompt: "Explain what an API rate limit is, with a short example, as if to a new colleague." },
  { title: "Make a plan", prompt: "Make a checklist for onboarding a new team member in their first week, as a table with owners and due days." },
];

export function WelcomePanel({ assistantName, companyName, modelName, initial, onPick }: { assistantName: string; companyName: string; modelName: string; initial: string; onPick: (prompt: string) => void }) {
  return (
    <div className="min-h-0 flex-1 overflow-y-auto" data-testid="welcome-panel">
      <div className="mx-auto flex w-full max-w-2xl flex-col items-center px-4 pt-10 pb-6 text-center sm:pt-16">
        <AssistantAvatar initial={initial} className="size-12 text-lg ring-4 ring-indigo-50" />
        <h2 className="mt-5 text-2xl font-semibold tracking-tight text-balance text-zinc-900">Hi, I’m the {assistantName}</h2>
        <p className="mt-2 max-w-md text-[15px] text-balance text-zinc-600">
          Ask me anything about your work at {companyName}. Your conversations are private to you. Replies use {modelName}.
        </p>
        <ul className="mt-8 grid w-full gap-3 text-left sm:grid-cols-3" aria-label="Suggested prompts">
          {SUGGESTED_PROMPTS.map((s) => (
            <li key={s.title}>
              <button
                type="button"
                onClick={() => onPick(s.prompt)}
                data-testid="suggested-prompt"
                className={cn("group flex h-full w-full flex-col gap-1.5 rounded-xl bg-white p-4 text-left shadow-sm ring-1 ring-zinc-950/5 transition hover:-translate-y-px hover:shadow-md hover:ring-indigo-200", focusRing)}
              >
                <span className="flex items-center gap-1.5 text-sm font-medium text-zinc-900">
                  <SparklesIcon className="size-4 text-indigo-500" />
                  {s.title}
                </span>
                <span className="line-clamp-2 text-sm sm:line-clamp-3 text-zinc-500 group-hover:text-zinc-600">{s.prompt}</span>
              </button>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { BareHeader } from "@/components/shell/bare-header";
import { ButtonLink } from "@/components/ui/button";
import { ChatIcon, GaugeIcon, ShieldIcon, UsersIcon } from "@/components/ui/icons";
import { getCurrentUser } from "@/lib/auth/session";
import { homePathForUser } from "@/lib/tenancy/home";

export const metadata: Metadata = { title: { absolute: "Bulkhead · Claude for every team, walled off by design" } };

const FEATURES = [
  {
    icon: ChatIcon,
    title: "An assistant shaped by each workspace",
    text: "Admins set the persona, the topics it covers and avoids, standing instructions and the model tier. Every conversation follows them.",
  },
  {
    icon: ShieldIcon,
    title: "Sealed compartments",
    text: "Each workspace’s data sits behind row-level security in the database itself. Conversations stay private to the person who had them.",
  },
  {
    icon: GaugeIcon,
    title: "Metered to the token",
    text: "Every call is counted, limited and priced as it happens, so each team sees its usage and nobody gets a surprise at month’s end.",
  },
  {
    icon: UsersIcon,
    title: "Built for teams",
    text: "Invite people by link, give them member or admin roles, and move between workspaces from one account.",
  },
];

export default async function LandingPage() {
  const user = await getCurrentUser();
  if (user) redirect(await homePathForUser(user.id));

  return (
    <div className="flex min-h-dvh flex-col bg-white">
      <BareHeader>
        <ButtonLink href="/signin" variant="ghost">
          Sign in
        </ButtonLink>
        <ButtonLink href="/signup">
          Get started
        </ButtonLink>
      </BareHeader>

      <main className="flex-1">
        <section className="relative overflow-hidden">
          <div aria-hidden="true" className="pointer-events-none absolute inset-x-0 -top-40 -z-10 flex justify-center blur-3xl">
            <div className="aspect-[3/1] w-[56rem] bg-gradient-to-tr from-indigo-200 via-indigo-100 to-sky-100 opacity-70" />
          </div>
          <div className="mx-auto grid max-w-6xl items-center gap-12 px-4 pt-12 pb-20 sm:px-6 sm:pt-20 lg:grid-cols-[1.1fr_1fr] lg:gap-16">
            <div>
              <p className="inline-flex items-center gap-2 rounded-full bg-indigo-50 px-3 py-1 text-xs font-medium text-indigo-700 ring-1 ring-indigo-600/15 ring-inset">
                Multi-tenant workspaces on Claude
              </p>
              <h1 className="mt-5 text-4xl font-semibold tracking-tight text-balance text-zinc-950 sm:text-5xl">
                Claude for every team, walled off by design.
              </h1>
              <p className="mt-5 max-w-xl text-lg text-pretty text-zinc-600">
                Bulkhead gives each company its own assistant, configured the way they want it, isolated from everyone else’s,
                and metered down to the token.
              </p>
              <div className="mt-8 flex flex-wrap gap-3">
                <ButtonLink href="/signup" size="lg">
                  Create your workspace
                </ButtonLink>
                <ButtonLink href="/signin" size="lg" variant="secondary">
                  Sign in
                </ButtonLink>
              </div>
              <p className="mt-4 text-sm text-zinc-500">Free plan included. No card needed.</p>
            </div>
            <ProductPreview />
          </div>
        </section>

        <section aria-labelledby="features" className="border-t border-zinc-100 bg-zinc-50">
          <div className="mx-auto max-w-6xl px-4 py-16 sm:px-6 sm:py-20">
            <h2 id="features" className="text-2xl font-semibold tracking-tight text-zinc-900">
              What you get
            </h2>
            <div className="mt-10 grid gap-6 sm:grid-cols-2">
              {FEATURES.map(({ icon: Icon, title, text }) => (
                <div key={title} className="rounded-xl bg-white p-6 shadow-sm ring-1 ring-zinc-950/5">
                  <span className="flex size-10 items-center justify-center rounded-lg bg-indigo-50 text-indigo-600">
                    <Icon className="size-5" />
                  </span>
                  <h3 className="mt-4 font-semibold text-zinc-900">{title}</h3>
                  <p className="mt-2 text-sm leading-6 text-zinc-600">{text}</p>
                </div>
              ))}
            </div>
          </div>
        </section>
      </main>

      <footer className="border-t border-zinc-100">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-2 px-4 py-6 text-sm text-zinc-500 sm:px-6">
          <span>© Bulkhead</span>
          <span>Runs on Claude by Anthropic.</span>
        </div>
      </footer>
    </div>
  );
}

/** A static picture of the product, drawn with markup so it stays sharp and light. */
function ProductPreview() {
  return (
    <div aria-hidden="true" className="relative rounded-2xl bg-white p-2 shadow-xl ring-1 ring-zinc-950/10">
      <div className="flex items-center gap-2 border-b border-zinc-100 px-3 pt-1.5 pb-3">
        <span className="flex size-6 items-center justify-center rounded-md bg-emerald-600 text-[11px] font-semibold text-white">N</span>
        <span className="text-sm font-semibold text-zinc-900">Northwind Legal</span>
        <span className="ml-auto rounded-md bg-indigo-50 px-1.5 py-0.5 text-[11px] font-medium text-indigo-700">Admin</span>
      </div>
      <div className="space-y-4 px-3 py-5">
        <div className="ml-auto max-w-[80%] rounded-2xl rounded-br-md bg-indigo-600 px-4 py-2.5 text-sm text-white">
          Summarise the termination clause in the Acme contract.
        </div>
        <div className="max-w-[88%] rounded-2xl rounded-bl-md bg-zinc-100 px-4 py-2.5 text-sm text-zinc-800">
          Either party may end the agreement with 60 days’ written notice. Early termination by Acme triggers the fee in §9.2.
        </div>
        <div className="flex items-center justify-between rounded-lg bg-zinc-50 px-3 py-2 text-xs text-zinc-500 ring-1 ring-zinc-950/5">
          <span>This month: 1.2M of 20M tokens</span>
          <span className="h-1.5 w-24 overflow-hidden rounded-full bg-zinc-200">
            <span className="block h-full w-[6%] rounded-full bg-indigo-500" />
          </span>
        </div>
      </div>
    </div>
  );
}

import { BareHeader } from "@/components/shell/bare-header";
import { ButtonLink } from "@/components/ui/button";

export default function NotFound() {
  return (
    <div className="flex min-h-dvh flex-col">
      <BareHeader />
      <main className="flex flex-1 items-center justify-center px-4 pb-24">
        <div className="max-w-md text-center">
          <p className="text-sm font-semibold text-indigo-600">404</p>
          <h1 className="mt-2 text-3xl font-semibold tracking-tight text-zinc-900">We couldn’t find that page</h1>
          <p className="mt-3 text-zinc-600">
            The link may be mistyped, or the page may belong to a workspace you aren’t a member of. If someone shared it with
            you, ask them for an invite.
          </p>
          <div className="mt-8 flex justify-center gap-3">
            <ButtonLink href="/">Go to your workspaces</ButtonLink>
          </div>
        </div>
      </main>
    </div>
  );
}

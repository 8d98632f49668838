"use client";

import { useEffect } from "react";
import { Button, ButtonLink } from "@/components/ui/button";

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <main className="flex min-h-[70dvh] items-center justify-center px-4">
      <div className="max-w-md text-center">
        <p className="text-sm font-semibold text-indigo-600">Something went wrong</p>
        <h1 className="mt-2 text-2xl font-semibold tracking-tight text-zinc-900">This page hit an error</h1>
        <p className="mt-3 text-zinc-600">
          It’s on our side, not yours. Try again; if it keeps happening, let us know
          {error.digest ? (
            <>
              {" "}
              and mention reference <code className="rounded bg-zinc-100 px-1 py-0.5 font-mono text-sm text-zinc-800">{error.digest}</code>
            </>
          ) : null}
          .
        </p>
        <div className="mt-8 flex justify-center gap-3">
          <Button onClick={reset}>Try again</Button>
          <ButtonLink href="/" variant="secondary">
            Home
          </ButtonLink>
        </div>
      </div>
    </main>
  );
}

"use client";

import { useEffect } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";

export default function AdminError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <main className="mx-auto w-full max-w-3xl px-4 py-10 sm:px-6">
      <Alert tone="error" title="The admin console couldn’t load">
        <p>
          Nothing was changed. Try again; if it keeps happening, let us know
          {error.digest ? ` and mention reference ${error.digest}` : ""}.
        </p>
        <Button variant="secondary" size="sm" className="mt-3" onClick={reset}>
          Try again
        </Button>
      </Alert>
    </main>
  );
}

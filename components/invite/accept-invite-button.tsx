"use client";

import { signOut } from "next-auth/react";
import { useState, useTransition } from "react";
import { acceptInviteAction } from "@/app/invite/[token]/actions";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";

export function AcceptInviteButton({ token, email }: { token: string; email: string }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();

  return (
    <div className="space-y-4">
      {error && <Alert tone="error">{error}</Alert>}
      <Button
        className="w-full"
        size="lg"
        loading={pending}
        onClick={() =>
          startTransition(async () => {
            setError(null);
            // On success the action redirects into the workspace.
            const result = await acceptInviteAction(token);
            if (result && !result.ok) setError(result.error.message);
          })
        }
      >
        Accept invite
      </Button>
      <p className="text-center text-sm text-zinc-500">
        Signed in as <span className="font-medium text-zinc-700">{email}</span>.{" "}
        <button
          type="button"
          className="font-medium text-indigo-600 underline-offset-2 hover:underline"
          onClick={async () => {
            await signOut({ redirect: false });
            window.location.reload();
          }}
        >
          Not you?
        </button>
      </p>
    </div>
  );
}

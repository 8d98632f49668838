"use client";

import { useState, type FormEvent } from "react";
import { requestPasswordResetAction } from "@/app/(auth)/forgot/actions";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/field";

export function ForgotPasswordForm() {
  const [email, setEmail] = useState("");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<{ message: string; fields: Record<string, string[]> } | null>(null);
  const [sent, setSent] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    const result = await requestPasswordResetAction({ email });
    setPending(false);
    if (!result.ok) {
      setError({ message: result.error.message, fields: result.error.fields ?? {} });
      return;
    }
    setSent(true);
  }

  if (sent) {
    return <Alert tone="success">If an account uses {email}, a reset link is on its way. It works once, for 30 minutes.</Alert>;
  }
  return (
    <form onSubmit={onSubmit} className="space-y-5">
      {error && <Alert tone="error">{error.message}</Alert>}
      <TextField name="email" label="Email" type="email" autoComplete="email" required value={email} errors={error?.fields.email} onChange={(e) => setEmail(e.target.value)} autoFocus />
      <Button type="submit" className="w-full" loading={pending}>
        Email me a reset link
      </Button>
    </form>
  );
}

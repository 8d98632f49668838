"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { resetPasswordAction } from "@/app/(auth)/reset/[token]/actions";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/field";

export function ResetPasswordForm({ token }: { token: string }) {
  const [password, setPassword] = useState("");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<{ message: string; fields: Record<string, string[]> } | null>(null);
  const [done, setDone] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    const result = await resetPasswordAction({ token, password });
    setPending(false);
    if (!result.ok) {
      setError({ message: result.error.message, fields: result.error.fields ?? {} });
      return;
    }
    setDone(true);
  }

  if (done) {
    return (
      <Alert tone="success">
        Your password has been changed and every session signed out.{" "}
        <Link href="/signin" className="font-medium underline">
          Sign in
        </Link>
      </Alert>
    );
  }
  return (
    <form onSubmit={onSubmit} className="space-y-5">
      {error && (
        <Alert tone="error">
          {error.message}{" "}
          <Link href="/forgot" className="font-medium underline">
            Ask for a new link
          </Link>
        </Alert>
      )}
      <TextField
        name="password"
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        hint="At least 10 characters, mixing letters with digits or symbols."
        value={password}
        errors={error?.fields.password}
        onChange={(e) => setPassword(e.target.value)}
        autoFocus
      />
      <Button type="submit" className="w-full" loading={pending}>
        Save the new password
      </Button>
    </form>
  );
}

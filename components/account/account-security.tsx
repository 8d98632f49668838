"use client";

import { signIn, signOut } from "next-auth/react";
import { useState, type FormEvent } from "react";
import { changePasswordAction, resendVerificationAction, signOutEverywhereAction } from "@/app/account/actions";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { TextField } from "@/components/ui/field";

type Fields = Record<string, string[]>;

export function AccountSecurity({ email, emailVerified }: { email: string; emailVerified: boolean }) {
  const [currentPassword, setCurrentPassword] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [fields, setFields] = useState<Fields>({});
  const [message, setMessage] = useState<{ tone: "error" | "success"; text: string } | null>(null);
  const [pending, setPending] = useState<"password" | "everywhere" | "verify" | null>(null);

  async function onResendVerification() {
    setPending("verify");
    setMessage(null);
    const result = await resendVerificationAction();
    setPending(null);
    setMessage(result.ok ? { tone: "success", text: `A new verification link is on its way to ${email}.` } : { tone: "error", text: result.error.message });
  }

  async function onChangePassword(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending("password");
    setMessage(null);
    setFields({});
    const result = await changePasswordAction({ currentPassword, newPassword });
    if (!result.ok) {
      setFields(result.error.fields ?? {});
      setMessage({ tone: "error", text: result.error.message });
      setPending(null);
      return;
    }
    // The change ended every session, this one too: sign in again with the new password
    // so this tab keeps working while every other device is signed out.
    const signedIn = await signIn("credentials", { email, password: newPassword, redirect: false }).catch(() => undefined);
    setCurrentPassword("");
    setNewPassword("");
    setPending(null);
    if (!signedIn?.ok || signedIn.error) {
      window.location.assign("/signin?next=%2Faccount");
      return;
    }
    setMessage({ tone: "success", text: "Password changed. Every other session has been signed out." });
  }

  async function onSignOutEverywhere() {
    setPending("everywhere");
    setMessage(null);
    const result = await signOutEverywhereAction();
    if (!result.ok) {
      setMessage({ tone: "error", text: result.error.message });
      setPending(null);
      return;
    }
    await signOut({ redirect: false });
    window.location.assign("/signin");
  }

  return (
    <div className="space-y-6">
      {message && <Alert tone={message.tone}>{message.text}</Alert>}
      {!emailVerified && (
        <Card className="px-5 py-6 sm:px-8">
          <h2 className="text-base font-semibold text-zinc-900">Verify your email</h2>
          <p className="mt-1 text-sm text-zinc-600">{email} is not verified yet. Invites bound to your address wait until it is.</p>
          <Button className="mt-4" variant="secondary" loading={pending === "verify"} disabled={pending !== null} onClick={onResendVerification}>
            Send a new link
          </Button>
        </Card>
      )}
      <Card className="px-5 py-6 sm:px-8">
        <h2 className="text-base font-semibold text-zinc-900">Change password</h2>
        <form onSubmit={onChangePassword} className="mt-4 space-y-5">
          <TextField
            name="currentPassword"
            label="Current password"
            type="password"
            autoComplete="current-password"
            required
            value={currentPassword}
            errors={fields.currentPassword}
            onChange={(e) => setCurrentPassword(e.target.value)}
          />
          <TextField
            name="newPassword"
            label="New password"
            type="password"
            autoComplete="new-password"
            required
            hint="At least 10 characters, mixing letters with digits or symbols."
            value={newPassword}
            errors={fields.newPassword}
            onChange={(e) => setNewPassword(e.target.value)}
          />
          <Button type="submit" loading={pending === "password"} disabled={pending !== null}>
            Change password
          </Button>
        </form>
      </Card>
      <Card className="px-5 py-6 sm:px-8">
        <h2 className="text-base font-semibold text-zinc-900">Sign out everywhere</h2>
        <p className="mt-1 text-sm text-zinc-600">Ends every session of this account on every device, this one included.</p>
        <Button className="mt-4" variant="secondary" loading={pending === "everywhere"} disabled={pending !== null} onClick={onSignOutEverywhere}>
          Sign out everywhere
        </Button>
      </Card>
    </div>
  );
}

"use client";

import { signIn } from "next-auth/react";
import { useState, type FormEvent } from "react";
import { PasswordRules } from "@/components/auth/password-rules";
import { SlugInput } from "@/components/auth/slug-input";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/field";
import { signUpSchema } from "@/lib/auth/schemas";
import { signInPath } from "@/lib/auth/safe-next";
import type { ErrorBody } from "@/lib/api/errors";

type Fields = Record<string, string[]>;

function zodFields(issues: { path: PropertyKey[]; message: string }[]): Fields {
  const fields: Fields = {};
  for (const issue of issues) (fields[String(issue.path[0] ?? "_")] ??= []).push(issue.message);
  return fields;
}

export function SignUpForm({ next }: { next: string | null }) {
  const [values, setValues] = useState({ name: "", email: "", password: "", workspaceName: "", slug: "" });
  const [fields, setFields] = useState<Fields>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const set = (key: keyof typeof values) => (value: string) => {
    setValues((v) => ({ ...v, [key]: value }));
    // An edited field's old error no longer describes it.
    setFields((f) => (f[key] ? { ...f, [key]: [] } : f));
  };

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setFormError(null);
    const input = { ...values, slug: values.slug || undefined };
    // Same schema as the server: instant feedback, and no attempt spent on the rate limit.
    const local = signUpSchema.safeParse(input);
    if (!local.success) {
      setFields(zodFields(local.error.issues));
      focusFirstError();
      return;
    }
    setPending(true);
    setFields({});
    try {
      const response = await fetch("/api/signup", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(input) });
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as ErrorBody | null;
        setFields(body?.error.fields ?? {});
        setFormError(body?.error.fields ? null : (body?.error.message ?? "Sign-up failed. Please try again."));
        setPending(false);
        focusFirstError();
        return;
      }
      const { slug } = (await response.json()) as { slug: string };
      const signedIn = await signIn("credentials", { email: values.email, password: values.password, redirect: false });
      const target = next ?? `/w/${slug}`;
      // The account exists either way; if the automatic sign-in failed, the sign-in page explains why.
      window.location.assign(signedIn?.ok && !signedIn.error ? target : signInPath(target, "/signin", signedIn?.error ?? "Default"));
    } catch {
      setFormError("We couldn’t reach the server. Check your connection and try again.");
      setPending(false);
    }
  }

  return (
    <form onSubmit={onSubmit} className="space-y-5" noValidate>
      {formError && <Alert tone="error">{formError}</Alert>}
      <TextField name="name" label="Your name" autoComplete="name" value={values.name} onChange={(e) => set("name")(e.target.value)} errors={fields.name} autoFocus />
      <TextField name="email" label="Work email" type="email" autoComplete="email" value={values.email} onChange={(e) => set("email")(e.target.value)} errors={fields.email} />
      <TextField
        name="password"
        label="Password"
        type="password"
        autoComplete="new-password"
        value={values.password}
        onChange={(e) => set("password")(e.target.value)}
        errors={fields.password}
        hint={<PasswordRules password={values.password} />}
      />
      <div className="border-t border-zinc-100 pt-5">
        <TextField
          name="workspaceName"
          label="Workspace name"
          placeholder="Acme Inc."
          autoComplete="organization"
          value={values.workspaceName}
          onChange={(e) => set("workspaceName")(e.target.value)}
          errors={fields.workspaceName}
        />
      </div>
      <SlugInput value={values.slug} onChange={set("slug")} workspaceName={values.workspaceName} errors={fields.slug} />
      {fields._?.length ? <Alert tone="error">{fields._.join(" ")}</Alert> : null}
      <Button type="submit" className="w-full" loading={pending}>
        {pending ? "Creating your workspace…" : "Create account"}
      </Button>
      <p className="text-center text-xs text-zinc-500">You can invite your team once you’re in.</p>
    </form>
  );
}

function focusFirstError() {
  requestAnimationFrame(() => document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
}

"use client";

import { useState, useTransition, type FormEvent } from "react";
import { createWorkspaceAction } from "@/app/new/actions";
import { SlugInput } from "@/components/auth/slug-input";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/field";

export function CreateWorkspaceForm() {
  const [workspaceName, setWorkspaceName] = useState("");
  const [slug, setSlug] = useState("");
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    startTransition(async () => {
      const result = await createWorkspaceAction({ workspaceName, slug: slug || undefined });
      if (!result.ok) {
        setFields(result.error.fields ?? {});
        if (!result.error.fields) setError(result.error.message);
        return;
      }
      window.location.assign(`/w/${result.data.slug}`);
    });
  }

  return (
    <form onSubmit={onSubmit} className="space-y-5" noValidate>
      {error && <Alert tone="error">{error}</Alert>}
      <TextField
        name="workspaceName"
        label="Workspace name"
        placeholder="Acme Inc."
        autoComplete="organization"
        value={workspaceName}
        onChange={(e) => {
          setWorkspaceName(e.target.value);
          setFields((f) => ({ ...f, workspaceName: [] }));
        }}
        errors={fields.workspaceName}
        autoFocus
      />
      <SlugInput
        value={slug}
        onChange={(v) => {
          setSlug(v);
          setFields((f) => ({ ...f, slug: [] }));
        }}
        workspaceName={workspaceName}
        errors={fields.slug}
      />
      <Button type="submit" className="w-full" loading={pending}>
        {pending ? "Creating…" : "Create workspace"}
      </Button>
    </form>
  );
}

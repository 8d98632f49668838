"use client";

import { useRef, useState, useTransition, type FormEvent } from "react";
import { createInviteAction, type CreatedInviteView } from "@/app/w/[slug]/members/actions";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/field";
import { FieldError } from "@/components/ui/field-error";
import { Select } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { LinkIcon } from "@/components/ui/icons";

export function InviteForm({ slug }: { slug: string }) {
  const [role, setRole] = useState<"member" | "admin">("member");
  const [email, setEmail] = useState("");
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedInviteView | null>(null);
  const [pending, startTransition] = useTransition();

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    setFields({});
    startTransition(async () => {
      const result = await createInviteAction(slug, { role, email });
      if (!result.ok) {
        setFields(result.error.fields ?? {});
        if (!result.error.fields) setError(result.error.message);
        return;
      }
      setCreated(result.data);
      setEmail("");
    });
  }

  return (
    <div className="space-y-5">
      <form onSubmit={onSubmit} className="grid gap-4 sm:grid-cols-[1fr_10rem_auto] sm:items-start" noValidate>
        <TextField
          name="email"
          label="Email"
          corner="Optional"
          type="email"
          placeholder="name@company.com"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          errors={fields.email}
          hint="If set, only this address can accept."
        />
        <div>
          <Label htmlFor="field-role">Role</Label>
          <Select id="field-role" name="role" className="mt-1.5" value={role} onChange={(e) => setRole(e.target.value === "admin" ? "admin" : "member")}>
            <option value="member">Member</option>
            <option value="admin">Admin</option>
          </Select>
          <FieldError id="field-role-error" messages={fields.role} />
        </div>
        <Button type="submit" loading={pending} className="sm:mt-7">
          <LinkIcon className="size-4" />
          Create invite link
        </Button>
      </form>
      {error && <Alert tone="error">{error}</Alert>}
      {created && <CreatedInvite invite={created} />}
    </div>
  );
}

function CreatedInvite({ invite }: { invite: CreatedInviteView }) {
  const [copied, setCopied] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const url = `${window.location.origin}/invite/${invite.token}`;

  async function copy() {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      // Clipboard access can be refused (insecure origin): select it for a manual copy.
      inputRef.current?.select();
    }
  }

  return (
    <Alert tone="success" title={`Invite link for ${invite.email ?? "one person"} as ${invite.role}`}>
      <p>Copy this link and send it yourself; Bulkhead doesn’t email it. It’s shown only now.</p>
      <div className="mt-3 flex flex-col gap-2 sm:flex-row">
        <label htmlFor="invite-url" className="sr-only">
          Invite link
        </label>
        <input
          id="invite-url"
          ref={inputRef}
          readOnly
          value={url}
          onFocus={(e) => e.currentTarget.select()}
          className="min-w-0 flex-1 rounded-lg border-0 bg-white px-3 py-2 font-mono text-xs text-zinc-800 ring-1 ring-emerald-600/20 ring-inset focus:ring-2 focus:ring-emerald-600 focus:outline-none"
        />
        <Button variant="secondary" size="md" onClick={copy}>
          {copied ? "Copied" : "Copy link"}
        </Button>
      </div>
    </Alert>
  );
}

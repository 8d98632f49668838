"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { createApiKeyAction, revokeApiKeyAction } from "@/app/w/[slug]/admin/api-key-actions";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { TextField } from "@/components/ui/field";
import { Select } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import type { ApiKeyStatus, ApiKeySummary, CreatedApiKey } from "@/lib/api-keys/keys";
import { API_KEY_SCOPE_LABELS, API_KEY_SCOPES, type ApiKeyScope } from "@/lib/api-keys/scopes";
import { formatDateTime } from "@/lib/format";

const STATUS: Record<ApiKeyStatus, { label: string; tone: "success" | "warning" | "danger" }> = {
  active: { label: "Active", tone: "success" },
  expired: { label: "Expired", tone: "warning" },
  revoked: { label: "Revoked", tone: "danger" },
};

const EXPIRY_CHOICES = [
  { value: "", label: "Never" },
  { value: "7", label: "In 7 days" },
  { value: "30", label: "In 30 days" },
  { value: "90", label: "In 90 days" },
  { value: "365", label: "In 1 year" },
] as const;

/** Create (the key shown once), list and revoke the workspace's API keys. */
export function ApiKeysPanel({ slug, timeZone, keys }: { slug: string; timeZone: string; keys: ApiKeySummary[] }) {
  const router = useRouter();
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [confirm, setConfirm] = useState<ApiKeySummary | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [revokeError, setRevokeError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [notice, setNotice] = useState<string | null>(null);

  async function onCreate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const scopes = API_KEY_SCOPES.filter((s) => data.get(`scope-${s}`) === "on");
    setBusy(true);
    setError(null);
    setFieldErrors({});
    setNotice(null);
    const result = await createApiKeyAction(slug, { name: String(data.get("name") ?? ""), scopes, expiresInDays: String(data.get("expiresInDays") ?? "") });
    setBusy(false);
    if (!result.ok) {
      setError(result.error.message);
      setFieldErrors(result.error.fields ?? {});
      return;
    }
    form.reset();
    setCreated(result.data);
    router.refresh();
  }

  async function onRevoke(key: ApiKeySummary) {
    setBusy(true);
    setRevokeError(null);
    const result = await revokeApiKeyAction(slug, key.id);
    setBusy(false);
    if (!result.ok) {
      setRevokeError(result.error.message);
      return;
    }
    setConfirm(null);
    setNotice(`“${key.name}” is revoked. Requests with it are refused from now on.`);
    if (created?.id === key.id) setCreated(null);
    router.refresh();
  }

  return (
    <div className="space-y-6">
      <Card>
        <CardHeader>
          <h2 className="font-semibold text-zinc-900">Create an API key</h2>
          <p className="mt-1 text-sm text-zinc-600">Your own products call Bulkhead’s API with a key. It is shown once; Bulkhead stores only a hash of it.</p>
        </CardHeader>
        <CardBody>
          {created ? (
            <NewKey created={created} onDone={() => setCreated(null)} />
          ) : (
            <form onSubmit={onCreate} className="space-y-4" noValidate>
              <TextField name="name" label="Name" required maxLength={100} placeholder="e.g. Support widget (production)" errors={fieldErrors.name} />
              <fieldset>
                <legend className="text-sm font-medium text-zinc-900">Scopes</legend>
                <div className="mt-2 space-y-1.5">
                  {API_KEY_SCOPES.map((scope) => (
                    <label key={scope} className="flex items-center gap-2 text-sm text-zinc-700">
                      <input type="checkbox" name={`scope-${scope}`} defaultChecked={scope === "messages"} className="size-4 rounded border-zinc-300" />
                      <code className="text-xs">{scope}</code> <span className="text-zinc-500">{API_KEY_SCOPE_LABELS[scope]}</span>
                    </label>
                  ))}
                </div>
                {fieldErrors.scopes && <p className="mt-1.5 text-sm text-red-600">{fieldErrors.scopes.join(" ")}</p>}
              </fieldset>
              <div>
                <Label htmlFor="field-expiresInDays">Expires</Label>
                <Select id="field-expiresInDays" name="expiresInDays" defaultValue="" className="mt-1.5 max-w-xs">
                  {EXPIRY_CHOICES.map((c) => (
                    <option key={c.value} value={c.value}>
                      {c.label}
                    </option>
                  ))}
                </Select>
              </div>
              {error && <Alert tone="error">{error}</Alert>}
              <Button type="submit" loading={busy}>
                Create key
              </Button>
            </form>
          )}
        </CardBody>
      </Card>

      {notice && <Alert tone="success">{notice}</Alert>}

      {keys.length === 0 ? (
        <EmptyState title="No API keys yet" description="Keys you create are listed here with their scopes, creator and when they were last used." />
      ) : (
        <Card className="overflow-hidden">
          <CardHeader>
            <h2 id="api-keys-title" className="font-semibold text-zinc-900">
              API keys
            </h2>
            <p className="mt-1 text-sm text-zinc-600">Times are in {timeZone.replace(/_/g, " ")}. Last use is updated about once a minute.</p>
          </CardHeader>
          <div className="overflow-x-auto">
            <table aria-labelledby="api-keys-title" className="w-full text-left text-sm">
              <thead className="border-b border-zinc-100 bg-zinc-50 text-xs font-medium text-zinc-600">
                <tr>
                  <th scope="col" className="px-5 py-2.5 sm:px-6">Key</th>
                  <th scope="col" className="px-3 py-2.5">Scopes</th>
                  <th scope="col" className="hidden px-3 py-2.5 md:table-cell">Created</th>
                  <th scope="col" className="hidden px-3 py-2.5 md:table-cell">Last used</th>
                  <th scope="col" className="px-3 py-2.5">Status</th>
                  <th scope="col" className="px-3 py-2.5"><span className="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody className="divide-y divide-zinc-100">
                {keys.map((key) => (
                  <tr key={key.id} className="align-top">
                    <td className="px-5 py-3 sm:px-6">
                      <p className="font-medium text-zinc-900">{key.name}</p>
                      <code className="text-xs text-zinc-500">{key.prefix}…</code>
                    </td>
                    <td className="px-3 py-3">
                      <div className="flex flex-wrap gap-1">
                        {key.scopes.map((s: ApiKeyScope) => (
                          <Badge key={s} tone="neutral">{s}</Badge>
                        ))}
                      </div>
                    </td>
                    <td className="hidden px-3 py-3 text-zinc-600 md:table-cell">
                      {formatDateTime(key.createdAt, timeZone)}
                      <p className="text-xs text-zinc-500">by {key.createdBy?.name ?? "a former member"}</p>
                    </td>
                    <td className="hidden px-3 py-3 text-zinc-600 md:table-cell">{key.lastUsedAt ? formatDateTime(key.lastUsedAt, timeZone) : "Never"}</td>
                    <td className="px-3 py-3">
                      <Badge tone={STATUS[key.status].tone}>{STATUS[key.status].label}</Badge>
                      {key.status === "active" && key.expiresAt && <p className="mt-1 text-xs text-zinc-500">until {formatDateTime(key.expiresAt, timeZone)}</p>}
                    </td>
                    <td className="px-3 py-3 text-right">
                      {key.status !== "revoked" && (
                        <Button variant="ghost" size="sm" onClick={() => { setRevokeError(null); setConfirm(key); }}>
                          Revoke<span className="sr-only"> {key.name}</span>
                        </Button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      )}

      <ConfirmDialog
        open={confirm !== null}
        title={`Revoke “${confirm?.name ?? ""}”?`}
        confirmLabel="Revoke key"
        busy={busy}
        error={revokeError}
        onCancel={() => setConfirm(null)}
        onConfirm={() => confirm && void onRevoke(confirm)}
      >
        Every request with this key ({confirm?.prefix}…) is refused within a second, on every server. This cannot be undone: create a new key to replace it.
      </ConfirmDialog>
    </div>
  );
}

function NewKey({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }
  return (
    <div className="space-y-3">
      <Alert tone="warning" title={`“${created.name}” created`}>
        Copy the key now. It is not shown again; if you lose it, revoke it and create another.
      </Alert>
      <div className="flex flex-wrap items-center gap-2">
        <code aria-label="Your new API key" className="min-w-0 flex-1 rounded-md bg-zinc-900 px-3 py-2 font-mono text-sm break-all text-zinc-50 select-all">
          {created.key}
        </code>
        <Button variant="secondary" onClick={() => void copy()}>
          {copied ? "Copied" : "Copy"}
        </Button>
      </div>
      <p role="status" className="text-sm text-zinc-600">
        {copied === false ? "Could not copy: select the key and copy it by hand." : copied ? "The key is on your clipboard." : ""}
      </p>
      <Button variant="ghost" onClick={onDone}>
        Done
      </Button>
    </div>
  );
}

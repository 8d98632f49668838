"use client";

import { useId, useState, useTransition } from "react";
import { deleteTenantAction } from "@/app/staff/actions";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

/**
 * Delete a workspace, after typing its address in the confirmation dialog. The server
 * checks the typed address as well, so a stale page cannot delete the wrong tenant.
 */
export function DeleteTenantButton({ tenantId, name, slug, onDeleted }: { tenantId: string; name: string; slug: string; onDeleted: (message: string) => void }) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const inputId = useId();

  const close = () => {
    setOpen(false);
    setTyped("");
    setError(null);
  };
  const confirm = () => {
    if (typed.trim() !== slug) {
      setError(`Type ${slug} to confirm.`);
      return;
    }
    startTransition(async () => {
      const result = await deleteTenantAction({ tenantId, confirmSlug: typed });
      if (!result.ok) {
        setError(result.error.message);
        return;
      }
      close();
      onDeleted(`${result.data.name} was deleted. Its past cost and revenue stay in the console as “${result.data.pseudonym}”.`);
    });
  };

  return (
    <>
      <Button size="sm" variant="danger" onClick={() => setOpen(true)} aria-label={`Delete ${name}`}>
        Delete
      </Button>
      <ConfirmDialog open={open} title={`Delete ${name}?`} confirmLabel="Delete workspace" busy={pending} error={error} onConfirm={confirm} onCancel={close}>
        <p>
          Its members lose access at once, and its conversations, knowledge, settings and usage events are deleted. This cannot be undone.
        </p>
        <p>Its billing ledger stays: past months keep their cost and revenue here, under a pseudonym, with only the workspace’s id.</p>
        <div className="pt-1">
          <Label htmlFor={inputId}>
            Type <span className="font-mono font-semibold text-zinc-900">{slug}</span> to confirm
          </Label>
          <Input id={inputId} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} className="mt-1.5" />
        </div>
      </ConfirmDialog>
    </>
  );
}

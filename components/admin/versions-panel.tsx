"use client";

import { useState, useTransition } from "react";
import { getConfigVersionAction, rollbackConfigAction } from "@/app/w/[slug]/admin/actions";
import { ConfigDiffView } from "@/components/admin/config-diff-view";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { cn, focusRing } from "@/components/ui/cn";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { Spinner } from "@/components/ui/spinner";
import type { ConfigVersion, ConfigVersionSummary } from "@/lib/admin/config";
import { diffConfigs } from "@/lib/admin/config-diff";
import { formatDateTime } from "@/lib/format";

type Loaded = { state: "loading" } | { state: "error"; message: string } | { state: "ready"; config: ConfigVersion };

export function VersionsPanel({
  slug,
  timeZone,
  current,
  versions,
  onRolledBack,
}: {
  slug: string;
  timeZone: string;
  current: ConfigVersion;
  versions: ConfigVersionSummary[];
  onRolledBack: (config: ConfigVersion) => void;
}) {
  const [selected, setSelected] = useState<number | null>(null);
  // Versions never change once written, so a loaded one is kept for the session.
  const [loaded, setLoaded] = useState<Record<number, Loaded>>({});
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<{ tone: "success" | "error"; message: string } | null>(null);
  const [rolling, startRollback] = useTransition();
  const [, startLoad] = useTransition();

  function select(version: number) {
    setSelected(version);
    setResult(null);
    if (version === current.version || loaded[version]?.state === "ready" || loaded[version]?.state === "loading") return;
    setLoaded((l) => ({ ...l, [version]: { state: "loading" } }));
    startLoad(async () => {
      const res = await getConfigVersionAction(slug, version);
      setLoaded((l) => ({ ...l, [version]: res.ok ? { state: "ready", config: res.data } : { state: "error", message: res.error.message } }));
    });
  }

  function rollback(version: number) {
    startRollback(async () => {
      const res = await rollbackConfigAction(slug, version);
      setConfirming(false);
      if (!res.ok) {
        setResult({ tone: "error", message: res.error.message });
        return;
      }
      setResult({
        tone: "success",
        message:
          res.data.status === "unchanged"
            ? `Version ${version} already matches the live configuration; nothing was saved.`
            : `Restored version ${version} as version ${res.data.config.version} · applies from the next message.`,
      });
      onRolledBack(res.data.config);
    });
  }

  if (versions.length <= 1) {
    return (
      <EmptyState
        title="No earlier versions yet"
        description="Every save on the Assistant tab keeps the previous configuration as a version you can compare with and roll back to."
      />
    );
  }

  const entry = selected === null ? null : loaded[selected];
  const changes = entry?.state === "ready" ? diffConfigs(current, entry.config) : [];

  return (
    <div className="grid gap-6 lg:grid-cols-[minmax(0,20rem)_minmax(0,1fr)] lg:items-start">
      <Card className="overflow-hidden">
        <CardHeader>
          <h2 className="font-semibold text-zinc-900">History</h2>
          <p className="mt-1 text-sm text-zinc-600">Newest first. Pick one to compare it with the live version.</p>
        </CardHeader>
        <ul aria-label="Configuration versions" className="max-h-[28rem] divide-y divide-zinc-100 overflow-y-auto lg:max-h-[36rem]">
          {versions.map((v) => {
            const isCurrent = v.version === current.version;
            const isSelected = v.version === selected;
            return (
              <li key={v.version}>
                <button
                  type="button"
                  aria-pressed={isSelected}
                  onClick={() => select(v.version)}
                  className={cn("flex w-full items-center gap-3 px-5 py-3 text-left sm:px-6", isSelected ? "bg-indigo-50" : "hover:bg-zinc-50", focusRing, "focus-visible:-outline-offset-2")}
                >
                  <span className="min-w-0 flex-1">
                    <span className="flex items-center gap-2 text-sm font-medium text-zinc-900">
                      Version {v.version}
                      {isCurrent && <Badge tone="success">Live</Badge>}
                    </span>
                    <span className="mt-0.5 block truncate text-xs text-zinc-600" suppressHydrationWarning>
                      {v.author?.name ?? "Former member"} · {formatDateTime(v.createdAt, timeZone)}
                    </span>
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      </Card>

      <Card aria-live="polite">
        {selected === null ? (
          <CardBody>
            <p className="text-sm text-zinc-600">Select a version to see how it differs from the live one (version {current.version}).</p>
          </CardBody>
        ) : selected === current.version ? (
          <CardBody>
            <h2 className="font-semibold text-zinc-900">Version {selected} is live</h2>
            <p className="mt-1 text-sm text-zinc-600">This is what the assistant uses now. Pick an older version to compare or roll back.</p>
          </CardBody>
        ) : (
          <>
            <CardHeader className="flex flex-wrap items-start justify-between gap-3">
              <div className="min-w-0">
                <h2 className="font-semibold text-zinc-900">
                  Version {selected} <span className="font-normal text-zinc-500">compared with live&nbsp;version&nbsp;{current.version}</span>
                </h2>
                <p className="mt-1 text-sm text-zinc-600">What rolling back would change.</p>
              </div>
              <Button variant="secondary" onClick={() => setConfirming(true)} disabled={entry?.state !== "ready" || changes.length === 0}>
                Roll back to version {selected}
              </Button>
            </CardHeader>
            <CardBody>
              {(!entry || entry.state === "loading") && (
                <p className="flex items-center gap-2 text-sm text-zinc-600">
                  <Spinner label="Loading version" /> Loading version {selected}…
                </p>
              )}
              {entry?.state === "error" && <Alert tone="error">{entry.message}</Alert>}
              {entry?.state === "ready" &&
                (changes.length === 0 ? (
                  <p className="text-sm text-zinc-600">Same settings as the live version: nothing to roll back.</p>
                ) : (
                  <ConfigDiffView changes={changes} />
                ))}
            </CardBody>
          </>
        )}
        {result && (
          <div className="px-5 pb-5 sm:px-6">
            <Alert tone={result.tone}>{result.message}</Alert>
          </div>
        )}
      </Card>

      <ConfirmDialog
        open={confirming && selected !== null}
        title={`Roll back to version ${selected ?? ""}?`}
        confirmLabel="Roll back"
        busy={rolling}
        onCancel={() => setConfirming(false)}
        onConfirm={() => selected !== null && rollback(selected)}
      >
        This saves version {current.version + 1} with version {selected}’s settings. Nothing is deleted: version {current.version} stays in the history. Chat uses it
        from the next message.
      </ConfirmDialog>
    </div>
  );
}

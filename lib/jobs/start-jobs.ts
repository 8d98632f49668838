import { startAnomalyJob } from "@/lib/usage/anomalies";
import { startRollupFolder } from "@/lib/usage/fold";
import { startOutboxDrainer } from "@/lib/usage/outbox";

/**
 * Background work of a server process: replaying the usage outbox, flagging usage
 * anomalies and folding queued usage into the rollups. In production these can run in
 * separate worker processes (scale path in ARCHITECTURE.md); for `npm start` they run
 * inside the app server. Each guards itself
 * against starting twice in one process.
 */
export function startBackgroundJobs(): void {
  startOutboxDrainer();
  startAnomalyJob();
  startRollupFolder();
}

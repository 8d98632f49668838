import { startAnomalyJob } from "@/lib/usage/anomalies";
import { startRollupFolder } from "@/lib/usage/fold";
import { startOutboxDrainer } from "@/lib/ledger/drainer";
import { startSweeper } from "@/lib/ledger/sweeper";

/**
 * Background work of a server process: replaying the usage outbox, settling requests a dead
 * process left in flight (the sweeper), flagging usage
 * anomalies and folding queued usage into the rollups. In production these can run in
 * separate worker processes (scale path in ARCHITECTURE.md); for `npm start` they run
 * inside the app server. Each guards itself
 * against starting twice in one process.
 */
export function startBackgroundJobs(): void {
  startOutboxDrainer();
  startSweeper();
  startAnomalyJob();
  startRollupFolder();
}

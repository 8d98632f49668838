import { startAnomalyJob } from "@/lib/usage/anomalies";
import { startOutboxDrainer } from "@/lib/usage/outbox";

/**
 * Background work of a server process: replaying the usage outbox and flagging usage
 * anomalies. In production these can run in separate worker processes (scale path in
 * ARCHITECTURE.md); for `npm start` they run inside the app server. Each guards itself
 * against starting twice in one process.
 */
export function startBackgroundJobs(): void {
  startOutboxDrainer();
  startAnomalyJob();
}

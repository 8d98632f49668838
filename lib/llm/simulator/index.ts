/** Local Claude simulator speaking the Anthropic Messages API. See README.md. */
export { startSimulator, type RunningSimulator, type SimulatorOptions } from "./server";
export {
  estimateInputTokens,
  estimateTextTokens,
  visitInputSegments,
  CHARS_PER_TOKEN,
  MESSAGE_OVERHEAD_TOKENS,
  MEDIA_BLOCK_TOKENS,
  type TokenCountable,
  type MessageLike,
  type BlockLike,
  type CacheTtl,
} from "../tokens";
export { parseFaults, type FaultPlan, type StatusFault } from "./faults";
export { createReceivedLog, type ReceivedEntry, type ReceivedLog, type ReceivedOutcome, type ReceivedUsage } from "./received";
export { DEFAULT_LIMITS, type AccountLimits } from "./rate-limits";
export { REPLY_FIRST_LINE, ECHO_FIRST_LINE, parseEcho } from "./reply";
export type { ApiUsage } from "./message";

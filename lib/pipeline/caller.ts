import type { UnverifiedIdentity } from "@/lib/api/identify-member";

/**
 * Who a turn runs for, as the front door identified them (identify step): the chat route
 * from the session and membership (lib/api/workspace-route.ts); the tenant API and
 * background jobs will identify by key or by job. Never taken from the URL or the body.
 */
export interface Caller {
  tenantId: string;
  userId: string;
  planId: string;
  /**
   * The membership came from the identify cache (lib/tenancy/workspace.ts identifyMemberCached):
   * the turn's statement verifies it before anything is written, and a step that writes
   * earlier (a screening event) confirms it first.
   */
  unverified?: UnverifiedIdentity;
}

/**
 * Who a turn runs for, as the front door identified them (identify step): the chat route
 * from the session and membership (lib/api/workspace-route.ts); the tenant API and
 * background jobs will identify by key or by job. Never taken from the URL or the body.
 */
export interface Caller {
  tenantId: string;
  userId: string;
  planId: string;
}

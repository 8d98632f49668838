/**
 * How a tenant's model is chosen (tenant_configs.routing_mode, 0014_routing). Its own module
 * so the admin console's schema, which also runs in the browser, does not pull in the router.
 *
 * fixed: every request goes to the configured tier.
 * auto:  the router picks the cheapest adequate tier, up to the configured tier.
 */
export const ROUTING_MODES = ["fixed", "auto"] as const;
export type RoutingMode = (typeof ROUTING_MODES)[number];

export const ROUTING_MODE_LABELS: Readonly<Record<RoutingMode, string>> = {
  fixed: "Fixed tier",
  auto: "Automatic, up to the model tier",
};

export const ROUTING_MODE_HINTS: Readonly<Record<RoutingMode, string>> = {
  fixed: "Every message is answered by the model tier you chose.",
  auto: "Each message goes to the cheapest tier that fits it — simple questions to Economy — never above the tier you chose. Every decision is shown on the Usage page.",
};

/** The column is text with a CHECK; anything else reads as fixed (what a tenant had before routing). */
export function routingModeOf(value: string): RoutingMode {
  return ROUTING_MODES.find((m) => m === value) ?? "fixed";
}

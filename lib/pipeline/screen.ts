/**
 * Screen step: decides whether a message may go to the model. A pass-through until the
 * prompt-injection issue fills it (normalisation, scoring, the tenant's off/flag/block
 * policy); the orchestrator already calls it where it belongs, before anything is limited,
 * reserved or written.
 */
export interface ScreenVerdict {
  verdict: "allow" | "flag" | "block";
  reasons: string[];
}

export function screenMessage(_text: string): ScreenVerdict {
  return { verdict: "allow", reasons: [] };
}

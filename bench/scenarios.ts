import { apiStreams } from "./api-streams";
import { chatKnowledge } from "./chat-knowledge";
import { chatPath } from "./chat-path";
import { dashboardQueries } from "./dashboard-queries";
import { fairCapacity } from "./fair-capacity";
import { gateway } from "./gateway";
import { knowledge } from "./knowledge";
import { ledger } from "./ledger";
import { limiter } from "./limiter";
import { route } from "./route";
import { screen } from "./screen";
import { vectors } from "./vectors";
import type { Scenario } from "./lib/scenario";

/** Every scenario, in the order `npm run bench` runs them. Add new modules here. */
export const SCENARIOS: readonly Scenario[] = [chatPath, gateway, apiStreams, limiter, dashboardQueries, ledger, fairCapacity, route, screen, knowledge, chatKnowledge, vectors];

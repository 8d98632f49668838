/**
 * A bench scenario: one module under bench/, selected by name on the command line
 * (`tsx scripts/bench.ts chat-path`). It prints its own progress and table, and returns the
 * data that scripts/bench.ts writes to bench/results/<name>-<timestamp>.json and -latest.json.
 */
export interface ScenarioOptions {
  /** Smaller request counts: a smoke run, not numbers to compare. */
  quick: boolean;
  /** Run the app server with --cpu-prof; the profile directory is printed at the end. */
  profile: boolean;
  /** Echo the app server's output. */
  verbose: boolean;
}

export interface ScenarioResult {
  /** Written as JSON. */
  data: Record<string, unknown>;
  /** Requests that failed their check: any makes `npm run bench` exit non-zero. */
  failures: number;
}

export interface Scenario {
  name: string;
  description: string;
  run(options: ScenarioOptions): Promise<ScenarioResult>;
}

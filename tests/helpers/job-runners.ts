/**
 * In-process job runners for a suite on one engine, polling fast and quietly, stopped after each test.
 * Call inside the `describeEngines` callback (it registers an `afterEach`).
 */
import { afterEach } from "vitest";
import { RoundRunner, type RoundRunnerOptions } from "../../server/rounds/round-runner";
import type { EngineHandle } from "./engines";

export function useJobRunners(h: EngineHandle): (opts?: RoundRunnerOptions) => RoundRunner {
  const runners: RoundRunner[] = [];
  afterEach(async () => {
    for (const r of runners.splice(0)) await r.stop();
  });
  return (opts = {}) => {
    const r = new RoundRunner(h.database.db, { pollMs: 50, log: () => {}, ...opts });
    runners.push(r);
    r.start();
    return r;
  };
}

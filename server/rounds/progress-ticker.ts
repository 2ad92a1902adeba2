/**
 * `round:progress` after labels, coalesced: a label schedules one recount of its round a moment later instead
 * of recounting the whole round inside its own transaction (which made every label cost a scan of the round's
 * tasks). Whatever commits while a recount is pending is included in it, so under any load a round gets at
 * most one count query and one event per `PROGRESS_EVERY_MS` per process, and the last label is always counted.
 */
import type { DbOrTx } from "../../db/tx";
import { publish } from "../realtime/bus";
import { taskProgress } from "./round-view";

export const PROGRESS_EVERY_MS = 150;

const KEY = Symbol.for("corrective.progressTicker");
type Pending = Map<string, NodeJS.Timeout>;

/** Lives on `globalThis` like the bus, so the route handlers' bundle and the custom server share one schedule. */
function pending(): Pending {
  const g = globalThis as { [KEY]?: Pending };
  return (g[KEY] ??= new Map());
}

export function scheduleRoundProgress(db: DbOrTx, round: { id: string; projectId: string; index: number }): void {
  const timers = pending();
  if (timers.has(round.id)) return;
  const timer = setTimeout(() => {
    timers.delete(round.id);
    taskProgress(db, round.id).then(
      (progress) => publish([{ type: "round:progress", projectId: round.projectId, roundIndex: round.index, progress }]),
      // The database went away (an outage, shutdown): the next label schedules a fresh count.
      () => {},
    );
  }, PROGRESS_EVERY_MS);
  timer.unref();
  timers.set(round.id, timer);
}

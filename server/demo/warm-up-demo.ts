/**
 * A living demo: on a fresh demo database, round 0 (behaviour cloning on scripted demonstrations) is run and
 * published, and round 1 is started, so a labeller who signs in first thing finds states to label and the lead's
 * dashboard already shows a curve. It goes through the real pipeline — `startRound` as the demo lead, the job
 * runner (this process's or a `npm run trainer` worker's) doing the rest — in the background, after the server
 * listens, so the first page is never delayed.
 *
 * Idempotent and restart-safe: it only ever acts on a project with no rounds (start round 0) or whose only round
 * is a published round 0 (start round 1). A restart in the middle picks up where the rounds table says it is.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { rounds, users } from "../../db/schema";
import { startRound } from "../rounds/start-round";
import { DEMO_LEAD_EMAIL } from "./seed-demo";

/** Scripted expert episodes for round 0: enough for a policy that balances a while, small enough to train in seconds. */
export const DEMO_WARMUP_DEMONSTRATIONS = 5;

export interface WarmUpOptions {
  /** How often the rounds table is read while round 0 runs. */
  pollMs?: number;
  /** Gives up (logging why) when round 0 has not published by then. */
  timeoutMs?: number;
  /** Stops waiting (e.g. at shutdown). */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export type WarmUpOutcome = "started-round-1" | "already-warm" | "round-0-failed" | "timed-out" | "aborted";

export async function warmUpDemo(db: Db, projectId: string, opts: WarmUpOptions = {}): Promise<WarmUpOutcome> {
  const { pollMs = 250, timeoutMs = 10 * 60_000, signal, log = () => {} } = opts;
  const [lead] = await db.select({ id: users.id, email: users.email, name: users.name, isAdmin: users.isAdmin }).from(users).where(sql`lower(${users.email}) = ${DEMO_LEAD_EMAIL}`);
  if (!lead) return "already-warm"; // the demo lead was removed: the demo is the admins' to run now
  const existing = await projectRounds(db, projectId);
  if (existing.length === 0) {
    await startRound(db, lead, projectId, { scriptedDemonstrations: DEMO_WARMUP_DEMONSTRATIONS });
    log(`[demo] round 0: behaviour cloning on ${DEMO_WARMUP_DEMONSTRATIONS} scripted demonstrations, in the background`);
  } else if (existing.length > 1 || existing[0]?.index !== 0) {
    return "already-warm";
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) return "aborted";
    const [round0] = await db.select({ status: rounds.status }).from(rounds).where(and(eq(rounds.projectId, projectId), eq(rounds.index, 0)));
    if (round0?.status === "published") break;
    if (round0?.status === "failed") {
      log("[demo] round 0 failed; a lead can retry it from the rounds page");
      return "round-0-failed";
    }
    if (Date.now() > deadline) {
      log("[demo] round 0 has not published yet; round 1 is left for a lead to start");
      return "timed-out";
    }
    await sleep(pollMs, signal);
  }
  // Another process may have started round 1 meanwhile: only start it when round 0 is still the last round.
  if ((await projectRounds(db, projectId)).length > 1) return "already-warm";
  await startRound(db, lead, projectId, {});
  log("[demo] round 1 started: its states will be ready to label in a few seconds");
  return "started-round-1";
}

function projectRounds(db: Db, projectId: string) {
  return db.select({ index: rounds.index }).from(rounds).where(eq(rounds.projectId, projectId)).orderBy(asc(rounds.index));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

/**
 * The writing end of a round step: one transaction with the round's row locked, run only if the round is still
 * in the state the step serves — a retried job, or one a lead's close or retry overtook, writes nothing. Events
 * emitted go out once it committed.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { rounds, type Round, type RoundStatus } from "../../../db/schema";
import type { Tx } from "../../../db/tx";
import { transactionWithEvents, type Emit } from "../../realtime/with-events";

export async function whileRoundIs(db: Db, roundId: string, status: RoundStatus, body: (tx: Tx, emit: Emit, round: Round) => Promise<void>): Promise<void> {
  await transactionWithEvents(db, async (tx, emit) => {
    const [round] = await tx.select().from(rounds).where(eq(rounds.id, roundId)).for("update");
    if (!round || round.status !== status) return;
    await body(tx, emit, round);
  });
}

/**
 * Progress of a long step (training epochs, fine-tuning iterations) at most every 250 ms, and always its last
 * report: `due(last)` says whether to send this one.
 */
export function progressThrottle(): (last: boolean) => boolean {
  let sent = 0;
  return (last) => {
    const now = Date.now();
    if (now - sent < 250 && !last) return false;
    sent = now;
    return true;
  };
}

import type { ProjectEvent } from "../../contracts/realtime";
import type { Db } from "../../db/client";
import type { Tx } from "../../db/tx";
import { publish } from "./bus";

export type Emit = (event: ProjectEvent) => void;

/** Runs `fn` in one transaction and publishes the events it emitted only once the transaction committed. */
export async function transactionWithEvents<T>(db: Db, fn: (tx: Tx, emit: Emit) => Promise<T>): Promise<T> {
  const events: ProjectEvent[] = [];
  const result = await db.transaction((tx) => fn(tx, (e) => events.push(e)));
  publish(events);
  return result;
}

/**
 * The transaction types every service threads through: `Tx` is the handle `db.transaction` passes to its
 * callback, `DbOrTx` is what a function takes when it works either inside a caller's transaction or alone.
 * They live next to the connection (not in the job queue, their first user) so that every server folder can
 * import them without importing another folder.
 */
import type { Db } from "./client";

export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;

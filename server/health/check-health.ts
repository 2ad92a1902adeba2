import type { THealth } from "../../contracts/health";
import type { Database } from "../../db/client";

/** Probes the database with `select 1`, bounded by `timeoutMs` so a hung server reports quickly. */
export async function checkHealth(database: Database, version: string, timeoutMs = 2_000): Promise<THealth> {
  try {
    await withTimeout(database.pool.query("select 1"), timeoutMs);
    return { status: "ok", db: database.engine, version };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { status: "unavailable", db: database.engine, version, reason: `database unreachable: ${reason}` };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

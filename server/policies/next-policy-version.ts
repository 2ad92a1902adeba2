import { desc, eq } from "drizzle-orm";
import { policies } from "../../db/schema";
import type { DbOrTx } from "../../db/tx";

/** The version a new policy of the project gets (one past the highest), read in the storing transaction. */
export async function nextPolicyVersion(tx: DbOrTx, projectId: string): Promise<number> {
  const [last] = await tx.select({ v: policies.version }).from(policies).where(eq(policies.projectId, projectId)).orderBy(desc(policies.version)).limit(1);
  return (last?.v ?? 0) + 1;
}

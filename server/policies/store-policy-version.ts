import { desc, eq, type SQL } from "drizzle-orm";
import type { ProjectEvent } from "../../contracts/realtime";
import { policies, type Round } from "../../db/schema";
import type { DbOrTx } from "../../db/tx";

type NewPolicy = typeof policies.$inferInsert;
/** A round's policy as its step has it: the rest of the row comes from the round; `publishedAt` may be `now()`. */
type RoundPolicy = Omit<NewPolicy, "projectId" | "roundId" | "version" | "publishedAt"> & { publishedAt?: NewPolicy["publishedAt"] | SQL };

/**
 * Stores a policy a round made as the project's next version (one past the highest, read in the storing
 * transaction, which also holds the round's row lock, so two rounds' steps cannot take the same number).
 */
export async function storeRoundPolicy(tx: DbOrTx, round: Pick<Round, "id" | "projectId">, values: RoundPolicy): Promise<{ id: string; version: number }> {
  const [last] = await tx.select({ v: policies.version }).from(policies).where(eq(policies.projectId, round.projectId)).orderBy(desc(policies.version)).limit(1);
  const version = (last?.v ?? 0) + 1;
  const [policy] = await tx
    .insert(policies)
    .values({ ...values, projectId: round.projectId, roundId: round.id, version })
    .returning({ id: policies.id });
  if (!policy) throw new Error("policy insert returned nothing");
  return { id: policy.id, version };
}

/** What every client is told when a round's policy becomes the one rollouts and `policies/latest` use. */
export function policyPublished(round: Pick<Round, "projectId" | "index">, policy: { id: string; version: number }, metrics: unknown): ProjectEvent {
  return { type: "policy:published", projectId: round.projectId, roundIndex: round.index, policyId: policy.id, version: policy.version, metrics };
}

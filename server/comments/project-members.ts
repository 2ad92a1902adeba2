import { eq } from "drizzle-orm";
import { memberships, users } from "../../db/schema";
import type { DbOrTx } from "../../db/tx";

/** Members of a project by id (for @mentions and author names). */
export async function projectMembers(db: DbOrTx, projectId: string): Promise<Map<string, { id: string; name: string; email: string }>> {
  const rows = await db
    .select({ id: users.id, name: users.name, email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.projectId, projectId));
  return new Map(rows.map((r) => [r.id, r]));
}

/** Members mentioned in `body` as `@Full Name` or `@email` (case-insensitive), longest names first. */
export function mentionsInBody(body: string, members: Iterable<{ id: string; name: string; email: string }>): string[] {
  const text = body.toLowerCase();
  const found: string[] = [];
  for (const m of members) {
    const names = [m.name, m.email].map((n) => `@${n.toLowerCase()}`);
    if (names.some((n) => matchesAt(text, n))) found.push(m.id);
  }
  return found;
}

function matchesAt(text: string, needle: string): boolean {
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
    const after = text[i + needle.length];
    if (after === undefined || !/[\p{L}\p{N}_]/u.test(after)) return true;
  }
  return false;
}

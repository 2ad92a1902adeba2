/**
 * First-run demo data for the embedded database: an admin, a lead, two labellers and one project.
 * Idempotent: running it again changes nothing.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { auditLog, memberships, projects, users } from "../../db/schema";
import { hashPassword } from "../auth/password";

export const DEMO_PASSWORD = "corrective";
export const DEMO_USERS = [
  { email: "admin@corrective.local", name: "Ada Admin", isAdmin: true, role: null },
  { email: "lead@corrective.local", name: "Lee Lead", isAdmin: false, role: "lead" },
  { email: "labeler1@corrective.local", name: "Lab One", isAdmin: false, role: "labeler" },
  { email: "labeler2@corrective.local", name: "Lab Two", isAdmin: false, role: "labeler" },
] as const;
export const DEMO_PROJECT_SLUG = "cartpole-demo";
export const DEMO_LEAD_EMAIL = "lead@corrective.local";
/**
 * Small rounds so the living demo (warm-up-demo.ts) has round 1 ready within seconds on two cores: 100 states of
 * 5 policy rollouts to label, 20 epochs of training, 5 evaluation episodes.
 */
const DEMO_SETTINGS = { statesPerRound: 100, rolloutEpisodes: 5, evalEpisodes: 5, epochs: 20 };

export interface SeedResult {
  created: boolean;
  projectId: string;
}

export async function seedDemo(db: Db): Promise<SeedResult> {
  const existing = await db.select({ id: projects.id }).from(projects).where(sql`${projects.slug} = ${DEMO_PROJECT_SLUG}`);
  if (existing[0]) return { created: false, projectId: existing[0].id };
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  return db.transaction(async (tx) => {
    const ids = new Map<string, string>();
    for (const u of DEMO_USERS) {
      const [found] = await tx.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = ${u.email}`);
      const [row] = found
        ? [found]
        : await tx.insert(users).values({ email: u.email, name: u.name, isAdmin: u.isAdmin, passwordHash }).returning({ id: users.id });
      if (row) ids.set(u.email, row.id);
    }
    const [project] = await tx
      .insert(projects)
      .values({
        slug: DEMO_PROJECT_SLUG,
        name: "CartPole demo",
        description: "Balance a pole on a cart. Label the push (left or right) the expert would give in states the policy visited.",
        envId: "CartPole-v1",
        config: { settings: DEMO_SETTINGS },
        createdBy: ids.get(DEMO_LEAD_EMAIL),
      })
      .returning({ id: projects.id });
    if (!project) throw new Error("demo project insert returned nothing");
    for (const u of DEMO_USERS) {
      const userId = ids.get(u.email);
      if (u.role && userId) await tx.insert(memberships).values({ projectId: project.id, userId, role: u.role });
    }
    await tx.insert(auditLog).values({ projectId: project.id, action: "project.created", targetType: "project", targetId: project.id, data: { demo: true } });
    return { created: true, projectId: project.id };
  });
}

import { randomBytes } from "node:crypto";
import type { Db } from "../../db/client";
import { memberships, projects } from "../../db/schema";
import { signUp } from "../../server/auth/sign-up";
import type { TUser } from "../../contracts/auth";
import type { TProjectRole } from "../../contracts/projects";

export const uniqueEmail = (prefix = "user") => `${prefix}-${randomBytes(5).toString("hex")}@example.test`;

export async function makeUser(db: Db, name = "Test User"): Promise<TUser> {
  return signUp(db, { name, email: uniqueEmail(name.toLowerCase().replace(/\W+/g, "")), password: "correct horse" });
}

export async function makeProject(db: Db, members: [TUser, TProjectRole][], name = "Test project"): Promise<string> {
  const [p] = await db
    .insert(projects)
    .values({ name, slug: `p-${randomBytes(5).toString("hex")}`, envId: "CartPole-v1" })
    .returning({ id: projects.id });
  if (!p) throw new Error("insert failed");
  for (const [user, role] of members) await db.insert(memberships).values({ projectId: p.id, userId: user.id, role });
  return p.id;
}

import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { auditLog, projects } from "../../db/schema";
import { authorizeProject } from "../../server/auth/authorize-project";
import type { TUser } from "../../contracts/auth";
import { DEMO_USERS, seedDemo } from "../../server/demo/seed-demo";
import { getProject } from "../../server/projects/get-project";
import { listProjects } from "../../server/projects/list-projects";
import { updateProject } from "../../server/projects/update-project";
import { describeEngines } from "../helpers/engines";
import { makeProject, makeUser } from "../helpers/fixtures";

describeEngines("project access by role", (h) => {
  let lead: TUser, labeler: TUser, viewer: TUser, outsider: TUser, admin: TUser;
  let projectId: string, otherProjectId: string;

  beforeAll(async () => {
    const db = h.database.db;
    [lead, labeler, viewer, outsider, admin] = await Promise.all(
      ["Lead", "Labeler", "Viewer", "Outsider", "Admin"].map((n) => makeUser(db, n)),
    ) as [TUser, TUser, TUser, TUser, TUser];
    admin = { ...admin, isAdmin: true };
    projectId = await makeProject(db, [[lead, "lead"], [labeler, "labeler"], [viewer, "viewer"]], "Alpha");
    otherProjectId = await makeProject(db, [[outsider, "lead"]], "Beta");
  });

  it("grants each role what it ranks for and refuses the rest with FORBIDDEN", async () => {
    const db = h.database.db;
    expect(await authorizeProject(db, lead, projectId, "lead")).toBe("lead");
    expect(await authorizeProject(db, labeler, projectId, "labeler")).toBe("labeler");
    expect(await authorizeProject(db, viewer, projectId, "viewer")).toBe("viewer");
    await expect(authorizeProject(db, labeler, projectId, "lead")).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(authorizeProject(db, viewer, projectId, "labeler")).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("answers NOT_FOUND, never FORBIDDEN, to non-members, unknown ids and malformed ids", async () => {
    const db = h.database.db;
    await expect(authorizeProject(db, outsider, projectId, "viewer")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(authorizeProject(db, outsider, randomUUID(), "viewer")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(authorizeProject(db, outsider, "not-a-uuid' or 1=1 --", "viewer")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(getProject(db, lead, otherProjectId)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("treats a site admin as lead everywhere", async () => {
    expect(await authorizeProject(h.database.db, admin, otherProjectId, "lead")).toBe("lead");
    const ids = (await listProjects(h.database.db, admin)).map((p) => p.id);
    expect(ids).toEqual(expect.arrayContaining([projectId, otherProjectId]));
  });

  it("lists only the caller's projects, with the caller's role and member counts", async () => {
    const mine = await listProjects(h.database.db, labeler);
    expect(mine.map((p) => [p.id, p.role, p.memberCount])).toEqual([[projectId, "labeler", 3]]);
    const detail = await getProject(h.database.db, viewer, projectId);
    expect(detail.members.map((m) => m.role)).toEqual(["lead", "labeler", "viewer"]);
  });

  it("lets only a lead update a project; bad input changes nothing; the change is audited", async () => {
    const db = h.database.db;
    await expect(updateProject(db, labeler, projectId, { name: "Hijacked" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(updateProject(db, lead, projectId, { name: "" })).rejects.toThrow();
    await expect(updateProject(db, lead, projectId, { name: "x", evil: true })).rejects.toThrow();
    expect((await db.select().from(projects).where(eq(projects.id, projectId)))[0]?.name).toBe("Alpha");

    const updated = await updateProject(db, lead, projectId, { name: "Alpha v2", description: "Renamed" });
    expect([updated.name, updated.description]).toEqual(["Alpha v2", "Renamed"]);
    const audit = await db.select().from(auditLog).where(eq(auditLog.projectId, projectId));
    expect(audit.filter((a) => a.action === "project.updated")).toHaveLength(1);
  });
});

describeEngines("demo seed", (h) => {
  it("creates the demo users and project once and is idempotent", async () => {
    const first = await seedDemo(h.database.db);
    const second = await seedDemo(h.database.db);
    expect(first.created).toBe(true);
    expect(second).toEqual({ created: false, projectId: first.projectId });
    const lead = DEMO_USERS.find((u) => u.role === "lead");
    expect(lead).toBeDefined();
    const project = await getProject(h.database.db, { id: "00000000-0000-0000-0000-000000000000", email: "admin@example.test", name: "Admin", isAdmin: true }, first.projectId);
    expect(project.members.map((m) => [m.email, m.role]).sort()).toEqual([
      ["labeler1@corrective.local", "labeler"],
      ["labeler2@corrective.local", "labeler"],
      ["lead@corrective.local", "lead"],
    ]);
  });
});

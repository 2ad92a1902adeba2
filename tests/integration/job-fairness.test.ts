import { eq, inArray } from "drizzle-orm";
import { expect, it } from "vitest";
import { jobs } from "../../db/schema";
import { claimJob, completeJob, enqueueJob } from "../../server/jobs/queue";
import { describeEngines } from "../helpers/engines";
import { makeProject, makeUser } from "../helpers/fixtures";

describeEngines("job queue fairness across projects", (h) => {
  it("a project with one job is served second, not after another project's backlog; then round-robin", async () => {
    const db = h.database.db;
    const lead = await makeUser(db, "Busy Lead");
    const busy = await makeProject(db, [[lead, "lead"]], "busy");
    const quiet = await makeProject(db, [[lead, "lead"]], "quiet");
    const other = await makeProject(db, [[lead, "lead"]], "other");
    // The busy project queues six jobs first; the quiet one a single job afterwards, the other two.
    const busyJobs: string[] = [];
    for (let i = 0; i < 6; i++) busyJobs.push(await enqueueJob(db, "evaluate", { projectId: busy, payload: { n: i } }));
    const quietJob = await enqueueJob(db, "evaluate", { projectId: quiet });
    const otherJobs = [await enqueueJob(db, "evaluate", { projectId: other }), await enqueueJob(db, "evaluate", { projectId: other })];
    const ours = [...busyJobs, quietJob, ...otherJobs];

    const order: string[] = [];
    for (let i = 0; i < ours.length; i++) {
      const { job } = await claimJob(db, "fair-worker", ["evaluate"], 30_000);
      if (!job) break;
      order.push(job.projectId === busy ? "busy" : job.projectId === quiet ? "quiet" : job.projectId === other ? "other" : "foreign");
      await completeJob(db, job.id, "fair-worker");
    }
    // FIFO would have been busy ×6, quiet, other ×2.
    expect(order).toEqual(["busy", "quiet", "other", "busy", "other", "busy", "busy", "busy", "busy"]);
    // Within a project, oldest first.
    const done = await db.select({ id: jobs.id, startedAt: jobs.startedAt }).from(jobs).where(inArray(jobs.id, busyJobs));
    const byStart = [...done].sort((a, b) => (a.startedAt?.getTime() ?? 0) - (b.startedAt?.getTime() ?? 0)).map((j) => j.id);
    expect(byStart).toEqual(busyJobs);
    await db.delete(jobs).where(inArray(jobs.id, ours));
  });

  it("a project with a job running waits while another project has work", async () => {
    const db = h.database.db;
    const lead = await makeUser(db, "Two Runners");
    const a = await makeProject(db, [[lead, "lead"]], "a");
    const b = await makeProject(db, [[lead, "lead"]], "b");
    const a1 = await enqueueJob(db, "finetune", { projectId: a });
    const a2 = await enqueueJob(db, "finetune", { projectId: a });
    const first = await claimJob(db, "worker-1", ["finetune"], 30_000);
    expect(first.job?.id).toBe(a1);
    const b1 = await enqueueJob(db, "finetune", { projectId: b });
    // A second worker: project a already has a job running, so b's later job goes first.
    const second = await claimJob(db, "worker-2", ["finetune"], 30_000);
    expect(second.job?.id).toBe(b1);
    const third = await claimJob(db, "worker-2", ["finetune"], 30_000);
    expect(third.job?.id).toBe(a2);
    await db.delete(jobs).where(inArray(jobs.id, [a1, a2, b1]));
    expect(await db.select().from(jobs).where(eq(jobs.id, a1))).toEqual([]);
  });
});

/**
 * The labelling-task guarantees of the round loop, at the service level on both engines:
 * leases (`FOR UPDATE SKIP LOCKED`, expiry, heartbeat, release), idempotent labels by client UUID,
 * "can't tell", and the errors a labeller can run into (422 naming `action`, 404 for outsiders, 409 with
 * a reason). Each test builds its own project with one round in `labeling` directly in the database.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import type { Db } from "../../db/client";
import { labels, memberships, projects, rollouts, rounds, states, tasks, users } from "../../db/schema";
import type { Caller } from "../../server/auth/authorize-project";
import { AppError } from "../../server/errors";
import { toAppError } from "../../server/errors";
import { claimNextTask } from "../../server/tasks/claim-next-task";
import { claimTasks } from "../../server/tasks/claim-tasks";
import { submitLabels } from "../../server/tasks/submit-labels";
import { releaseTask, renewTaskLease } from "../../server/tasks/release-task";
import { retractLabel } from "../../server/tasks/retract-label";
import { HELD_BY_OTHER, submitLabel } from "../../server/tasks/submit-label";
import { describeEngines } from "../helpers/engines";

type Role = "lead" | "labeler" | "viewer";

/** Users straight into the table: these tests never sign in, and 50 argon2 hashes would only cost time. */
async function makeCallers(db: Db, n: number, prefix: string): Promise<Caller[]> {
  const tag = randomBytes(4).toString("hex");
  const rows = Array.from({ length: n }, (_, i) => ({ email: `${prefix}-${i}-${tag}@example.test`, name: `${prefix} ${i}`, passwordHash: "unused" }));
  const created = await db.insert(users).values(rows).returning({ id: users.id, email: users.email, name: users.name });
  return created.map((u) => ({ ...u, isAdmin: false }));
}

interface Seeded {
  projectId: string;
  roundId: string;
  /** Task ids in claim order (created_at ascending). */
  taskIds: string[];
}

/**
 * A project (CartPole-v1 unless `envId`) whose round 1 is `labeling` with `nTasks` tasks of `required`
 * labels each, all on states of one policy rollout. Tasks get increasing created_at so claim order is known.
 */
async function seedLabelingRound(
  db: Db,
  members: [Caller, Role][],
  opts: { nTasks: number; required: number; envId?: string; settings?: Record<string, unknown> },
): Promise<Seeded> {
  const [project] = await db
    .insert(projects)
    .values({ name: "Tasks", slug: `t-${randomBytes(5).toString("hex")}`, envId: opts.envId ?? "CartPole-v1", config: { settings: opts.settings ?? {} } })
    .returning({ id: projects.id });
  if (!project) throw new Error("project insert failed");
  if (members.length) await db.insert(memberships).values(members.map(([c, role]) => ({ projectId: project.id, userId: c.id, role })));
  const [round] = await db.insert(rounds).values({ projectId: project.id, index: 1, status: "labeling" }).returning({ id: rounds.id });
  if (!round) throw new Error("round insert failed");
  const [rollout] = await db
    .insert(rollouts)
    .values({ projectId: project.id, roundId: round.id, source: "policy", length: opts.nTasks })
    .returning({ id: rollouts.id });
  if (!rollout) throw new Error("rollout insert failed");
  const dim = opts.envId === "CarTrack-v0" ? 13 : 4;
  const stateRows = await db
    .insert(states)
    .values(Array.from({ length: opts.nTasks }, (_, t) => ({ projectId: project.id, rolloutId: rollout.id, t, observation: Array.from({ length: dim }, () => t / 100), policyAction: 0 })))
    .returning({ id: states.id, t: states.t });
  stateRows.sort((a, b) => a.t - b.t);
  const base = Date.now() - 60_000;
  const taskRows = await db
    .insert(tasks)
    .values(stateRows.map((s, i) => ({ projectId: project.id, roundId: round.id, stateId: s.id, required: opts.required, createdAt: new Date(base + i) })))
    .returning({ id: tasks.id, createdAt: tasks.createdAt });
  taskRows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  return { projectId: project.id, roundId: round.id, taskIds: taskRows.map((t) => t.id) };
}

/** The AppError a promise rejects with (fails the test if it resolves or throws something else). */
async function appError(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected an AppError, but the call succeeded");
}

async function taskRows(db: Db, roundId: string) {
  return db.select().from(tasks).where(eq(tasks.roundId, roundId));
}

async function roundStatus(db: Db, roundId: string) {
  const [r] = await db.select({ status: rounds.status }).from(rounds).where(eq(rounds.id, roundId));
  return r?.status;
}

describeEngines("labelling tasks: leases, idempotent labels, errors", (h) => {
  it("50 labellers claiming at once never share a task, and every task ends with exactly `required` labels", async () => {
    const db = h.database.db;
    const labellers = await makeCallers(db, 50, "crowd");
    const N = 60;
    const REQUIRED = 3;
    const seeded = await seedLabelingRound(db, labellers.map((c) => [c, "labeler"]), { nTasks: N, required: REQUIRED });

    // The opening burst: 50 simultaneous claims on 60 free tasks → 50 different tasks.
    const first = await Promise.all(labellers.map((c) => claimNextTask(db, c, seeded.projectId)));
    const firstIds = first.map((n) => n?.task.id);
    expect(firstIds.every(Boolean)).toBe(true);
    expect(new Set(firstIds).size).toBe(50);
    const leased = (await taskRows(db, seeded.roundId)).filter((t) => t.leaseOwner !== null);
    expect(leased).toHaveLength(50);
    expect(new Set(leased.map((t) => t.leaseOwner)).size).toBe(50);

    // Then everybody labels until nothing is left. `holder` is what the clients believe: a claim that
    // returns a task somebody else still holds (between their claim and their label) is a double assignment.
    const holder = new Map<string, string>();
    const violations: string[] = [];
    const labelledBy = new Map<string, string[]>();
    const openForMe = async (c: Caller) => {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(tasks)
        .where(and(eq(tasks.roundId, seeded.roundId), sql`${tasks.labelCount} < ${tasks.required}`, sql`not exists (select 1 from ${labels} l where l.task_id = ${tasks.id} and l.user_id = ${c.id})`));
      return (row?.n ?? 0) > 0;
    };
    const work = async (c: Caller, firstClaim: (typeof first)[number], i: number) => {
      let next = firstClaim;
      const mine: string[] = [];
      for (;;) {
        if (!next) {
          // Nothing free for me right now: done if no open task is left that I have not labelled,
          // otherwise others hold the rest; yield and ask again.
          if ((await roundStatus(db, seeded.roundId)) !== "labeling" || !(await openForMe(c))) break;
          await new Promise((r) => setTimeout(r, 5));
          next = await claimNextTask(db, c, seeded.projectId);
          continue;
        }
        const taskId = next.task.id;
        const other = holder.get(taskId);
        if (other && other !== c.id) violations.push(`${taskId} leased to ${c.id} while ${other} held it`);
        if (mine.includes(taskId)) violations.push(`${c.id} got ${taskId} twice`);
        holder.set(taskId, c.id);
        // Think for a moment (a few event-loop turns) while holding the lease.
        for (let k = 0; k < (i % 4) + 1; k++) await new Promise((r) => setImmediate(r));
        holder.delete(taskId);
        const label = await submitLabel(db, c, taskId, { id: randomUUID(), action: i % 2, durationMs: 500 });
        expect(label.duplicate).toBe(false);
        mine.push(taskId);
        next = await claimNextTask(db, c, seeded.projectId);
      }
      labelledBy.set(c.id, mine);
    };
    await Promise.all(labellers.map((c, i) => work(c, first[i] ?? null, i)));

    expect(violations).toEqual([]);
    const done = await taskRows(db, seeded.roundId);
    expect(done).toHaveLength(N);
    for (const t of done) {
      expect(t.labelCount).toBe(REQUIRED);
      expect(t.leaseOwner).toBeNull();
    }
    const rows = await db.select({ taskId: labels.taskId, userId: labels.userId }).from(labels).where(inArray(labels.taskId, seeded.taskIds));
    expect(rows).toHaveLength(N * REQUIRED);
    for (const id of seeded.taskIds) expect(new Set(rows.filter((r) => r.taskId === id).map((r) => r.userId)).size).toBe(REQUIRED);
    const total = [...labelledBy.values()].reduce((a, l) => a + l.length, 0);
    expect(total).toBe(N * REQUIRED);
    // The last label moved the round on (auto-advance).
    expect(await roundStatus(db, seeded.roundId)).toBe("aggregating");
  }, 120_000);

  it("counts a label once however often its UUID is resubmitted, concurrently or after the round moved on", async () => {
    const db = h.database.db;
    const [a, b] = await makeCallers(db, 2, "resubmit");
    const seeded = await seedLabelingRound(db, [[a!, "labeler"], [b!, "labeler"]], { nTasks: 2, required: 1 });
    const next = await claimNextTask(db, a!, seeded.projectId);
    expect(next?.task.id).toBe(seeded.taskIds[0]);
    const body = { id: randomUUID(), action: 1, durationMs: 1200 };

    const answers = await Promise.all(Array.from({ length: 12 }, () => submitLabel(db, a!, seeded.taskIds[0]!, body)));
    expect(answers.filter((x) => !x.duplicate)).toHaveLength(1);
    for (const x of answers) expect(x).toMatchObject({ id: body.id, taskId: seeded.taskIds[0], action: 1, cantTell: false });
    expect(new Set(answers.map((x) => x.createdAt)).size).toBe(1);
    const [task] = await db.select().from(tasks).where(eq(tasks.id, seeded.taskIds[0]!));
    expect(task?.labelCount).toBe(1);
    expect(await db.select().from(labels).where(eq(labels.taskId, seeded.taskIds[0]!))).toHaveLength(1);

    // The same UUID from someone else, or for another task, is a different label: refused, nothing stored.
    expect(await appError(submitLabel(db, b!, seeded.taskIds[0]!, body))).toMatchObject({ code: "CONFLICT" });
    expect(await appError(submitLabel(db, a!, seeded.taskIds[1]!, body))).toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/label id is already used/) });

    // B labels the last task (the round advances); resubmitting either label still returns the stored one.
    const last = { id: randomUUID(), action: 0 };
    expect(await submitLabel(db, b!, seeded.taskIds[1]!, last)).toMatchObject({ duplicate: false });
    expect(await roundStatus(db, seeded.roundId)).toBe("aggregating");
    const late = await Promise.all([submitLabel(db, b!, seeded.taskIds[1]!, last), submitLabel(db, a!, seeded.taskIds[0]!, body), submitLabel(db, b!, seeded.taskIds[1]!, last)]);
    expect(late.map((x) => [x.id, x.duplicate])).toEqual([[last.id, true], [body.id, true], [last.id, true]]);
    const counts = await taskRows(db, seeded.roundId);
    expect(counts.map((t) => t.labelCount)).toEqual([1, 1]);
  });

  it("never offers a labeller a state they already labelled", async () => {
    const db = h.database.db;
    const [a, b] = await makeCallers(db, 2, "once");
    const seeded = await seedLabelingRound(db, [[a!, "labeler"], [b!, "labeler"]], { nTasks: 3, required: 2 });
    const seen: string[] = [];
    for (;;) {
      const next = await claimNextTask(db, a!, seeded.projectId);
      if (!next) break;
      expect(seen).not.toContain(next.task.id);
      seen.push(next.task.id);
      await submitLabel(db, a!, next.task.id, { id: randomUUID(), action: 0 });
    }
    // A has labelled every state once; all three still need a second label, but not from A.
    expect(seen.sort()).toEqual([...seeded.taskIds].sort());
    expect((await taskRows(db, seeded.roundId)).every((t) => t.labelCount === 1)).toBe(true);
    expect(await claimNextTask(db, a!, seeded.projectId)).toBeNull();
    // Labelling a state twice directly is refused with the reason.
    expect(await appError(submitLabel(db, a!, seeded.taskIds[0]!, { id: randomUUID(), action: 1 }))).toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/already labelled this state/),
    });
    // B gets them.
    const forB = await claimNextTask(db, b!, seeded.projectId);
    expect(seeded.taskIds).toContain(forB?.task.id);
  });

  it("returns a task to the pool when its lease expires, renews and releases leases, and takes late labels while needed", async () => {
    const db = h.database.db;
    const [a, b, c] = await makeCallers(db, 3, "lease");
    const seeded = await seedLabelingRound(db, [[a!, "labeler"], [b!, "labeler"], [c!, "labeler"]], { nTasks: 2, required: 1 });
    const [t1, t2] = seeded.taskIds as [string, string];

    const claimA = await claimNextTask(db, a!, seeded.projectId);
    expect(claimA?.task.id).toBe(t1);
    expect(new Date(claimA!.task.leaseExpiresAt).getTime()).toBeGreaterThan(Date.now() + 60_000);
    // A claiming again gets the task it already holds, not a second one.
    expect((await claimNextTask(db, a!, seeded.projectId))?.task.id).toBe(t1);
    // While A holds t1, B is offered only t2 (and nothing when t2 is excluded, as a prefetching client does).
    expect(await claimNextTask(db, b!, seeded.projectId, { exclude: [t2] })).toBeNull();

    // A's heartbeat renews the lease; releasing hands it back, and it can be claimed again.
    const renewed = await renewTaskLease(db, a!, t1);
    expect(new Date(renewed.leaseExpiresAt).getTime()).toBeGreaterThanOrEqual(new Date(claimA!.task.leaseExpiresAt).getTime());
    expect(await releaseTask(db, a!, t1)).toEqual({ released: true });
    expect(await releaseTask(db, a!, t1)).toEqual({ released: false });
    expect((await claimNextTask(db, a!, seeded.projectId))?.task.id).toBe(t1);

    // The lease runs out (no heartbeat): t1 goes back to the pool and B gets it.
    await db.update(tasks).set({ leaseExpiresAt: sql`now() - interval '1 second'` }).where(eq(tasks.id, t1));
    expect((await claimNextTask(db, b!, seeded.projectId, { exclude: [t2] }))?.task.id).toBe(t1);
    expect(await appError(renewTaskLease(db, a!, t1))).toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/no longer hold/) });
    expect(await releaseTask(db, a!, t1)).toEqual({ released: false });
    const [held] = await db.select().from(tasks).where(eq(tasks.id, t1));
    expect(held?.leaseOwner).toBe(b!.id);

    // A's label arrives after its lease expired and B took t1 over: leases are enforced, so it is refused and
    // nothing is stored; B (the holder) labels it.
    const lateA = await appError(submitLabel(db, a!, t1, { id: randomUUID(), action: 1 }));
    expect(lateA).toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/held by another labeller/) });
    const [afterA] = await db.select().from(tasks).where(eq(tasks.id, t1));
    expect(afterA).toMatchObject({ labelCount: 0, leaseOwner: b!.id });
    expect(await submitLabel(db, b!, t1, { id: randomUUID(), action: 0 })).toMatchObject({ duplicate: false });
    // A's late label for the now complete task is refused with that reason; nothing more is stored.
    const refused = await appError(submitLabel(db, a!, t1, { id: randomUUID(), action: 1 }));
    expect(refused).toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/already has all its labels/) });
    expect(await db.select().from(labels).where(eq(labels.taskId, t1))).toHaveLength(1);
    // A heartbeat on a complete task fails, and B is not offered t1 again.
    expect(await appError(renewTaskLease(db, b!, t1))).toMatchObject({ code: "CONFLICT" });
    expect((await claimNextTask(db, b!, seeded.projectId))?.task.id).toBe(t2);

    // An expired lease nobody took over: the label is still accepted, and it completes the round.
    await db.update(tasks).set({ leaseExpiresAt: sql`now() - interval '1 second'` }).where(eq(tasks.id, t2));
    expect(await submitLabel(db, b!, t2, { id: randomUUID(), action: 0 })).toMatchObject({ duplicate: false });
    expect(await roundStatus(db, seeded.roundId)).toBe("aggregating");
    // Once the round moved on, a label is refused with the reason, and nothing is offered.
    const closed = await appError(submitLabel(db, c!, t2, { id: randomUUID(), action: 0 }));
    expect(closed).toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/Round 1 is aggregating; it no longer takes labels/) });
    expect(await claimNextTask(db, c!, seeded.projectId)).toBeNull();
  });

  it("enforces leases: a labeller who never claimed a task held by another gets 409; the holder's label and a free task's go through", async () => {
    const db = h.database.db;
    const [holder, other] = await makeCallers(db, 2, "held");
    const seeded = await seedLabelingRound(db, [[holder!, "labeler"], [other!, "labeler"]], { nTasks: 2, required: 2 });
    const [t1, t2] = seeded.taskIds as [string, string];
    expect((await claimNextTask(db, holder!, seeded.projectId))?.task.id).toBe(t1);

    // `other` never claimed t1 and the holder's lease is live: refused, with the reason, and nothing stored.
    const body = { id: randomUUID(), action: 1 };
    const refused = await appError(submitLabel(db, other!, t1, body));
    expect(refused).toMatchObject({ code: "CONFLICT", message: HELD_BY_OTHER });
    expect(toAppError(refused).message).toMatch(/held by another labeller/);
    expect(await db.select().from(labels).where(eq(labels.taskId, t1))).toHaveLength(0);
    // The holder's label is stored (201 at the edge) and ends the holder's lease; the refused id is still free.
    expect(await submitLabel(db, holder!, t1, { id: randomUUID(), action: 0 })).toMatchObject({ duplicate: false });
    const [afterHolder] = await db.select().from(tasks).where(eq(tasks.id, t1));
    expect(afterHolder).toMatchObject({ labelCount: 1, leaseOwner: null });
    // Nobody holds t1 now: it takes `other`'s label (the second of two), even unclaimed — the rule for free tasks.
    expect(await submitLabel(db, other!, t1, body)).toMatchObject({ id: body.id, duplicate: false });
    // A task no one ever claimed takes a label too.
    expect(await submitLabel(db, other!, t2, { id: randomUUID(), action: 0 })).toMatchObject({ duplicate: false });
    // Resubmitting a stored label stays idempotent even once someone else holds the task.
    await db.update(tasks).set({ leaseOwner: holder!.id, leaseExpiresAt: sql`now() + interval '1 minute'` }).where(eq(tasks.id, t2));
    const [stored] = await db.select().from(labels).where(and(eq(labels.taskId, t1), eq(labels.userId, other!.id)));
    expect(await submitLabel(db, other!, t1, body)).toMatchObject({ id: stored!.id, duplicate: true });
  });

  it("answers a task in a foreign project exactly like a task that does not exist", async () => {
    const db = h.database.db;
    const [member, outsider] = await makeCallers(db, 2, "foreign");
    const seeded = await seedLabelingRound(db, [[member!, "labeler"]], { nTasks: 1, required: 1 });
    const foreign = seeded.taskIds[0]!;
    const missing = randomUUID();
    const answer = async (p: Promise<unknown>) => {
      const e = await appError(p);
      return { code: e.code, message: e.message };
    };
    const calls = [
      (id: string) => submitLabel(db, outsider!, id, { id: randomUUID(), action: 0 }),
      (id: string) => releaseTask(db, outsider!, id),
      (id: string) => renewTaskLease(db, outsider!, id),
      (id: string) => retractLabel(db, outsider!, id, randomUUID()),
    ];
    for (const call of calls) {
      const a = await answer(call(foreign));
      expect(a).toEqual({ code: "NOT_FOUND", message: "Task not found" });
      expect(await answer(call(missing))).toEqual(a);
    }
  });

  it("stores \"can't tell\" as a label without an action that counts towards the task", async () => {
    const db = h.database.db;
    const [a, b] = await makeCallers(db, 2, "canttell");
    const seeded = await seedLabelingRound(db, [[a!, "labeler"], [b!, "labeler"]], { nTasks: 1, required: 2 });
    const t = seeded.taskIds[0]!;
    const unsure = await submitLabel(db, a!, t, { id: randomUUID(), cantTell: true });
    expect(unsure).toMatchObject({ action: null, cantTell: true, duplicate: false });
    // An action sent along with cantTell is not kept.
    const unsureB = await submitLabel(db, b!, t, { id: randomUUID(), cantTell: true, action: 1 });
    expect(unsureB).toMatchObject({ action: null, cantTell: true });
    const stored = await db.select().from(labels).where(eq(labels.taskId, t));
    expect(stored.map((l) => [l.cantTell, l.action])).toEqual([[true, null], [true, null]]);
    const [task] = await taskRows(db, seeded.roundId);
    expect(task?.labelCount).toBe(2);
  });

  it("refuses a wrong action shape or an out-of-range action with UNPROCESSABLE naming `action`", async () => {
    const db = h.database.db;
    const [a] = await makeCallers(db, 1, "shape");
    const discrete = await seedLabelingRound(db, [[a!, "labeler"]], { nTasks: 1, required: 1 });
    const continuous = await seedLabelingRound(db, [[a!, "labeler"]], { nTasks: 1, required: 1, envId: "CarTrack-v0" });
    const cases: [Seeded, unknown, RegExp][] = [
      [discrete, 2, /out of range \[0, 2\)/], // CartPole: discrete(2)
      [discrete, -1, /out of range/],
      [discrete, 0.5, /integer/],
      [discrete, [1], /integer/],
      [continuous, 0.3, /array of 1 numbers/], // CarTrack: box(1) in [−1, 1]
      [continuous, [0.1, 0.2], /must have 1 elements, got 2/],
      [continuous, [1.5], /outside \[-1, 1\]/],
    ];
    for (const [seeded, action, message] of cases) {
      const err = await appError(submitLabel(db, a!, seeded.taskIds[0]!, { id: randomUUID(), action }));
      expect({ action, code: err.code, fields: Object.keys(err.details?.fieldErrors ?? {}) }).toEqual({ action, code: "UNPROCESSABLE", fields: ["action"] });
      expect(err.details?.fieldErrors?.action?.join(" ")).toMatch(message);
    }
    // A missing action without cantTell, or an empty one, is malformed input (VALIDATION, 400), also naming `action`.
    for (const body of [{ id: randomUUID() }, { id: randomUUID(), action: [] }]) {
      const err = toAppError(await submitLabel(db, a!, discrete.taskIds[0]!, body).catch((e: unknown) => e));
      expect(err.code).toBe("VALIDATION");
      expect(Object.keys(err.details?.fieldErrors ?? {})).toEqual(["action"]);
    }
    // Nothing was stored; valid labels still go through.
    expect((await taskRows(db, discrete.roundId))[0]?.labelCount).toBe(0);
    expect(await submitLabel(db, a!, discrete.taskIds[0]!, { id: randomUUID(), action: 1 })).toMatchObject({ action: 1 });
    expect(await submitLabel(db, a!, continuous.taskIds[0]!, { id: randomUUID(), action: [-0.25] })).toMatchObject({ action: [-0.25] });
  });

  it("answers NOT_FOUND to labellers outside the project and for unknown ids, FORBIDDEN to viewers", async () => {
    const db = h.database.db;
    const [member, outsider, viewer] = await makeCallers(db, 3, "outside");
    const seeded = await seedLabelingRound(db, [[member!, "labeler"], [viewer!, "viewer"]], { nTasks: 2, required: 1 });
    const t = seeded.taskIds[0]!;
    const label = () => ({ id: randomUUID(), action: 0 });
    for (const call of [
      () => claimNextTask(db, outsider!, seeded.projectId),
      () => submitLabel(db, outsider!, t, label()),
      () => releaseTask(db, outsider!, t),
      () => renewTaskLease(db, outsider!, t),
      () => claimNextTask(db, member!, randomUUID()),
      () => claimNextTask(db, member!, "not-a-uuid"),
      () => submitLabel(db, member!, randomUUID(), label()),
      () => releaseTask(db, member!, randomUUID()),
      () => renewTaskLease(db, member!, randomUUID()),
    ]) {
      expect(await appError(call())).toMatchObject({ code: "NOT_FOUND" });
    }
    expect(await appError(claimNextTask(db, viewer!, seeded.projectId))).toMatchObject({ code: "FORBIDDEN" });
    expect(await appError(submitLabel(db, viewer!, t, label()))).toMatchObject({ code: "FORBIDDEN" });
    // Nothing was leased or stored by any of that.
    const rows = await taskRows(db, seeded.roundId);
    expect(rows.every((r) => r.leaseOwner === null && r.labelCount === 0)).toBe(true);
  });

  /* ---------------------------------------------------------------------------------------------------------
   * The batched routes: `claimTasks` (POST …/tasks/claim) and `submitLabels` (POST /api/v1/labels).
   * ------------------------------------------------------------------------------------------------------- */

  it("30 labellers claiming batches at once never share a task; batched labels (each sent twice) fill every task exactly `required` times", async () => {
    const db = h.database.db;
    const labellers = await makeCallers(db, 30, "batch");
    const N = 90;
    const REQUIRED = 2;
    const seeded = await seedLabelingRound(db, labellers.map((c) => [c, "labeler"]), { nTasks: N, required: REQUIRED });

    // The opening burst: 30 simultaneous claims of 3 on 90 free tasks → every task leased once.
    const first = await Promise.all(labellers.map((c) => claimTasks(db, c, seeded.projectId, { count: 3 })));
    const firstIds = first.flatMap((b) => b.tasks.map((t) => t.task.id));
    expect(firstIds).toHaveLength(N);
    expect(new Set(firstIds).size).toBe(N);
    // Each task carries its own replay context, exactly as tasks/next gives it: the 60 steps before its state and the state.
    for (const b of first) {
      for (const t of b.tasks) {
        const from = Math.max(0, t.state.t - 60);
        expect(t.context.before.map((x) => x.t)).toEqual(Array.from({ length: t.state.t - from + 1 }, (_, k) => from + k));
        expect(t.context.before.map((x) => x.observation[0])).toEqual(t.context.before.map((x) => x.t / 100));
        expect(t).toMatchObject({ state: { observation: [t.state.t / 100, t.state.t / 100, t.state.t / 100, t.state.t / 100], envState: null, frameUrl: null }, policyAction: 0, context: { rolloutLength: N } });
      }
    }

    const holder = new Map<string, string>();
    const violations: string[] = [];
    let stored = 0;
    const work = async (c: Caller, batch: Awaited<ReturnType<typeof claimTasks>>, i: number) => {
      for (let idle = 0; idle < 400; ) {
        if (batch.tasks.length === 0) {
          if (batch.waiting === 0 || (await roundStatus(db, seeded.roundId)) !== "labeling") break;
          idle++;
          await new Promise((r) => setTimeout(r, 5));
          batch = await claimTasks(db, c, seeded.projectId, { count: 1 + (i % 5) });
          continue;
        }
        for (const t of batch.tasks) {
          const other = holder.get(t.task.id);
          if (other && other !== c.id) violations.push(`${t.task.id} leased to ${c.id} while ${other} held it`);
          holder.set(t.task.id, c.id);
        }
        await new Promise((r) => setImmediate(r));
        for (const t of batch.tasks) holder.delete(t.task.id);
        const body = { labels: batch.tasks.map((t) => ({ taskId: t.task.id, id: randomUUID(), action: i % 2, durationMs: 300 })) };
        // A retry of the same batch (a lost answer) changes nothing: every label answers 200 duplicate.
        const [once, again] = [await submitLabels(db, c, body), await submitLabels(db, c, body)];
        expect(once.map((r) => r.status)).toEqual(body.labels.map(() => 201));
        expect(again.map((r) => [r.status, r.duplicate])).toEqual(body.labels.map(() => [200, true]));
        stored += once.length;
        batch = await claimTasks(db, c, seeded.projectId, { count: 1 + (i % 5) });
      }
    };
    await Promise.all(labellers.map((c, i) => work(c, first[i]!, i)));

    expect(violations).toEqual([]);
    expect(stored).toBe(N * REQUIRED);
    const done = await taskRows(db, seeded.roundId);
    for (const t of done) {
      expect(t.labelCount).toBe(REQUIRED);
      expect(t.leaseOwner).toBeNull();
    }
    const rows = await db.select({ taskId: labels.taskId, userId: labels.userId }).from(labels).where(inArray(labels.taskId, seeded.taskIds));
    expect(rows).toHaveLength(N * REQUIRED);
    for (const id of seeded.taskIds) expect(new Set(rows.filter((r) => r.taskId === id).map((r) => r.userId)).size).toBe(REQUIRED);
    expect(await roundStatus(db, seeded.roundId)).toBe("aggregating");
  }, 120_000);

  it("a batched claim skips `exclude`, gives the caller's own leases back first, and answers an empty list (with `waiting`) when nothing is free", async () => {
    const db = h.database.db;
    const [a, b] = await makeCallers(db, 2, "claimbatch");
    const seeded = await seedLabelingRound(db, [[a!, "labeler"], [b!, "labeler"]], { nTasks: 8, required: 1 });
    const ids = (r: { tasks: { task: { id: string } }[] }) => r.tasks.map((t) => t.task.id);

    const one = await claimTasks(db, a!, seeded.projectId, { count: 3 });
    expect(ids(one)).toEqual(seeded.taskIds.slice(0, 3));
    expect(one.tasks[0]).toMatchObject({ task: { required: 1, labelCount: 0 }, context: { rolloutId: expect.any(String), roundIndex: 1 }, policyAction: 0 });
    const two = await claimTasks(db, a!, seeded.projectId, { count: 2, exclude: ids(one) });
    expect(ids(two)).toEqual(seeded.taskIds.slice(3, 5));
    // Without `exclude`, a reload gets its own leases back before any new task.
    const all = await claimTasks(db, a!, seeded.projectId, { count: 100 });
    expect(ids(all)).toEqual(seeded.taskIds);
    // B finds everything held by A: an empty list, and how many are waiting.
    expect(await claimTasks(db, b!, seeded.projectId, { count: 5 })).toEqual({ tasks: [], waiting: 8 });

    const results = await submitLabels(db, a!, { labels: seeded.taskIds.map((taskId) => ({ taskId, id: randomUUID(), action: 1 })) });
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(await claimTasks(db, b!, seeded.projectId, { count: 5 })).toEqual({ tasks: [], waiting: 0 });
    expect(await claimTasks(db, a!, seeded.projectId, { count: 5 })).toEqual({ tasks: [], waiting: 0 });
    // A malformed request is refused as a whole.
    for (const bad of [{ count: 0 }, { count: 101 }, { count: 2, exclude: ["x"] }, {}, { count: 1, extra: 1 }]) {
      expect(toAppError(await appError(claimTasks(db, a!, seeded.projectId, bad).catch((e: unknown) => Promise.reject(toAppError(e))))).code).toBe("VALIDATION");
    }
  });

  it("batched labels are answered one by one: stored, duplicate, held by another (409), invalid (422), not found (404), forbidden (403)", async () => {
    const db = h.database.db;
    const [a, b, viewer, outsider] = await makeCallers(db, 4, "perlabel");
    const seeded = await seedLabelingRound(db, [[a!, "labeler"], [b!, "labeler"], [viewer!, "viewer"]], { nTasks: 6, required: 1 });
    const [t0, t1, t2, t3, t4, t5] = seeded.taskIds as [string, string, string, string, string, string];
    await claimTasks(db, a!, seeded.projectId, { count: 4 });
    expect((await claimTasks(db, b!, seeded.projectId, { count: 1 })).tasks[0]?.task.id).toBe(t4);

    const body = {
      labels: [
        { taskId: t0, id: randomUUID(), action: 1, durationMs: 700 },
        { taskId: t1, id: randomUUID(), action: 0 },
        { taskId: t2, id: randomUUID(), action: 7 }, // outside Discrete(2)
        { taskId: t4, id: randomUUID(), action: 1 }, // B holds it
        { taskId: t3, id: randomUUID(), cantTell: true },
        { taskId: randomUUID(), id: randomUUID(), action: 0 }, // no such task
        { taskId: t5, id: randomUUID() }, // neither action nor cantTell
      ],
    };
    const expected = [201, 201, 422, 409, 201, 404, 422];
    const first = await submitLabels(db, a!, body);
    expect(first.map((r) => r.status)).toEqual(expected);
    expect(first.map((r) => [r.id, r.taskId])).toEqual(body.labels.map((l) => [l.id, l.taskId]));
    expect(first[0]).toMatchObject({ action: 1, cantTell: false, duplicate: false, createdAt: expect.any(String) });
    expect(first[4]).toMatchObject({ action: null, cantTell: true });
    expect(first[2]?.error).toMatchObject({ code: "UNPROCESSABLE", message: expect.stringMatching(/action/) });
    expect(first[3]?.error).toMatchObject({ code: "CONFLICT", message: HELD_BY_OTHER });
    expect(first[5]?.error).toMatchObject({ code: "NOT_FOUND" });
    expect(first[6]?.error).toMatchObject({ code: "UNPROCESSABLE", message: expect.stringMatching(/action/) });

    // The retry answers the stored ones as duplicates and refuses the rest the same way.
    const again = await submitLabels(db, a!, body);
    expect(again.map((r) => r.status)).toEqual([200, 200, 422, 409, 200, 404, 422]);
    expect(again.map((r) => r.createdAt)).toEqual(first.map((r) => r.createdAt));

    const rows = new Map((await taskRows(db, seeded.roundId)).map((t) => [t.id, t]));
    expect([t0, t1, t2, t3, t4, t5].map((t) => rows.get(t)?.labelCount)).toEqual([1, 1, 0, 1, 0, 0]);
    expect(rows.get(t4)?.leaseOwner).toBe(b!.id);
    expect(rows.get(t0)?.leaseOwner).toBeNull();
    expect(rows.get(t2)?.leaseOwner).toBe(a!.id);

    // In one batch: a repeated label id is a duplicate, a second label for the same task a conflict.
    const dup = { taskId: t2, id: randomUUID(), action: 0 };
    expect((await submitLabels(db, a!, { labels: [dup, dup, { taskId: t2, id: randomUUID(), action: 1 }] })).map((r) => r.status)).toEqual([201, 200, 409]);
    // A caller who may label none of the tasks is refused as a whole, like the single-label route: outsiders learn
    // nothing (404), viewers are forbidden (403); nothing stored for either.
    expect(await appError(submitLabels(db, outsider!, { labels: [{ taskId: t5, id: randomUUID(), action: 0 }] }))).toMatchObject({ code: "NOT_FOUND", message: "Task not found" });
    expect(await appError(submitLabels(db, viewer!, { labels: [{ taskId: t5, id: randomUUID(), action: 0 }, { taskId: t4, id: randomUUID() }] }))).toMatchObject({ code: "FORBIDDEN" });
    expect(await appError(submitLabels(db, a!, { labels: [{ taskId: randomUUID(), id: randomUUID(), action: 0 }] }))).toMatchObject({ code: "NOT_FOUND" });
    expect((await claimTasks(db, viewer!, seeded.projectId, { count: 1 }).catch((e: unknown) => e)) as AppError).toMatchObject({ code: "FORBIDDEN" });
    expect((await claimTasks(db, outsider!, seeded.projectId, { count: 1 }).catch((e: unknown) => e)) as AppError).toMatchObject({ code: "NOT_FOUND" });
    expect((await taskRows(db, seeded.roundId)).find((t) => t.id === t5)?.labelCount).toBe(0);
    // The whole request is refused only when malformed.
    for (const bad of [{ labels: [] }, { labels: [{ id: "x", taskId: t5, action: 0 }] }, { labels: Array.from({ length: 101 }, () => ({ taskId: t5, id: randomUUID(), action: 0 })) }, {}]) {
      expect(toAppError(await submitLabels(db, a!, bad).catch((e: unknown) => e)).code).toBe("VALIDATION");
    }
  });

  it("counts each label of a batch once when the same batch races itself", async () => {
    const db = h.database.db;
    const [a] = await makeCallers(db, 1, "batchrace");
    const seeded = await seedLabelingRound(db, [[a!, "labeler"]], { nTasks: 12, required: 1 });
    await claimTasks(db, a!, seeded.projectId, { count: 10 });
    const body = { labels: seeded.taskIds.slice(0, 10).map((taskId, i) => ({ taskId, id: randomUUID(), action: i % 2 })) };
    const answers = await Promise.all(Array.from({ length: 8 }, () => submitLabels(db, a!, body)));
    for (let k = 0; k < 10; k++) {
      const statuses = answers.map((r) => r[k]!.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(7);
    }
    const rows = await taskRows(db, seeded.roundId);
    expect(rows.reduce((n, t) => n + t.labelCount, 0)).toBe(10);
    expect(await db.select().from(labels).where(inArray(labels.taskId, seeded.taskIds))).toHaveLength(10);
  });
});

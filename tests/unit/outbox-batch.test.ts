/**
 * How the label outbox groups its sends (app/_components/labeling/outbox-batch.ts): alone while few labels
 * wait, in batches when more wait than requests may start; every body it builds is one the routes accept
 * (the contract's own schemas); each label's result in a batch answer decides that label alone.
 */
import { describe, expect, it } from "vitest";
import { MAX_BATCH, ZSubmitLabel, ZSubmitLabels } from "../../contracts/rounds";
import { labelBody, OUTBOX_BATCH, OUTBOX_BATCH_FROM, outcomeOf, planSends, type SendableLabel } from "../../app/_components/labeling/outbox-batch";

const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
const label = (i: number, extra: Partial<SendableLabel> = {}): SendableLabel => ({ id: uuid(i), taskId: uuid(10_000 + i), action: i % 2, cantTell: false, ...extra });
const ids = (groups: { id: string }[][]) => groups.map((g) => g.map((l) => l.id));

describe("planSends", () => {
  it("sends a label alone when no more wait than there are free requests (a person's pace)", () => {
    const items = [label(1), label(2)];
    expect(ids(planSends(items, new Set(), 4))).toEqual([[uuid(1)], [uuid(2)]]);
  });
  it("sends a small backlog one by one, as many at once as requests are free (a short offline spell)", () => {
    const items = Array.from({ length: OUTBOX_BATCH_FROM }, (_, i) => label(i));
    expect(ids(planSends(items, new Set(), 4))).toEqual([[uuid(0)], [uuid(1)], [uuid(2)], [uuid(3)]]);
  });
  it("skips what is already on its way and starts nothing without a free request", () => {
    const items = [label(1), label(2), label(3)];
    expect(ids(planSends(items, new Set([uuid(1)]), 4))).toEqual([[uuid(2)], [uuid(3)]]);
    expect(planSends(items, new Set(), 0)).toEqual([]);
  });
  it("batches when more wait than there are free requests, in order, every label once, none over the cap", () => {
    const items = Array.from({ length: 250 }, (_, i) => label(i));
    const groups = planSends(items, new Set([uuid(0)]), 3);
    expect(groups.length).toBeLessThanOrEqual(3);
    expect(groups.every((g) => g.length >= 1 && g.length <= OUTBOX_BATCH)).toBe(true);
    const flat = groups.flat().map((l) => l.id);
    expect(new Set(flat).size).toBe(flat.length);
    expect(flat).toEqual(items.slice(1, 1 + flat.length).map((l) => l.id));
    expect(flat.length).toBe(3 * OUTBOX_BATCH);
  });
  it("spreads a backlog evenly over the free requests", () => {
    const groups = planSends(Array.from({ length: 7 }, (_, i) => label(i)), new Set(), 2, OUTBOX_BATCH, 5);
    expect(groups.map((g) => g.length)).toEqual([4, 3]);
    const more = planSends(Array.from({ length: OUTBOX_BATCH_FROM + 1 }, (_, i) => label(i)), new Set(), 4);
    expect(more.flat()).toHaveLength(OUTBOX_BATCH_FROM + 1);
    expect(more.every((g) => g.length > 1)).toBe(true);
  });
});

describe("labelBody", () => {
  it("builds bodies both routes accept: alone (without taskId) and in a batch", () => {
    const ls = [label(1, { durationMs: 1234.6 }), label(2, { cantTell: true, action: null }), label(3, { action: [0.25, -1] })];
    for (const l of ls) expect(ZSubmitLabel.safeParse(labelBody(l)).success).toBe(true);
    const parsed = ZSubmitLabels.parse({ labels: ls.map((l) => ({ taskId: l.taskId, ...labelBody(l) })) });
    expect(parsed.labels.map((l) => l.id)).toEqual(ls.map((l) => l.id));
    expect(parsed.labels[0]!.durationMs).toBe(1235);
    expect(parsed.labels[1]!.cantTell).toBe(true);
    expect(parsed.labels[1]!.action).toBeUndefined();
  });
  it("clamps the time spent into the range the routes take", () => {
    expect(labelBody(label(1, { durationMs: -5 })).durationMs).toBe(0);
    expect(labelBody(label(1, { durationMs: 1e12 })).durationMs).toBe(86_400_000);
  });
  it("a full outbox batch fits the route", () => {
    expect(OUTBOX_BATCH).toBeLessThanOrEqual(MAX_BATCH);
    const batch = Array.from({ length: OUTBOX_BATCH }, (_, i) => label(i));
    expect(ZSubmitLabels.safeParse({ labels: batch.map((l) => ({ taskId: l.taskId, ...labelBody(l) })) }).success).toBe(true);
  });
});

describe("outcomeOf", () => {
  it("stored and stored-before are acknowledged; refusals are the label's own; a missing answer is retried", () => {
    expect(outcomeOf({ id: uuid(1), taskId: uuid(2), status: 201 })).toEqual({ kind: "acked", duplicate: false });
    expect(outcomeOf({ id: uuid(1), taskId: uuid(2), status: 200, duplicate: true })).toEqual({ kind: "acked", duplicate: true });
    for (const status of [403, 404, 409, 422] as const) {
      expect(outcomeOf({ id: uuid(1), taskId: uuid(2), status, error: { code: "X", message: `no ${status}` } })).toEqual({ kind: "rejected", status, message: `no ${status}` });
    }
    expect(outcomeOf(undefined)).toEqual({ kind: "retry" });
  });
});

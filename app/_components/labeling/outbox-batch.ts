/**
 * How the label outbox groups what it sends. While only a few labels wait (a person's pace, ride-along, a short
 * offline spell) each goes by itself to its task's route, a few requests at once — the lowest latency, and
 * those few requests drain such a backlog within a round trip or two. When more than `OUTBOX_BATCH_FROM` wait
 * (a flat-out labeller outrunning the requests, a long offline spell coming back) they go in batches to
 * `POST /api/v1/labels`, which answers each label on its own: one request carries up to `OUTBOX_BATCH` labels,
 * so sending never falls behind the labeller and the server sees a few requests instead of one per label.
 *
 * Pure, so it is unit-tested without a browser or a server.
 */
import { MAX_BATCH, type TLabelResult } from "@/contracts/rounds";

export interface SendableLabel {
  id: string;
  taskId: string;
  action: number | number[] | null;
  cantTell: boolean;
  durationMs?: number;
}

/** The most labels one outbox request carries (the route takes up to MAX_BATCH). */
export const OUTBOX_BATCH = Math.min(50, MAX_BATCH);
/** More labels than this waiting are sent in batches; up to this many, one by one. */
export const OUTBOX_BATCH_FROM = 16;

/**
 * What to send now: the labels not yet on their way, in the order given, over the `freeSlots` requests that
 * may start. Each request is one label (sent alone) or several (a batch); none is empty.
 */
export function planSends<T extends { id: string }>(items: readonly T[], sending: ReadonlySet<string>, freeSlots: number, maxBatch = OUTBOX_BATCH, batchFrom = OUTBOX_BATCH_FROM): T[][] {
  if (freeSlots <= 0) return [];
  const waiting = items.filter((l) => !sending.has(l.id));
  if (waiting.length <= Math.max(freeSlots, batchFrom)) return waiting.slice(0, freeSlots).map((l) => [l]);
  const out: T[][] = [];
  // More waiting than slots: spread them evenly over the slots, each batch at most `maxBatch`.
  const per = Math.min(maxBatch, Math.ceil(waiting.length / freeSlots));
  for (let i = 0; i < waiting.length && out.length < freeSlots; i += per) out.push(waiting.slice(i, i + per));
  return out;
}

/** The body one label is sent with, alone (`POST /tasks/{taskId}/labels`, without `taskId`) or in a batch. */
export function labelBody(label: SendableLabel): { id: string; action?: number | number[] | null; cantTell?: true; durationMs?: number } {
  return {
    id: label.id,
    ...(label.cantTell ? { cantTell: true as const } : { action: label.action }),
    ...(label.durationMs !== undefined ? { durationMs: Math.max(0, Math.min(86_400_000, Math.round(label.durationMs))) } : {}),
  };
}

export type LabelOutcome = { kind: "acked"; duplicate: boolean } | { kind: "rejected"; status: number; message: string } | { kind: "retry" };

/**
 * What one label's result in a batch answer means for the outbox: stored (201) or stored before (200) →
 * acked; refused (403/404/409/422) → rejected, as the single route's error would be; no result for it → send
 * it again (the server answers every label it was given, so this is only a defence).
 */
export function outcomeOf(result: TLabelResult | undefined): LabelOutcome {
  if (!result) return { kind: "retry" };
  if (result.status === 200 || result.status === 201) return { kind: "acked", duplicate: result.status === 200 || result.duplicate === true };
  return { kind: "rejected", status: result.status, message: result.error?.message ?? `Refused (${result.status})` };
}

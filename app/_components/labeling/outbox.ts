/**
 * The label outbox: every label is written to localStorage with its client-generated UUID *before* it is
 * sent, and sent (and re-sent) until the server answers. The server stores a label once per id (a resend
 * answers 200 with the stored label), so a dropped connection — even one that loses the response of a
 * request the server did process — loses nothing and counts nothing twice.
 *
 * A few labels waiting are sent one by one, up to `concurrency` requests at once; a backlog (a flat-out
 * labeller, a long offline spell) goes in batches to `POST /api/v1/labels`, answered label by label
 * (outbox-batch.ts). Transient failures (no answer, 5xx, 429) are retried with exponential backoff
 * (0.5 s → 15 s) and at once when the browser comes back online; a definite refusal (409 round closed, 422 bad action, 404) removes
 * the label and is reported; 401 pauses sending until the page is signed in again.
 */
import type { TLabelResult } from "@/contracts/rounds";
import { API } from "@/contracts/routes";
import { ApiError, api } from "../api-client";
import { labelBody, outcomeOf, planSends } from "./outbox-batch";

export interface QueuedLabel {
  id: string;
  taskId: string;
  projectId: string;
  roundIndex: number;
  action: number | number[] | null;
  cantTell: boolean;
  durationMs?: number;
  queuedAt: number;
  attempts: number;
  lastError?: string;
}

export type OutboxEvent =
  | { type: "acked"; label: QueuedLabel; duplicate: boolean }
  | { type: "rejected"; label: QueuedLabel; status: number; message: string }
  | { type: "change" };

export type OutboxStatus = "idle" | "sending" | "retrying" | "signed-out";

const STORAGE_PREFIX = "corrective:label-outbox:v1:";
const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 15_000;

export class LabelOutbox {
  private items: QueuedLabel[] = [];
  private readonly sending = new Set<string>();
  private readonly listeners = new Set<(e: OutboxEvent) => void>();
  private readonly waiters = new Map<string, ((r: "acked" | "rejected") => void)[]>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private backoff = MIN_BACKOFF_MS;
  private paused = false;
  private started = false;
  status: OutboxStatus = "idle";

  /** Requests on their way (each one label, or a batch). */
  private inFlight = 0;

  constructor(
    readonly userId: string,
    /** Requests at once; what waits beyond them goes one by one, or in batches once it piles up (outbox-batch.ts). */
    private readonly concurrency = 4,
  ) {
    this.items = this.read();
  }

  private get key(): string {
    return STORAGE_PREFIX + this.userId;
  }

  private read(): QueuedLabel[] {
    try {
      const raw = typeof localStorage === "undefined" ? null : localStorage.getItem(this.key);
      const parsed = raw ? (JSON.parse(raw) as unknown) : [];
      return Array.isArray(parsed) ? (parsed as QueuedLabel[]) : [];
    } catch {
      return [];
    }
  }

  private write(): void {
    try {
      if (this.items.length === 0) localStorage.removeItem(this.key);
      else localStorage.setItem(this.key, JSON.stringify(this.items));
    } catch {
      // Storage full or blocked: the labels stay in memory and are still sent.
    }
  }

  private emit(e: OutboxEvent): void {
    for (const l of this.listeners) l(e);
  }

  private readonly onOnline = () => this.retryNow();
  private readonly onStorage = (e: StorageEvent) => {
    if (e.key !== this.key) return;
    // Another tab of the same user changed the outbox: adopt its view, keeping what this tab is sending.
    const theirs = this.read();
    const ids = new Set(theirs.map((l) => l.id));
    this.items = [...theirs, ...this.items.filter((l) => this.sending.has(l.id) && !ids.has(l.id))];
    this.emit({ type: "change" });
    this.flush();
  };

  /** Starts sending (and listening for `online`); call once the page is mounted. */
  start(): () => void {
    if (!this.started) {
      this.started = true;
      window.addEventListener("online", this.onOnline);
      window.addEventListener("storage", this.onStorage);
      this.flush();
    }
    return () => this.stop();
  }

  stop(): void {
    this.started = false;
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("storage", this.onStorage);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  subscribe(fn: (e: OutboxEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  list(): readonly QueuedLabel[] {
    return this.items;
  }

  get pendingCount(): number {
    return this.items.length;
  }

  /** Task ids with a label still on its way (so they are not claimed again meanwhile). */
  pendingTaskIds(): string[] {
    return this.items.map((l) => l.taskId);
  }

  has(id: string): boolean {
    return this.items.some((l) => l.id === id);
  }

  add(label: Omit<QueuedLabel, "queuedAt" | "attempts">): void {
    this.items.push({ ...label, queuedAt: Date.now(), attempts: 0 });
    this.write();
    this.emit({ type: "change" });
    this.flush();
  }

  /** Takes a label back before it was sent: `removed`; `sending` if a request is on its way; `absent`. */
  remove(id: string): "removed" | "sending" | "absent" {
    if (this.sending.has(id)) return "sending";
    const before = this.items.length;
    this.items = this.items.filter((l) => l.id !== id);
    if (this.items.length === before) return "absent";
    this.write();
    this.emit({ type: "change" });
    return "removed";
  }

  /** Resolves once the label's request finished (for undoing a label that was already being sent). */
  settled(id: string): Promise<"acked" | "rejected"> {
    return new Promise((resolve) => {
      const list = this.waiters.get(id) ?? [];
      list.push(resolve);
      this.waiters.set(id, list);
    });
  }

  /** Re-sends now (the browser came back online, the page was signed in again, the user asked). */
  retryNow(): void {
    this.paused = false;
    this.backoff = MIN_BACKOFF_MS;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flush();
  }

  flush(): void {
    if (!this.started || this.paused || this.timer) return;
    for (const group of planSends(this.items, this.sending, this.concurrency - this.inFlight)) {
      for (const l of group) this.sending.add(l.id);
      this.inFlight += 1;
      void this.run(group);
    }
    this.setStatus(this.sending.size ? "sending" : this.items.length ? this.status : "idle");
  }

  private setStatus(s: OutboxStatus): void {
    if (s === this.status) return;
    this.status = s;
    this.emit({ type: "change" });
  }

  /** One request: a label alone to its task's route, or a batch to `POST /api/v1/labels`. Then what waits. */
  private async run(group: QueuedLabel[]): Promise<void> {
    try {
      await (group.length === 1 ? this.send(group[0]!) : this.sendBatch(group));
    } finally {
      this.inFlight -= 1;
    }
    this.flush();
  }

  /** Takes answered labels out (one localStorage write) and wakes whoever waits on them. */
  private finish(ids: string[], result: "acked" | "rejected"): void {
    if (ids.length === 0) return;
    const done = new Set(ids);
    for (const id of ids) this.sending.delete(id);
    this.items = this.items.filter((l) => !done.has(l.id));
    this.write();
    for (const id of ids) {
      for (const w of this.waiters.get(id) ?? []) w(result);
      this.waiters.delete(id);
    }
  }

  private async send(label: QueuedLabel): Promise<void> {
    try {
      const res = await api<{ duplicate: boolean }>(API.taskLabels(label.taskId), { method: "POST", body: labelBody(label) });
      this.finish([label.id], "acked");
      this.backoff = MIN_BACKOFF_MS;
      this.emit({ type: "acked", label, duplicate: res.data?.duplicate === true });
    } catch (err) {
      if (!this.failed([label], err)) return;
    }
    this.emit({ type: "change" });
  }

  private async sendBatch(group: QueuedLabel[]): Promise<void> {
    try {
      const res = await api<{ results: TLabelResult[] }>(API.labels, { body: { labels: group.map((l) => ({ taskId: l.taskId, ...labelBody(l) })) } });
      const byId = new Map((res.data?.results ?? []).map((r) => [r.id, r]));
      const outcomes = group.map((label) => ({ label, o: outcomeOf(byId.get(label.id)) }));
      this.finish(outcomes.filter((x) => x.o.kind === "acked").map((x) => x.label.id), "acked");
      this.finish(outcomes.filter((x) => x.o.kind === "rejected").map((x) => x.label.id), "rejected");
      this.backoff = MIN_BACKOFF_MS;
      for (const { label, o } of outcomes) {
        if (o.kind === "acked") this.emit({ type: "acked", label, duplicate: o.duplicate });
        else if (o.kind === "rejected") this.emit({ type: "rejected", label, status: o.status, message: o.message });
        else this.sending.delete(label.id);
      }
      if (outcomes.some((x) => x.o.kind === "retry")) this.scheduleRetry();
    } catch (err) {
      if (!this.failed(group, err)) return;
    }
    this.emit({ type: "change" });
  }

  /**
   * A request failed as a whole: 401 pauses sending until signed in again; a definite refusal removes its
   * labels and reports them; anything transient keeps them for a retry with backoff. True when the labels
   * were answered (rejected), false when they stay queued.
   */
  private failed(labels: QueuedLabel[], err: unknown): boolean {
    const e = err instanceof ApiError ? err : new ApiError(0, "NETWORK", String(err));
    if (e.status === 401) {
      for (const l of labels) this.sending.delete(l.id);
      this.paused = true;
      this.setStatus("signed-out");
      return false;
    }
    if (!e.transient) {
      this.finish(labels.map((l) => l.id), "rejected");
      for (const label of labels) this.emit({ type: "rejected", label, status: e.status, message: e.message });
      return true;
    }
    for (const label of labels) {
      this.sending.delete(label.id);
      const stored = this.items.find((l) => l.id === label.id);
      if (stored) {
        stored.attempts += 1;
        stored.lastError = e.message;
      }
    }
    this.write();
    this.scheduleRetry();
    this.setStatus("retrying");
    return false;
  }

  private scheduleRetry(): void {
    if (this.timer || !this.started) return;
    const wait = this.backoff;
    this.backoff = Math.min(MAX_BACKOFF_MS, this.backoff * 2);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, wait);
  }
}

/**
 * Realtime between processes on PostgreSQL: LISTEN/NOTIFY on one channel of the app's database.
 *
 * Every process that publishes domain events (web nodes, `npm run trainer` workers) sends them with
 * `pg_notify`; every web node also LISTENs on a dedicated connection (which it sends on too, so realtime does
 * not queue behind requests for the pool) and hands the messages of the *other* processes to its own
 * sockets (its own were delivered locally already: once per client).
 * Web nodes also exchange their local presence (see `cluster-presence.ts`).
 *
 * - NOTIFY payloads must stay under 8000 bytes: a message is cut into chunks of at most `CHUNK_BYTES`, all
 *   sent by one statement (one transaction), so they arrive together or not at all; the receiver joins them.
 * - A process sends its messages one statement at a time (those queued meanwhile together, in one), so they
 *   arrive in the order it published them; they are numbered, and a receiver drops a number it has already
 *   handed on (a send retried through the pool after the listening connection failed may have gone out twice).
 * - The listening connection reconnects on its own after the database went away (backoff up to 5 s) and
 *   then says `connected` again, so the presence can be resynchronised. What was sent while it was away is
 *   lost: realtime is best-effort, and clients refetch on reconnect.
 * - Sending never throws: a failed send is logged (the transaction it follows has already committed).
 */
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import pg from "pg";
import type { PresenceUser, ProjectEvent } from "../../contracts/realtime";

export const RELAY_CHANNEL = "corrective_realtime";
/** Bytes of message text per NOTIFY; with the header it stays well under PostgreSQL's 8000-byte limit. */
export const CHUNK_BYTES = 7_000;
const MAX_RECONNECT_MS = 5_000;
/** Most messages one NOTIFY statement carries (each may be several chunks). */
const MAX_MESSAGES_PER_SEND = 64;
/** Chunks of a message that never completed are dropped after this long. */
const PARTIAL_TTL_MS = 30_000;

export type RelayMessage =
  | { t: "events"; events: ProjectEvent[] }
  /** A node's local presence in one project (empty: none left there). */
  | { t: "presence"; projectId: string; users: PresenceUser[] }
  /** Heartbeat of a web node; `sync`: please announce your presence again (a node that just (re)connected). */
  | { t: "hello"; sync: boolean }
  /** A web node shutting down. */
  | { t: "bye" };

export interface RelayEvents {
  message: [from: string, message: RelayMessage];
  /** The listening connection is (again) listening. */
  connected: [];
}

export interface PostgresRelayOptions {
  /** Pool used to send (the app's pool). */
  pool: pg.Pool;
  /** Connection string for the dedicated listening connection; omit for a send-only process (trainer). */
  listenUrl?: string;
  channel?: string;
}

/** Cuts `text` into pieces of at most `maxBytes` UTF-8 bytes each, never inside a character. */
export function chunkText(text: string, maxBytes: number): string[] {
  const chunks: string[] = [];
  let current = "";
  let bytes = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > maxBytes && current) {
      chunks.push(current);
      current = "";
      bytes = 0;
    }
    current += ch;
    bytes += n;
  }
  chunks.push(current);
  return chunks;
}

const KNOWN = new Set(["events", "presence", "hello", "bye"]);

function parseMessage(text: string): RelayMessage | undefined {
  try {
    const m = JSON.parse(text) as RelayMessage;
    if (!m || typeof m !== "object" || !KNOWN.has(m.t)) return undefined;
    if (m.t === "events" && !Array.isArray(m.events)) return undefined;
    if (m.t === "presence" && (typeof m.projectId !== "string" || !Array.isArray(m.users))) return undefined;
    return m;
  } catch {
    return undefined;
  }
}

export class PostgresRelay extends EventEmitter<RelayEvents> {
  /** This process's id on the channel; its own notifications are ignored. */
  readonly nodeId = randomBytes(6).toString("hex");
  private readonly pool: pg.Pool;
  private readonly channel: string;
  private readonly listenUrl: string | undefined;
  private listener: pg.Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelay = 250;
  private closed = false;
  private seq = 0;
  private sending: Promise<void> = Promise.resolve();
  /** Messages waiting for the next send (the first one's arrival starts it). */
  private readonly queue: { kind: RelayMessage["t"]; payloads: string[]; done: () => void }[] = [];
  private readonly partial = new Map<string, { parts: (string | undefined)[]; left: number; at: number }>();
  /** Per sender, the last message number handed on: a resent message (same number) is dropped. */
  private readonly lastSeq = new Map<string, number>();
  /** True while the last send failed (the caller may resynchronise). */
  sendFailed = false;

  constructor(options: PostgresRelayOptions) {
    super();
    this.pool = options.pool;
    this.channel = options.channel ?? RELAY_CHANNEL;
    this.listenUrl = options.listenUrl;
  }

  get listening(): boolean {
    return this.listener !== undefined;
  }

  /** Starts listening (web nodes). Resolves once the first attempt succeeded or failed; retries on its own. */
  async start(): Promise<void> {
    if (this.listenUrl) await this.connect();
  }

  /**
   * Queues `message` for every other process; resolves once sent (or once its failure was logged). Messages
   * queued while a send is in flight go out together in the next one — one statement, one transaction — so
   * under load the relay costs one NOTIFY transaction (a commit) per round trip, not one per message.
   */
  send(message: RelayMessage): Promise<void> {
    if (this.closed) return Promise.resolve();
    const id = `${this.nodeId}:${++this.seq}`;
    const parts = chunkText(JSON.stringify(message), CHUNK_BYTES);
    return new Promise<void>((resolve) => {
      this.queue.push({ kind: message.t, payloads: parts.map((p, i) => `${id} ${i} ${parts.length} ${p}`), done: resolve });
      if (this.queue.length === 1) this.sending = this.sending.then(() => this.flush());
    });
  }

  /** Sends what is queued, at most MAX_MESSAGES_PER_SEND messages a statement, until the queue is empty. */
  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue.slice(0, MAX_MESSAGES_PER_SEND);
      const payloads = group.flatMap((m) => m.payloads);
      const notify = (via: pg.Pool | pg.Client) =>
        payloads.length === 1
          ? via.query("select pg_notify($1, $2)", [this.channel, payloads[0]])
          : via.query("select count(pg_notify($1, p)) from unnest($2::text[]) as p", [this.channel, payloads]);
      try {
        // The listening connection is idle between notifications: sending there does not wait behind the
        // requests holding the pool. Without one (trainer, or while it reconnects), or if it fails: the pool.
        const listener = this.listener;
        if (listener) await notify(listener).catch(() => notify(this.pool));
        else await notify(this.pool);
        this.sendFailed = false;
      } catch (err) {
        this.sendFailed = true;
        const kinds = [...new Set(group.map((m) => m.kind))].join(", ");
        console.error(`[realtime] could not relay ${group.length === 1 ? "a" : group.length} ${kinds} message${group.length === 1 ? "" : "s"}: ${err instanceof Error ? err.message : String(err)}`);
      }
      this.queue.splice(0, group.length);
      for (const m of group) m.done();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await this.sending;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    if (this.closed || !this.listenUrl) return;
    const client = new pg.Client({ connectionString: this.listenUrl, connectionTimeoutMillis: 5_000, keepAlive: true });
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (this.listener === client) this.listener = undefined;
      client.removeAllListeners("notification");
      if (this.closed) return;
      console.error(`[realtime] listening connection lost${err ? `: ${err.message}` : ""}; reconnecting`);
      void client.end().catch(() => {});
      this.scheduleReconnect();
    };
    // A dropped connection must never crash the process: it is replaced.
    client.on("error", onLost);
    client.on("end", () => onLost());
    client.on("notification", (n) => this.receive(n.payload ?? ""));
    try {
      await client.connect();
      await client.query(`listen ${this.channel}`);
    } catch (err) {
      onLost(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.listener = client;
    this.reconnectDelay = 250;
    this.emit("connected");
  }

  private scheduleReconnect(): void {
    clearTimeout(this.reconnectTimer);
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, MAX_RECONNECT_MS);
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
    this.reconnectTimer.unref();
  }

  private receive(payload: string): void {
    // `<node>:<seq> <i> <n> <text>`
    const a = payload.indexOf(" ");
    const b = payload.indexOf(" ", a + 1);
    const c = payload.indexOf(" ", b + 1);
    if (a <= 0 || b <= a || c <= b) return;
    const id = payload.slice(0, a);
    const from = id.slice(0, id.indexOf(":"));
    const seq = Number(id.slice(from.length + 1));
    if (!from || from === this.nodeId || !Number.isInteger(seq)) return;
    if (seq <= (this.lastSeq.get(from) ?? 0)) return;
    const i = Number(payload.slice(a + 1, b));
    const n = Number(payload.slice(b + 1, c));
    const text = payload.slice(c + 1);
    if (!Number.isInteger(i) || !Number.isInteger(n) || i < 0 || i >= n) return;
    let whole: string | undefined;
    if (n === 1) whole = text;
    else {
      const now = Date.now();
      for (const [key, p] of this.partial) if (now - p.at > PARTIAL_TTL_MS) this.partial.delete(key);
      const p = this.partial.get(id) ?? { parts: new Array<string | undefined>(n), left: n, at: now };
      if (p.parts[i] === undefined) {
        p.parts[i] = text;
        p.left--;
      }
      if (p.left > 0) {
        this.partial.set(id, p);
        return;
      }
      this.partial.delete(id);
      whole = p.parts.join("");
    }
    this.lastSeq.set(from, seq);
    const message = parseMessage(whole);
    if (!message) {
      console.error(`[realtime] ignored a malformed relay message from ${from}`);
      return;
    }
    this.emit("message", from, message);
  }
}

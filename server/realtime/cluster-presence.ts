/**
 * Presence across web nodes. Each node knows its own sockets; through the relay it tells the others its
 * local presence per project whenever that changes, and keeps theirs. A project's presence is the merge of
 * its own list and the other nodes' lists.
 *
 * - Heartbeat: every node says `hello` every `HEARTBEAT_MS`; a node not heard of for `NODE_TTL_MS` (it
 *   crashed, or the database was away) is forgotten, and its users leave the lists.
 * - Resynchronisation: a node that (re)connects says `hello` with `sync`, and every node that hears from a
 *   node it does not know (yet, or any more) announces all its local presence and asks for the other's.
 *   A node whose last send failed announces all its presence again at its next heartbeat.
 * - A node shutting down says `bye`.
 */
import type { PresenceUser } from "../../contracts/realtime";
import type { PostgresRelay, RelayMessage } from "./postgres-relay";

export const HEARTBEAT_MS = 5_000;
export const NODE_TTL_MS = 3 * HEARTBEAT_MS;

/** One list per person (by id), their views merged, ordered by name. */
export function mergePresence(lists: PresenceUser[][]): PresenceUser[] {
  const byId = new Map<string, PresenceUser>();
  for (const list of lists) {
    for (const u of list) {
      const seen = byId.get(u.id);
      const views = [...new Set([...(seen?.views ?? []), ...(u.views ?? [])])].sort();
      byId.set(u.id, { id: u.id, name: seen?.name ?? u.name, ...(views.length ? { views } : {}) });
    }
  }
  return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export interface LocalPresence {
  /** Projects with at least one socket on this node. */
  projects(): string[];
  users(projectId: string): Promise<PresenceUser[]>;
  /** Another node's presence in this project changed: tell this node's sockets there. */
  changed(projectId: string): void;
}

export class ClusterPresence {
  private readonly nodes = new Map<string, { seen: number; projects: Map<string, PresenceUser[]> }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly onMessage = (from: string, m: RelayMessage) => this.receive(from, m);
  private readonly onConnected = () => {
    void this.relay.send({ t: "hello", sync: true });
    void this.announceAll();
  };

  constructor(
    private readonly relay: PostgresRelay,
    private readonly local: LocalPresence,
  ) {}

  start(): void {
    this.relay.on("message", this.onMessage);
    this.relay.on("connected", this.onConnected);
    if (this.relay.listening) this.onConnected();
    this.timer = setInterval(() => this.tick(), HEARTBEAT_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.relay.off("message", this.onMessage);
    this.relay.off("connected", this.onConnected);
    await this.relay.send({ t: "bye" });
  }

  /** The other nodes' lists for this project. */
  remote(projectId: string): PresenceUser[][] {
    const out: PresenceUser[][] = [];
    for (const node of this.nodes.values()) {
      const users = node.projects.get(projectId);
      if (users?.length) out.push(users);
    }
    return out;
  }

  /** Tells the other nodes this node's presence in a project. */
  announce(projectId: string, users: PresenceUser[]): Promise<void> {
    return this.relay.send({ t: "presence", projectId, users });
  }

  private async announceAll(): Promise<void> {
    for (const projectId of this.local.projects()) await this.announce(projectId, await this.local.users(projectId));
  }

  private receive(from: string, m: RelayMessage): void {
    if (m.t === "events") return;
    if (m.t === "bye") {
      this.forget(from);
      return;
    }
    let node = this.nodes.get(from);
    if (!node) {
      node = { seen: Date.now(), projects: new Map() };
      this.nodes.set(from, node);
      // A node this one did not know: it may not know this one either.
      if (!(m.t === "hello" && m.sync)) void this.relay.send({ t: "hello", sync: true });
      void this.announceAll();
    } else if (m.t === "hello" && m.sync) void this.announceAll();
    node.seen = Date.now();
    if (m.t === "presence") {
      if (m.users.length) node.projects.set(m.projectId, m.users);
      else node.projects.delete(m.projectId);
      this.local.changed(m.projectId);
    }
  }

  private forget(nodeId: string): void {
    const node = this.nodes.get(nodeId);
    if (!node) return;
    this.nodes.delete(nodeId);
    for (const projectId of node.projects.keys()) this.local.changed(projectId);
  }

  private tick(): void {
    // A presence message that could not be sent (database away, pool exhausted) is made up for.
    const resync = this.relay.sendFailed;
    void this.relay.send({ t: "hello", sync: false });
    if (resync) void this.announceAll();
    const cutoff = Date.now() - NODE_TTL_MS;
    for (const [id, node] of this.nodes) if (node.seen < cutoff) this.forget(id);
  }
}

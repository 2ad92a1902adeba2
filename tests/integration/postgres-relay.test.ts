/**
 * The LISTEN/NOTIFY relay (server/realtime/postgres-relay.ts) on real PostgreSQL: messages over the
 * 8000-byte NOTIFY limit arrive whole, in order, never echoed to their sender; a message sent twice is
 * handed on once, a malformed one not at all; a listening connection cut by a loopback proxy reconnects on
 * its own (no crash) and hears what is sent afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../db/client";
import type { ProjectEvent } from "../../contracts/realtime";
import { chunkText, CHUNK_BYTES, PostgresRelay, RELAY_CHANNEL, type RelayMessage } from "../../server/realtime/postgres-relay";
import { waitFor } from "../helpers/api-client";
import { createScratchPostgres, POSTGRES_OK } from "../helpers/engines";
import { TcpProxy } from "../helpers/tcp-proxy";

describe("chunkText", () => {
  it("cuts text into pieces within the byte budget, never inside a character", () => {
    const text = `${"a".repeat(10)}${"é".repeat(50)}${"🤖".repeat(40)}z`;
    const parts = chunkText(text, 7);
    expect(parts.join("")).toBe(text);
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(7);
    expect(parts.every((p) => !/[\uD800-\uDBFF]$/.test(p))).toBe(true);
    expect(chunkText("", 7)).toEqual([""]);
  });
});

describe.skipIf(!POSTGRES_OK)("PostgresRelay [postgres]", () => {
  let database: Database;
  let drop: () => Promise<void>;
  let proxy: TcpProxy;
  let a: PostgresRelay, b: PostgresRelay;
  const heardByA: { from: string; m: RelayMessage }[] = [];
  const heardByB: { from: string; m: RelayMessage }[] = [];

  beforeAll(async () => {
    const scratch = await createScratchPostgres();
    drop = scratch.drop;
    database = await openDatabase({ url: scratch.url, poolSize: 4 });
    const target = new URL(scratch.url);
    proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    await proxy.start();
    const viaProxy = new URL(scratch.url);
    viaProxy.port = String(proxy.port);
    // A listens through the proxy (so the test can cut it); B directly.
    a = new PostgresRelay({ pool: database.pool, listenUrl: viaProxy.toString() });
    b = new PostgresRelay({ pool: database.pool, listenUrl: scratch.url });
    a.on("message", (from, m) => heardByA.push({ from, m }));
    b.on("message", (from, m) => heardByB.push({ from, m }));
    await Promise.all([a.start(), b.start()]);
    expect(a.listening && b.listening).toBe(true);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await proxy?.stop();
    await database?.close();
    await drop?.();
  });

  const comment = (i: number, body: string): ProjectEvent => ({
    type: "comment:added",
    projectId: "00000000-0000-4000-8000-000000000001",
    comment: { id: String(i), body } as never,
  });

  it("delivers messages larger than one NOTIFY whole and in order, to the others only", async () => {
    const big = `${"é".repeat(3_990)}${"🤖".repeat(2_000)} end`; // ≈ 16 kB of UTF-8: three chunks
    expect(Buffer.byteLength(JSON.stringify(comment(0, big)))).toBeGreaterThan(2 * CHUNK_BYTES);
    heardByA.length = 0;
    heardByB.length = 0;
    for (let i = 0; i < 20; i++) void b.send({ t: "events", events: [comment(i, i % 5 === 0 ? big : `small ${i}`)] });
    await waitFor("20 messages at A", async () => heardByA.length === 20, 10_000, 20);
    expect(heardByA.every((h) => h.from === b.nodeId)).toBe(true);
    const bodies = heardByA.map((h) => (h.m.t === "events" && h.m.events[0]?.type === "comment:added" ? h.m.events[0].comment.body : null));
    expect(bodies).toEqual(Array.from({ length: 20 }, (_, i) => (i % 5 === 0 ? big : `small ${i}`)));
    expect(heardByB).toEqual([]); // its own messages are not handed back to the sender
  });

  it("hands on a message sent twice once, and ignores malformed ones", async () => {
    heardByA.length = 0;
    const raw = async (payload: string) => database.pool.query("select pg_notify($1, $2)", [RELAY_CHANNEL, payload]);
    await raw('other:1 0 1 {"t":"hello","sync":false}');
    await raw('other:1 0 1 {"t":"hello","sync":false}'); // the same message again (a retried send)
    await raw("other:2 0 1 {not json");
    await raw('other:3 0 1 {"t":"rm -rf"}');
    await raw("no header at all");
    await raw('other:4 0 1 {"t":"bye"}');
    await waitFor("the last raw message", async () => heardByA.some((h) => h.m.t === "bye"), 5_000, 20);
    expect(heardByA).toEqual([
      { from: "other", m: { t: "hello", sync: false } },
      { from: "other", m: { t: "bye" } },
    ]);
  });

  it("reconnects after its connection was cut and hears what is sent afterwards", async () => {
    let reconnected = false;
    a.once("connected", () => (reconnected = true));
    await proxy.stop();
    await waitFor("A to notice the cut", async () => !a.listening, 10_000, 20);
    await new Promise((r) => setTimeout(r, 1_000));
    await proxy.start(proxy.port);
    await waitFor("A listening again", async () => reconnected && a.listening, 15_000, 50);
    heardByA.length = 0;
    await b.send({ t: "hello", sync: true });
    await waitFor("the message after the outage", async () => heardByA.length === 1, 5_000, 20);
    expect(heardByA[0]).toEqual({ from: b.nodeId, m: { t: "hello", sync: true } });
  });
});

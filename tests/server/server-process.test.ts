import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { io as connect } from "socket.io-client";
import { afterAll, describe, expect, it } from "vitest";
import { REALTIME_PATH } from "../../contracts/realtime";
import { createScratchPostgres, POSTGRES_OK } from "../helpers/engines";
import { runServer, startServer, type ServerProcess } from "../helpers/server-process";
import { signInCookie } from "../helpers/session-cookie";
import { TcpProxy } from "../helpers/tcp-proxy";

const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> });
const signUp = (url: string, email: string) =>
  fetch(`${url}/api/v1/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "Persistent", email, password: "long enough" }),
  });

describe("the server process", () => {
  const running: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of running) await s.stop("SIGKILL");
  });

  it("starts on embedded PGlite with the demo, keeps users across a restart, and shuts down cleanly", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "corrective-data-"));
    const first = await startServer({ DATA_DIR: dataDir });
    running.push(first);
    expect(await json(await fetch(`${first.url}/api/health`))).toEqual({ status: 200, body: { status: "ok", db: "pglite", version: "0.1.0" } });
    expect(first.output()).toContain("lead@corrective.local");
    expect((await fetch(`${first.url}/signin`)).status).toBe(200);
    expect((await signUp(first.url, "keeper@example.test")).status).toBe(202);
    // An open websocket does not hold the shutdown up (upgraded connections are not HTTP requests to drain).
    const { cookie } = await signInCookie(first.url, "keeper@example.test", "long enough");
    if (!cookie) throw new Error("sign-in gave no session cookie");
    const ws = connect(first.url, { path: REALTIME_PATH, transports: ["websocket"], extraHeaders: { cookie }, reconnection: false });
    await new Promise<void>((resolve, reject) => {
      ws.once("connect", resolve);
      ws.once("connect_error", reject);
    });
    const closed = new Promise<string>((resolve) => ws.once("disconnect", (reason) => resolve(reason)));
    const stopping = Date.now();
    expect(await first.stop("SIGTERM")).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(8_000); // well inside the 10 s grace period
    expect(first.output()).toContain("[shutdown] done");
    expect(await closed).toMatch(/server|transport/);

    const second = await startServer({ DATA_DIR: dataDir });
    running.push(second);
    expect(second.output()).toContain("[demo] found the demo project");
    // The account survived: it signs in; and signing up again with it answers exactly like a new email.
    const login = await fetch(`${second.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "keeper@example.test", password: "long enough" }) });
    expect(login.status).toBe(201);
    const again = await json(await signUp(second.url, "KEEPER@example.test"));
    const fresh = await json(await signUp(second.url, "fresh@example.test"));
    expect(again).toEqual(fresh);
    expect(again.status).toBe(202);
    expect(await second.stop("SIGINT")).toBe(0);
  }, 180_000);

  it("refuses to start on a bad setting with one readable line", async () => {
    const { output, exited } = runServer({ PORT: "eighty" });
    expect(await exited).toBe(1);
    expect(output().trim().split("\n").filter((l) => l.startsWith("Invalid configuration"))).toEqual([
      expect.stringMatching(/^Invalid configuration: PORT /),
    ]);
  });

  it("refuses the demo secret outside demo mode", async () => {
    const { output, exited } = runServer({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/none" });
    expect(await exited).toBe(1);
    expect(output()).toContain("NEXTAUTH_SECRET must be set outside demo mode");
  });

  it.skipIf(!POSTGRES_OK)("runs on PostgreSQL without demo users, and answers 503 while the database is away", async () => {
    const scratch = await createScratchPostgres();
    const target = new URL(scratch.url);
    const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    await proxy.start();
    const viaProxy = new URL(scratch.url);
    viaProxy.port = String(proxy.port);
    try {
      const server = await startServer({ DATABASE_URL: viaProxy.toString(), NEXTAUTH_SECRET: "test-secret-long-enough-123" });
      running.push(server);
      expect(await json(await fetch(`${server.url}/api/health`))).toMatchObject({ status: 200, body: { status: "ok", db: "postgres" } });
      expect(server.output()).not.toContain("[demo]");

      await proxy.stop();
      const down = await json(await fetch(`${server.url}/api/health`));
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ status: "unavailable", db: "postgres" });
      const failedWrite = await signUp(server.url, "while-down@example.test");
      expect(failedWrite.status).toBe(503);

      await proxy.start(proxy.port);
      let health = await fetch(`${server.url}/api/health`);
      for (let i = 0; i < 30 && health.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 200));
        health = await fetch(`${server.url}/api/health`);
      }
      expect(health.status).toBe(200);
      expect((await signUp(server.url, "after@example.test")).status).toBe(202);
      expect(await server.stop()).toBe(0);
    } finally {
      await proxy.stop();
      await scratch.drop();
    }
  }, 120_000);
});

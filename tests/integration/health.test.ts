import { afterAll, beforeAll, expect, it } from "vitest";
import { openDatabase, type Database } from "../../db/client";
import { checkHealth } from "../../server/health/check-health";
import { describeEngines } from "../helpers/engines";
import { TcpProxy } from "../helpers/tcp-proxy";

describeEngines("health when the database goes away and comes back", (h) => {
  let proxy: TcpProxy;
  let viaProxy: Database;

  beforeAll(async () => {
    const target = new URL(h.database.url);
    proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    await proxy.start();
    const url = new URL(h.database.url);
    url.port = String(proxy.port);
    viaProxy = await openDatabase({ url: url.toString(), poolSize: 2, connectionTimeoutMs: 1_000 });
  });
  afterAll(async () => {
    await viaProxy?.close().catch(() => {});
    await proxy?.stop();
  });

  it("reports ok, then unavailable with a reason, then ok again", async () => {
    expect(await checkHealth(viaProxy, "t")).toMatchObject({ status: "ok", version: "t" });
    await proxy.stop();
    const down = await checkHealth(viaProxy, "t", 1_500);
    expect(down.status).toBe("unavailable");
    expect(down.reason).toMatch(/database unreachable/);
    await proxy.start();
    let back = await checkHealth(viaProxy, "t");
    for (let i = 0; i < 20 && back.status !== "ok"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      back = await checkHealth(viaProxy, "t");
    }
    expect(back.status).toBe("ok");
  });

  it("after a quiet spell longer than pg's idle timeout (10 s) answers on a kept connection, not a new one", async () => {
    const pool = h.database.pool;
    await Promise.all([1, 2, 3].map(() => pool.query("select pg_sleep(0.05)")));
    let connects = 0;
    const onConnect = () => void connects++;
    pool.on("connect", onConnect);
    try {
      await new Promise((r) => setTimeout(r, 10_600));
      expect(pool.totalCount).toBe(1); // the others closed, one kept (db/client.ts createPool)
      expect(await checkHealth(h.database, "t")).toMatchObject({ status: "ok" });
      expect(connects).toBe(0);
    } finally {
      pool.off("connect", onConnect);
    }
  }, 30_000);

  it("names the engine", async () => {
    expect((await checkHealth(h.database, "t")).db).toBe(h.engine);
  });
});

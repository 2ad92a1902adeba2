/**
 * server/worker-channel.ts with small eval workers: replies answer requests in order after `ready`; a failing
 * reply, a malformed one or an exit before `close()` rejects what waits and what comes after.
 */
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { workerChannel } from "../../server/worker-channel";

type Reply = { type: "ready" } | { type: "echo"; n: number } | { type: "error"; message: string };
const parse = (raw: unknown) =>
  typeof raw === "object" && raw !== null && typeof (raw as { type?: unknown }).type === "string" ? { success: true as const, data: raw as Reply } : { success: false as const, error: { message: `not a reply: ${JSON.stringify(raw)}` } };
const failureOf = (r: Reply) => (r.type === "error" ? new Error(`worker: ${r.message}`) : null);

/** A worker that answers `{n}` with `{type: "echo", n}`, `{n: -1}` with an error reply, `{n: -2}` with junk, and exits on `{n: -3}`. */
function echoWorker(): Worker {
  return new Worker(
    `const { parentPort } = require("node:worker_threads");
     parentPort.postMessage({ type: "ready" });
     parentPort.on("message", ({ n }) => {
       if (n === -1) parentPort.postMessage({ type: "error", message: "bad page" });
       else if (n === -2) parentPort.postMessage(42);
       else if (n === -3) process.exit(3);
       else parentPort.postMessage({ type: "echo", n });
     });`,
    { eval: true },
  );
}

describe("workerChannel", () => {
  it("answers requests in order once ready", async () => {
    const channel = workerChannel<{ n: number }, Reply>(echoWorker(), "echo", parse, failureOf);
    expect(await channel.ready).toEqual({ type: "ready" });
    const replies = await Promise.all([1, 2, 3, 4].map((n) => channel.request({ n })));
    expect(replies).toEqual([1, 2, 3, 4].map((n) => ({ type: "echo", n })));
    channel.close();
  });

  it("fails what waits and what comes after on a failing reply, a malformed one, or an exit", async () => {
    for (const [n, message] of [
      [-1, "worker: bad page"],
      [-2, "echo sent a malformed message: not a reply: 42"],
      [-3, "echo exited with code 3"],
    ] as const) {
      const channel = workerChannel<{ n: number }, Reply>(echoWorker(), "echo", parse, failureOf);
      await channel.ready;
      const failing = channel.request({ n });
      await expect(failing).rejects.toThrow(message);
      await expect(channel.request({ n: 1 })).rejects.toThrow(message);
      channel.close();
    }
  });
});

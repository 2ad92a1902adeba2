/**
 * bench:api's load generator, run as a child process (pinned to its own core with `taskset` where the machine
 * has it), so the labellers' JSON and HTTP work does not share the server's event loop or core. Reads its job
 * from BENCH_LOAD (JSON), prints one JSON line with what it measured:
 *
 * - `labels`: simulated labellers over keep-alive HTTP — claim → label (one task a request, `batch` 0), or claim a
 *   batch → label the batch (`batch` n: POST …/tasks/claim and POST /api/v1/labels); with `thinkMs`, a person's
 *   pace between labels. Client-side latency per request, and the server's own `Server-Timing` total beside it.
 * - `raw`: the reference — the same label rows inserted with raw `pg`, one transaction each.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import pg from "pg";
import { API } from "../../contracts/routes";
import { summarize } from "./stats";

export type LoadJob =
  | { kind: "labels"; base: string; projectId: string; tokens: string[]; concurrency: number; total: number; thinkMs: number; timeLimitMs: number; batch: number }
  | { kind: "raw"; url: string; concurrency: number; total: number; poolSize: number };

export interface LoadResult {
  labels: number;
  seconds: number;
  requests: { label: ReturnType<typeof summarize>; claim: ReturnType<typeof summarize> };
  /** The server's `Server-Timing` total of the same requests. */
  server: { label: ReturnType<typeof summarize>; claim: ReturnType<typeof summarize> };
  loadCpuMs: number;
  /** Requests sent again after a connection reset. */
  resets: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1000 });

// The answers' shapes are the API's; the generator reads a few fields and checks statuses.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/**
 * A keep-alive connection the server closed just as a request went out answers ECONNRESET: sent again on a new one
 * (safe — a claim returns the caller's own lease, a label resubmitted with its id is stored once), counted.
 */
let resets = 0;
async function post(base: URL, path: string, token: string, body: unknown): Promise<{ status: number; json: Json; serverMs: number }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await postOnce(base, path, token, body);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (attempt >= 2 || (code !== "ECONNRESET" && code !== "EPIPE")) throw err;
      resets++;
    }
  }
}

function postOnce(base: URL, path: string, token: string, body: unknown): Promise<{ status: number; json: Json; serverMs: number }> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: base.hostname, port: base.port, path, method: "POST", agent, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(data) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const timing = /total;dur=([\d.]+)/.exec(String(res.headers["server-timing"] ?? ""));
          resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null, serverMs: timing ? Number(timing[1]) : Number.NaN });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

async function labels(job: Extract<LoadJob, { kind: "labels" }>): Promise<Omit<LoadResult, "loadCpuMs" | "resets">> {
  const base = new URL(job.base);
  const label: number[] = [];
  const claim: number[] = [];
  const serverLabel: number[] = [];
  const serverClaim: number[] = [];
  let done = 0;
  const deadline = Date.now() + job.timeLimitMs;
  const started = performance.now();
  const think = () => (job.thinkMs > 0 ? new Promise((r) => setTimeout(r, job.thinkMs * (0.5 + Math.random()))) : Promise.resolve());
  await Promise.all(
    job.tokens.slice(0, job.concurrency).map(async (token) => {
      // Labellers start spread over one think time, as people do, not all in the same millisecond.
      if (job.thinkMs > 0) await new Promise((r) => setTimeout(r, Math.random() * job.thinkMs));
      while (done < job.total && Date.now() < deadline) {
        const t0 = performance.now();
        if (job.batch > 0) {
          const c = await post(base, API.claimTasks(job.projectId), token, { count: job.batch });
          const t1 = performance.now();
          if (c.status !== 200) throw new Error(`claim → ${c.status} ${JSON.stringify(c.json)}`);
          const tasks = c.json.data.tasks as { task: { id: string } }[];
          if (tasks.length === 0) return;
          const l = await post(base, API.labels, token, { labels: tasks.map((t) => ({ taskId: t.task.id, id: randomUUID(), action: 1, durationMs: 500 })) });
          const t2 = performance.now();
          const results = l.json?.data?.results as { status: number }[] | undefined;
          if (l.status !== 200 || !results?.every((r) => r.status === 201)) throw new Error(`labels → ${l.status} ${JSON.stringify(l.json).slice(0, 500)}`);
          claim.push(t1 - t0);
          label.push(t2 - t1);
          serverClaim.push(c.serverMs);
          serverLabel.push(l.serverMs);
          done += tasks.length;
        } else {
          const c = await post(base, API.nextTask(job.projectId), token, {});
          const t1 = performance.now();
          if (c.status === 204) return;
          if (c.status !== 200) throw new Error(`claim → ${c.status} ${JSON.stringify(c.json)}`);
          const l = await post(base, API.taskLabels(c.json.data.task.id), token, { id: randomUUID(), action: 1, durationMs: 500 });
          const t2 = performance.now();
          if (l.status !== 201) throw new Error(`label → ${l.status} ${JSON.stringify(l.json)}`);
          claim.push(t1 - t0);
          label.push(t2 - t1);
          serverClaim.push(c.serverMs);
          serverLabel.push(l.serverMs);
          done++;
        }
        await think();
      }
    }),
  );
  const finite = (xs: number[]) => xs.filter(Number.isFinite);
  return {
    labels: done,
    seconds: (performance.now() - started) / 1000,
    requests: { label: summarize(label), claim: summarize(claim) },
    server: { label: summarize(finite(serverLabel)), claim: summarize(finite(serverClaim)) },
  };
}

async function raw(job: Extract<LoadJob, { kind: "raw" }>): Promise<Omit<LoadResult, "loadCpuMs" | "resets">> {
  const pool = new pg.Pool({ connectionString: job.url, max: job.poolSize });
  await Promise.all(Array.from({ length: job.poolSize }, async () => (await pool.connect()).release()));
  await pool.query(`create table if not exists bench_labels (id uuid primary key, task_id uuid not null, state_id uuid not null, user_id uuid not null, action jsonb, cant_tell boolean not null default false, duration_ms integer, created_at timestamptz not null default now())`);
  await pool.query("truncate bench_labels");
  const lat: number[] = [];
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (done < job.total) {
        done++;
        const t0 = performance.now();
        const c = await pool.connect();
        try {
          await c.query("begin");
          await c.query("insert into bench_labels (id, task_id, state_id, user_id, action, duration_ms) values ($1, $2, $3, $4, $5, $6)", [randomUUID(), randomUUID(), randomUUID(), randomUUID(), JSON.stringify(1), 500]);
          await c.query("commit");
        } finally {
          c.release();
        }
        lat.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await pool.query("drop table bench_labels");
  await pool.end();
  const none = summarize([]);
  return { labels: job.total, seconds, requests: { label: summarize(lat), claim: none }, server: { label: none, claim: none } };
}

const job = JSON.parse(process.env.BENCH_LOAD ?? "null") as LoadJob | null;
if (!job) throw new Error("BENCH_LOAD is not set");
const cpu0 = process.cpuUsage();
const out = job.kind === "raw" ? await raw(job) : await labels(job);
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`${JSON.stringify({ ...out, loadCpuMs: Math.round((cpu.user + cpu.system) / 1000), resets } satisfies LoadResult)}\n`);
agent.destroy();

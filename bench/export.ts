/**
 * `npm run bench:export` — a 100k-sample dataset through the real server, on PostgreSQL and on PGlite:
 * JSONL import (batched), LeRobot v3.0 `.tar` export (Parquet), JSONL export, and the `.tar` re-imported
 * into a second project — while a probe requests `/api/health` back to back. Per operation: wall time,
 * samples/s, the longest `/api/health` response (the stall other requests see) and the server's RSS growth
 * (sampled every 20 ms, peak minus the value before the operation).
 *
 * Goals (issue 17): export of 100k samples ≥ 50k samples/s to Parquet on PostgreSQL; peak RSS growth
 * ≤ 100 MiB; the longest `/api/health` stall during export or import ≤ 100 ms.
 *
 * The server runs with IN_PROCESS_JOBS=0, so the training round an import starts waits in the queue
 * instead of competing for the CPU. `BENCH_EXPORT_SAMPLES` changes the size (default 100000);
 * `BENCH_EXPORT_ENGINES=postgres` (or `pglite`, comma-separated) runs only those engines; `BENCH_EXPORT_OUT=<dir>`
 * saves the results there instead of bench/results/ (scratch runs on a loaded machine).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ApiClient } from "../tests/helpers/api-client";
import { createScratchPostgres, postgresReachable } from "../tests/helpers/engines";
import { startServer, type ServerProcess } from "../tests/helpers/server-process";
import { API } from "../contracts/routes";
import { saveResults } from "./lib/results";
import { rssMiB, summarize } from "./lib/stats";

const SAMPLES = Number(process.env.BENCH_EXPORT_SAMPLES ?? 100_000);
const ENGINES = new Set((process.env.BENCH_EXPORT_ENGINES ?? "postgres,pglite").split(",").map((e) => e.trim()));
const OUT_DIR = process.env.BENCH_EXPORT_OUT;
const OBS_DIM = 8;
const ACT_DIM = 2;
const EPISODE = 100;

interface Row {
  [key: string]: string | number | null;
  engine: string;
  operation: string;
  samples: number;
  wallMs: number;
  samplesPerSecond: number;
  bytes: number;
  healthMaxMs: number;
  healthP99Ms: number;
  healthIdleMaxMs: number;
  rssGrowthMiB: number | null;
  /** CPU time the server process (all its threads) spent on the operation, and samples per such second. */
  serverCpuMs: number | null;
  samplesPerServerCpuSecond: number | null;
  /** 1-minute load average at the end of the operation (2 cores; other work on the machine skews timings). */
  load1m: number;
}

/** Requests `/api/health` back to back until stopped; returns every response time (ms). */
function probe(base: string): { stop: () => Promise<number[]> } {
  const times: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      const res = await fetch(`${base}/api/health`);
      await res.arrayBuffer();
      times.push(performance.now() - t0);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return times;
    },
  };
}

/** User + system CPU time of process `pid` (all threads), in ms, from /proc (Linux); null elsewhere. */
function cpuMs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in 100 Hz ticks
  } catch {
    return null;
  }
}

/** Samples the server's RSS every 20 ms; returns the peak. */
function rssPeak(pid: number | undefined): { stop: () => Promise<number | null> } {
  let peak: number | null = null;
  const timer = setInterval(() => {
    void rssMiB(pid).then((v) => {
      if (v !== null) peak = Math.max(peak ?? 0, v);
    });
  }, 20);
  return {
    stop: async () => {
      clearInterval(timer);
      return peak;
    },
  };
}

function jsonlDataset(n: number): Uint8Array {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const obs = Array.from({ length: OBS_DIM }, (_, j) => Math.round(Math.sin(i * 0.37 + j) * 1e6) / 1e6);
    const act = Array.from({ length: ACT_DIM }, (_, j) => Math.round(Math.cos(i * 0.11 + j) * 1e6) / 1e6);
    lines.push(JSON.stringify({ observation: obs, action: act, source: i % 3 ? "expert" : "teleop", episode_index: Math.floor(i / EPISODE), frame_index: i % EPISODE }));
  }
  return new TextEncoder().encode(lines.join("\n") + "\n");
}

async function measure(server: ServerProcess, engine: string, operation: string, idleMax: number, run: () => Promise<{ samples: number; bytes: number }>): Promise<Row> {
  const pid = server.proc.pid;
  const before = await rssMiB(pid);
  const cpuBefore = cpuMs(pid);
  const p = probe(server.url);
  const r = rssPeak(pid);
  const t0 = performance.now();
  const { samples, bytes } = await run();
  const wallMs = performance.now() - t0;
  const cpuAfter = cpuMs(pid);
  const peak = await r.stop();
  const times = (await p.stop()).sort((a, b) => a - b);
  const s = summarize(times);
  const row: Row = {
    engine,
    operation,
    samples,
    wallMs: Math.round(wallMs),
    samplesPerSecond: Math.round(samples / (wallMs / 1000)),
    bytes,
    healthMaxMs: Math.round((times[times.length - 1] ?? 0) * 10) / 10,
    healthP99Ms: Math.round(s.p99 * 10) / 10,
    healthIdleMaxMs: idleMax,
    rssGrowthMiB: before !== null && peak !== null ? Math.max(0, peak - before) : null,
    serverCpuMs: cpuBefore !== null && cpuAfter !== null ? Math.round(cpuAfter - cpuBefore) : null,
    samplesPerServerCpuSecond: cpuBefore !== null && cpuAfter !== null && cpuAfter > cpuBefore ? Math.round(samples / ((cpuAfter - cpuBefore) / 1000)) : null,
    load1m: Math.round((os.loadavg()[0] ?? 0) * 10) / 10,
  };
  console.log(`[bench:export] ${engine} ${operation}: ${row.samplesPerSecond} samples/s, /api/health max ${row.healthMaxMs} ms (idle ${idleMax} ms), RSS +${row.rssGrowthMiB} MiB`);
  return row;
}

async function benchEngine(engine: "postgres" | "pglite", dataset: Uint8Array): Promise<Row[]> {
  let server: ServerProcess;
  let cleanup: () => Promise<void> = async () => {};
  const common = { IN_PROCESS_JOBS: "0" };
  if (engine === "postgres") {
    const scratch = await createScratchPostgres();
    server = await startServer({ ...common, DATABASE_URL: scratch.url, NEXTAUTH_SECRET: "bench-secret-0123456789abcdef", DB_POOL_SIZE: "10" });
    cleanup = scratch.drop;
  } else {
    server = await startServer({ ...common, DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "corrective-bench-export-")) });
  }
  try {
    const lead = await ApiClient.signUpAndLogin(server.url, "Bench lead", `bench-export-${Date.now()}@example.test`);
    const external = { observationSpace: { type: "box", shape: [OBS_DIM], low: Array(OBS_DIM).fill(-10), high: Array(OBS_DIM).fill(10) }, actionSpace: { type: "box", shape: [ACT_DIM], low: Array(ACT_DIM).fill(-1), high: Array(ACT_DIM).fill(1) } };
    const source = await lead.ok("POST", API.projects, { name: "bench export", external });
    const target = await lead.ok("POST", API.projects, { name: "bench export copy", external });
    const auth = { authorization: `Bearer ${lead.token}` };
    const idle = (await (async () => {
      const p = probe(server.url);
      await new Promise((r) => setTimeout(r, 2000));
      return p.stop();
    })()).sort((a, b) => a - b);
    const idleMax = Math.round((idle[idle.length - 1] ?? 0) * 10) / 10;
    const rows: Row[] = [];
    const post = async (projectId: string, format: string, body: Uint8Array) => {
      const res = await fetch(`${server.url}/api/v1/projects/${projectId}/datasets/import?format=${format}`, { method: "POST", headers: auth, body: body as BodyInit });
      const json = (await res.json()) as { data?: { samples: number } };
      if (res.status !== 201) throw new Error(`import ${format} → ${res.status} ${JSON.stringify(json)}`);
      return { samples: json.data!.samples, bytes: body.byteLength };
    };
    let tar = new Uint8Array();
    const download = async (format: string, keep: boolean) => {
      const res = await fetch(`${server.url}/api/v1/projects/${source.id}/datasets/latest/export?format=${format}`, { headers: auth });
      if (res.status !== 200) throw new Error(`export ${format} → ${res.status} ${await res.text()}`);
      const chunks: Uint8Array[] = [];
      let bytes = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.byteLength;
        if (keep) chunks.push(chunk);
      }
      if (keep) tar = new Uint8Array(Buffer.concat(chunks));
      return { samples: Number(res.headers.get("x-sample-count")), bytes };
    };
    rows.push(await measure(server, engine, "import JSONL", idleMax, () => post(source.id, "jsonl", dataset)));
    rows.push(await measure(server, engine, "export LeRobot .tar (Parquet)", idleMax, () => download("lerobot", true)));
    rows.push(await measure(server, engine, "export JSONL", idleMax, () => download("jsonl", false)));
    rows.push(await measure(server, engine, "import LeRobot .tar", idleMax, () => post(target.id, "lerobot", tar)));
    return rows;
  } finally {
    await server.stop();
    await cleanup();
  }
}

/** The goals, met or MISSED, from the rows (the stall next to the idle figure: load shows up in both). */
function goals(rows: Row[]): string[] {
  const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
  const parquet = rows.find((r) => r.engine === "postgres" && r.operation.startsWith("export LeRobot"));
  const rss = Math.max(...rows.map((r) => r.rssGrowthMiB ?? 0));
  const stall = Math.max(...rows.map((r) => r.healthMaxMs));
  const idle = Math.max(...rows.map((r) => r.healthIdleMaxMs));
  return [
    parquet ? `Goal export ≥ 50k samples/s (PostgreSQL, Parquet): ${parquet.samplesPerSecond} — ${verdict(parquet.samplesPerSecond >= 50_000)} (load ${parquet.load1m}).` : "Goal export ≥ 50k samples/s: not measured (PostgreSQL unreachable).",
    `Goal RSS growth ≤ 100 MiB: at most ${rss} MiB — ${verdict(rss <= 100)}.`,
    `Goal /api/health stall ≤ 100 ms during exports and imports: at most ${stall} ms (idle before any work: up to ${idle} ms) — ${verdict(stall <= 100)}.`,
  ];
}

async function main(): Promise<void> {
  console.log(`[bench:export] ${SAMPLES} samples (${OBS_DIM}-d observation, ${ACT_DIM}-d action, ${EPISODE}-step episodes)`);
  const dataset = jsonlDataset(SAMPLES);
  const rows: Row[] = [];
  if (!ENGINES.has("postgres")) console.warn("[bench:export] PostgreSQL: skipped (BENCH_EXPORT_ENGINES)");
  else if (await postgresReachable()) rows.push(...(await benchEngine("postgres", dataset)));
  else console.warn("[bench:export] PostgreSQL unreachable: skipped");
  if (ENGINES.has("pglite")) rows.push(...(await benchEngine("pglite", dataset)));
  saveResults("export", {
    title: `Dataset export and import, ${SAMPLES.toLocaleString("en-US")} samples, through the server while /api/health is probed`,
    rows,
    notes: [
      "samplesPerSecond: samples over the wall time of the HTTP request (export: until the last byte of the download; import: until the 201).",
      "healthMaxMs: the longest /api/health response during the operation (requests sent back to back); healthIdleMaxMs: the same over 2 s before any work.",
      "rssGrowthMiB: the server's peak RSS during the operation (sampled every 20 ms) minus its RSS before.",
      "serverCpuMs: CPU time of the server process (all threads, /proc) during the operation, which includes answering the /api/health probe; samplesPerServerCpuSecond: samples over it — what one otherwise idle core would give the server, load aside (the database's own CPU, another process, not counted). load1m: the 1-minute load average after the operation (2 cores).",
      "Goals: export ≥ 50k samples/s to Parquet on PostgreSQL; RSS growth ≤ 100 MiB; /api/health stall ≤ 100 ms. Server, database and load generator share this machine.",
      ...goals(rows),
    ],
  }, OUT_DIR ? { dir: OUT_DIR } : {});
}

await main();

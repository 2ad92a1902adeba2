/**
 * Measures how long other requests stall while something heavy runs: `GET /api/health` (which asks the
 * database `select 1`) one after another with ~`everyMs` between them.
 *
 * Two figures per answer: its wall-clock latency, and — with the server's `pid` — the CPU time the server's
 * main thread (the event loop, and PGlite with it) burned while the answer was pending (from
 * /proc/<pid>/task/<pid>/stat, 10 ms ticks). On a quiet machine the two agree; on a shared, overloaded one (load
 * average 10–20 on 2 cores while this was written) the wall clock mostly measures how long the OS left the
 * server unscheduled, and the CPU figure is the stall the server's own work caused.
 * Shared by tests/server/abuse-limits.test.ts and bench/import-stall.ts.
 */
import fs from "node:fs";

export interface ProbeResult {
  count: number;
  maxMs: number;
  p50Ms: number;
  p99Ms: number;
  /** Most server CPU time (ms) spent while one answer was pending; null without a pid. */
  maxCpuMs: number | null;
  failures: number;
}

/** utime + stime of a process's main thread, in ms (null where /proc is not available). */
export function mainThreadCpuMs(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in USER_HZ (100/s)
  } catch {
    return null;
  }
}

export function probeHealth(base: string, everyMs = 10, pid?: number): { stop: () => Promise<ProbeResult> } {
  const latencies: number[] = [];
  let maxCpuMs: number | null = null;
  let failures = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const cpuBefore = pid ? mainThreadCpuMs(pid) : null;
      const res = await fetch(`${base}/api/health`).catch(() => null);
      latencies.push(performance.now() - started);
      const cpuAfter = pid ? mainThreadCpuMs(pid) : null;
      if (cpuBefore !== null && cpuAfter !== null) maxCpuMs = Math.max(maxCpuMs ?? 0, cpuAfter - cpuBefore);
      if (res?.status !== 200) failures++;
      await res?.arrayBuffer().catch(() => {});
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const sorted = [...latencies].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
      return { count: sorted.length, maxMs: sorted[sorted.length - 1] ?? 0, p50Ms: at(0.5), p99Ms: at(0.99), maxCpuMs, failures };
    },
  };
}

/** A deterministic CartPole-shaped JSONL dataset of about `bytes` bytes (4 observations, discrete action). */
export function cartPoleJsonl(bytes: number): { text: string; samples: number } {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = JSON.stringify({ observation: [rand(), rand(), rand() * 0.2, rand()], action: i % 2, source: "expert", episode_index: Math.floor(i / 200), frame_index: i % 200 });
    lines.push(line);
    size += line.length + 1;
  }
  return { text: `${lines.join("\n")}\n`, samples: lines.length };
}

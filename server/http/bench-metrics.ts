/**
 * Server-side timings for `npm run bench:api`, only when the server runs with CORRECTIVE_BENCH_METRICS=1 (never
 * otherwise: the endpoint does not exist and nothing is measured). With it:
 *
 * - every fast-path answer carries `Server-Timing: auth;dur=…, handler;dur=…, total;dur=…` (ms), so the load
 *   generator can put the server's time next to what the client saw;
 * - `GET /__bench/metrics` answers, per route since the previous call, the server-side total and auth times
 *   (p50/p99/max), the event-loop delay (perf_hooks.monitorEventLoopDelay), the GC pauses (a 'gc'
 *   PerformanceObserver) and how many requests waited for a database connection; `?reset=1` starts a new window.
 *
 * That is how a miss is attributed: a p99 the server also sees, or only the client (queueing before the
 * server reads the request, the load generator itself); an event loop that stalled; a GC pause; a pool wait.
 */
import { monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from "node:perf_hooks";
import type pg from "pg";
import { benchMetricsEnabled } from "../bench-switches";

export const BENCH_METRICS_PATH = "/__bench/metrics";
const MIB = 1024 * 1024;
export { benchMetricsEnabled };

interface Window {
  started: number;
  routes: Map<string, { total: number[]; auth: number[] }>;
  gc: number[];
  poolWaitSamples: number;
  poolWaitMax: number;
  poolWaitSum: number;
  eld: IntervalHistogram;
  /** process.memoryUsage() at the window's highest RSS (sampled every 100 ms), MiB: what the peak was made of. */
  memoryAtPeak: Record<string, number> | null;
}

let win: Window | undefined;
let observer: PerformanceObserver | undefined;
let sampler: NodeJS.Timeout | undefined;

function window(): Window {
  if (!win) {
    const eld = monitorEventLoopDelay({ resolution: 10 });
    eld.enable();
    win = { started: performance.now(), routes: new Map(), gc: [], poolWaitSamples: 0, poolWaitMax: 0, poolWaitSum: 0, eld, memoryAtPeak: null };
    observer ??= new PerformanceObserver((list) => {
      for (const e of list.getEntries()) win?.gc.push(e.duration);
    });
    observer.observe({ entryTypes: ["gc"] });
  }
  return win;
}

/** Starts measuring (event loop, GC, pool waits every 10 ms, memory every 100 ms) when bench metrics are on. */
export function startBenchMetrics(pool: pg.Pool | undefined): void {
  if (!benchMetricsEnabled()) return;
  window();
  let ticks = 0;
  sampler ??= setInterval(() => {
    const w = window();
    const waiting = pool?.waitingCount ?? 0;
    w.poolWaitSamples++;
    w.poolWaitSum += waiting;
    w.poolWaitMax = Math.max(w.poolWaitMax, waiting);
    // The memory every 100 ms (process.memoryUsage.rss() costs ~0.5 ms here: every 10 ms it was 5% of a core).
    if (++ticks % 10 !== 0) return;
    const rss = process.memoryUsage.rss();
    if (!w.memoryAtPeak || rss / MIB > (w.memoryAtPeak.rss as number)) {
      const m = process.memoryUsage();
      w.memoryAtPeak = { rss: m.rss / MIB, heapTotal: m.heapTotal / MIB, heapUsed: m.heapUsed / MIB, external: m.external / MIB, arrayBuffers: m.arrayBuffers / MIB };
    }
  }, 10);
  sampler.unref();
}

export function recordRoute(route: string, totalMs: number, authMs: number): void {
  const w = window();
  let r = w.routes.get(route);
  if (!r) w.routes.set(route, (r = { total: [], auth: [] }));
  r.total.push(totalMs);
  r.auth.push(authMs);
}

const round = (x: number) => Math.round(x * 100) / 100;
function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]! : 0);
  return { n: s.length, p50: round(at(0.5)), p99: round(at(0.99)), max: round(s.at(-1) ?? 0), mean: round(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)) };
}

/** What the window measured; `reset` starts the next one. */
export function benchSnapshot(reset: boolean) {
  const w = window();
  const seconds = (performance.now() - w.started) / 1000;
  const out = {
    seconds: round(seconds),
    routes: Object.fromEntries([...w.routes].map(([k, v]) => [k, { total: stats(v.total), auth: stats(v.auth) }])),
    eventLoopDelayMs: { p50: round(w.eld.percentile(50) / 1e6), p99: round(w.eld.percentile(99) / 1e6), max: round(w.eld.max / 1e6) },
    gc: { count: w.gc.length, totalMs: round(w.gc.reduce((a, b) => a + b, 0)), maxMs: round(Math.max(0, ...w.gc)), msPerSecond: round(w.gc.reduce((a, b) => a + b, 0) / Math.max(0.001, seconds)) },
    poolWaiting: { mean: round(w.poolWaitSum / Math.max(1, w.poolWaitSamples)), max: w.poolWaitMax },
    memoryAtPeakMiB: w.memoryAtPeak ? Object.fromEntries(Object.entries(w.memoryAtPeak).map(([k, v]) => [k, round(v)])) : null,
  };
  if (reset) {
    w.eld.disable();
    win = undefined;
    window();
  }
  return out;
}

/** A V8 CPU profile of the server over one level (bench:api with BENCH_PROFILE_DIR): started, then written to `file`. */
let profiler: import("node:inspector/promises").Session | undefined;
export async function benchProfile(stopInto: string | null): Promise<{ profiling: boolean }> {
  const { Session } = await import("node:inspector/promises");
  if (stopInto === null) {
    if (!profiler) {
      profiler = new Session();
      profiler.connect();
      await profiler.post("Profiler.enable");
      await profiler.post("Profiler.setSamplingInterval", { interval: 200 });
      await profiler.post("Profiler.start");
    }
    return { profiling: true };
  }
  if (!profiler) return { profiling: false };
  const { profile } = await profiler.post("Profiler.stop");
  const fs = await import("node:fs");
  fs.writeFileSync(stopInto, JSON.stringify(profile));
  profiler.disconnect();
  profiler = undefined;
  return { profiling: false };
}
